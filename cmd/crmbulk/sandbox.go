package main

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
)

func (a *app) sandboxCmd() *cobra.Command {
	var (
		cfg    sandbox.Config
		addr   string
		faults []string
	)
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve an in-memory emulator of the CRM API (for trying crmbulk without an account)",
		Long: `Serves an emulator of the documented Base CRM API methods (getCrmClients, addCrmClient,
getCrmClientData, getCrmClientStatuses) on a local address, with the same transport, answers,
request limit and token block as the vendor documents, plus optional latency and faults.
It prints the URL to point --api-url (or BASELINKER_API_URL) at, and runs until interrupted.

The sandbox accepts one token: --token, or BASELINKER_TOKEN when --token is not given.`,
		Example: `  crmbulk sandbox --token 3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y --clients 1000 --latency 200ms --jitter 50ms
  BASELINKER_TOKEN=3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y crmbulk --api-url http://127.0.0.1:8080/connector.php export --out clients.xlsx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Token = cmp.Or(cfg.Token, a.getenv("BASELINKER_TOKEN")); cfg.Token == "" {
				return usagef("the sandbox needs a token to accept: --token T or BASELINKER_TOKEN")
			}
			if n := utf8.RuneCountInString(cfg.Token); n < baselinker.MinTokenLen {
				return usagef("--token: %d characters; give a token as long as a real one (at least %d), since crmbulk refuses shorter ones", n, baselinker.MinTokenLen)
			}
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usagef("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return usagef("--addr %q: the sandbox listens on loopback only (127.0.0.1, ::1, localhost)", addr)
			}
			// The sandbox's own check is the rule; the flag's words say it.
			if fe := (*sandbox.FieldError)(nil); errors.As(cfg.Check(), &fe) && sandboxFlags[fe.Field] != "" {
				return usagef("--%s %v: must be %s", sandboxFlags[fe.Field], fe.Value, fe.Want)
			}
			for _, f := range faults {
				cfg.Faults = append(cfg.Faults, sandbox.Fault(strings.TrimSpace(f)))
			}
			cfg.Logger = a.logger
			ctx := cmd.Context()
			err = sandbox.Serve(ctx, cfg, addr, func(url string) {
				fmt.Fprintf(a.ios.Out, "sandbox serving %s\n", url)
				fmt.Fprintf(a.ios.Out, "  %s\n", a.shell.SetEnv("BASELINKER_API_URL", url))
				fmt.Fprintf(a.ios.Out, "  limit %d requests per %s, clients seeded: %d; %s\n", cfg.Limit, cfg.Window, cfg.Clients, a.howToStop())
			})
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				if cfg.StatePath != "" {
					fmt.Fprintf(a.ios.ErrOut, "sandbox stopped; state saved to %s\n", cfg.StatePath)
				} else {
					fmt.Fprintln(a.ios.ErrOut, "sandbox stopped")
				}
				return errInterrupted // the same exit code (130) as every command stopped by a signal
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (loopback only; port 0 picks a free one)")
	f.StringVar(&cfg.Token, "token", "", "the token the sandbox accepts (default: $BASELINKER_TOKEN)")
	f.IntVar(&cfg.Clients, "clients", 250, "realistic clients to seed (when no --state is loaded)")
	f.IntVar(&cfg.Limit, "limit", 100, "requests allowed per --window before the token is blocked (0 = unlimited)")
	f.DurationVar(&cfg.Window, "window", time.Minute, "sliding window of the limit")
	f.DurationVar(&cfg.BlockFor, "block-for", 10*time.Minute, "how long a token that went over the limit stays blocked (the live API: about 10 minutes)")
	f.BoolVar(&cfg.BlockNoEnd, "block-no-end", false, "leave the end out of a blocked answer's message (\"token blocked until …\")")
	f.BoolVar(&cfg.ExtendBlock, "extend-block", false, "a request during a block restarts it")
	f.IntVar(&cfg.AccountBlockAfter, "account-block-after", 0, "block the whole account after this many requests (ERROR_USER_ACCOUNT_BLOCKED); 0 = never")
	f.DurationVar(&cfg.AccountBlockFor, "account-block-for", 5*time.Minute, "how long the account stays blocked")
	f.BoolVar(&cfg.DriftTypes, "drift-types", false, "send integers as strings and digit-only texts as numbers")
	f.BoolVar(&cfg.HTMLLabel, "html-label", false, "label answers text/html, as the live API does")
	f.IntVar(&cfg.WarnEvery, "warn-every", 0, "add warnings to every N-th successful addCrmClient answer; 0 = never")
	f.Float64Var(&cfg.ReadErrors, "read-errors", 0, "probability (0..1) that a read answers a transient ERROR_INTERNAL")
	f.BoolVar(&cfg.ListExtraFields, "list-extra-fields", false, "getCrmClients accepts include_custom_extra_fields and lists the extra fields (off: the parameter is refused as unknown)")
	f.DurationVar(&cfg.CommitAfter, "commit-after", 0, "apply an addCrmClient this long after it arrives, even when its client has gone (a back end that finishes a request after its client died)")
	f.BoolVar(&cfg.IgnorePage, "ignore-page", false, "getCrmClients answers page 1 whatever page is asked (a hostile endpoint whose pages never move on)")
	f.BoolVar(&cfg.EndlessPages, "endless-pages", false, "getCrmClients answers 100 new clients on every page past the last (a hostile endpoint whose pages never end)")
	f.DurationVar(&cfg.Latency, "latency", 0, "delay before every answer, e.g. 200ms")
	f.DurationVar(&cfg.Jitter, "jitter", 0, "± uniform jitter added to --latency")
	f.Float64Var(&cfg.FaultRate, "fault-rate", 0, "fraction of requests (0..1) that fail like the real world")
	f.StringSliceVar(&faults, "faults", nil, "fault kinds to inject: http500, cut_before, cut_after, truncated (default all)")
	f.Int64Var(&cfg.Seed, "seed", 1, "seed for the data, the faults and the jitter")
	f.StringVar(&cfg.StatePath, "state", "", "JSON file keeping the data between runs")
	return cmd
}

// sandboxFlags names the flag that sets each sandbox.Config field a
// FieldError can name.
var sandboxFlags = map[string]string{
	"FaultRate": "fault-rate", "ReadErrors": "read-errors", "Limit": "limit", "Clients": "clients",
	"Latency": "latency", "Jitter": "jitter", "Window": "window", "BlockFor": "block-for",
	"AccountBlockFor": "account-block-for", "AccountBlockAfter": "account-block-after",
	"CommitAfter": "commit-after", "WarnEvery": "warn-every",
}
