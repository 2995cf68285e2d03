package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sandbox"
)

// demoFlags are the flags of `crmbulk demo`: its options (the demo makes
// its own account).
type demoFlags struct {
	dir     string
	clients int
	latency time.Duration
	rate    int
	keep    bool
}

// demoCmd is `crmbulk demo`; runF as for runOptions.
func (a *app) demoCmd(runF func(*cobra.Command, *demoFlags) error) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try crmbulk without an account: export and import against a local sandbox",
		Long: `Starts the API sandbox in-process on 127.0.0.1 (seeded with realistic clients, its own
random token, no network), exports every client to an XLSX file and imports the Shopify sample
with its mapping — through the same code as crmbulk export and crmbulk import — then prints
where the files are and both summaries. The sample has an invalid row on purpose; the demo
still exits 0.

--keep keeps the sandbox running after the demo, until Ctrl-C, and prints commands to try
on it (export, import, undo) that work as printed: the sandbox's token is written to a file
in --dir, readable by you only, and the commands name it with --token-file.`,
		Example: "  go run ./cmd/crmbulk demo\n  crmbulk demo --dir demo-files\n  crmbulk demo --keep      # then try the printed commands; Ctrl-C stops the sandbox",
		Args:    cobra.NoArgs,
		RunE:    runOptions(f, nil, runF, a.runDemo),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", "", "directory for the export, the sample and the report (default: a new folder in the system's temporary folder)")
	fl.IntVar(&f.clients, "clients", samples.DemoClients, "clients to seed the sandbox with")
	fl.DurationVar(&f.latency, "latency", 20*time.Millisecond, "sandbox latency per request")
	fl.IntVar(&f.rate, "demo-rate", 600, "requests per minute for the demo (the sandbox's limit is set to match)")
	fl.BoolVar(&f.keep, "keep", false, "keep the sandbox running after the demo until Ctrl-C, and print commands to try on it")
	return cmd
}

func (a *app) runDemo(cmd *cobra.Command, opts *demoFlags) error {
	f := *opts
	if f.clients < 1 || f.rate < 1 {
		return usagef("--clients and --demo-rate must be at least 1")
	}
	if f.dir == "" {
		// A new folder of its own, never inside the current one (a clone of
		// crmbulk's repository, a project under git): the demo leaves no
		// file to commit or to clean up.
		dir, err := os.MkdirTemp("", "crmbulk-demo-")
		if err != nil {
			return fmt.Errorf("creating the demo directory: %w", err)
		}
		f.dir = dir
	} else if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return fmt.Errorf("creating the demo directory: %w", err)
	}
	data := filepath.Join(f.dir, samples.DemoDataName)
	mapFile := filepath.Join(f.dir, samples.DemoMappingName)
	if err := errors.Join(os.WriteFile(data, samples.DemoData, 0o644), os.WriteFile(mapFile, samples.DemoMapping, 0o644)); err != nil {
		return fmt.Errorf("writing the demo sample into %s: %w", f.dir, err)
	}
	token := "demo-" + rand.Text() // never printed: the demo test looks for it
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	ready := make(chan string, 1)
	served := make(chan error, 1)
	cfg := sandbox.Config{Token: token, Seed: samples.DemoSeed, Clients: f.clients, Limit: f.rate, Window: time.Minute,
		Latency: f.latency, Jitter: f.latency / 4, Logger: a.logger}
	go func() { served <- sandbox.Serve(ctx, cfg, "127.0.0.1:0", func(url string) { ready <- url }) }()
	var url string
	select {
	case url = <-ready:
	case err := <-served:
		return fmt.Errorf("starting the demo sandbox: %w", err)
	case <-ctx.Done():
		return errInterrupted
	}

	// The demo's own account: the sandbox's URL and token (never printed)
	// and a rate high enough for a short run, given to the export and the
	// import as their API's factory; the environment and the global flags
	// stay as they are.
	acct := a.demoAccount(f, url, token)

	out := a.ios.Out
	fmt.Fprintf(out, "crmbulk demo: a sandbox with %d clients is running on %s (limit %d requests/minute, latency %s).\n",
		f.clients, url, f.rate, f.latency)
	// The steps' commands stand for what the demo runs in-process on its
	// sandbox; pasted as they are they go to the account of BASELINKER_TOKEN.
	fmt.Fprintln(out, "Each step runs on this sandbox; the command beside it is the same step on a real account (BASELINKER_TOKEN),")
	fmt.Fprintf(out, "so step 2 pasted there imports the sample's clients into that shop; %s keeps the sandbox and prints them for it.\n", a.command("demo", "--keep"))
	fmt.Fprintln(out)
	exportPath := filepath.Join(f.dir, "clients-{datetime}.xlsx")
	fmt.Fprintln(out, "1. Export every client:  "+a.command("export", "--out", exportPath))
	exported, err := a.runExport(cmd, &exportOptions{out: exportPath, delimiter: ",", account: acct})
	if err != nil {
		return fmt.Errorf("demo export: %w", err)
	}
	report := filepath.Join(f.dir, "shopify-customers_export.report.csv")
	fmt.Fprintf(out, "\n2. Import the Shopify sample:  %s\n", a.command("import", data, "--mapping", mapFile, "--report", report))
	err = a.runImport(cmd, &importOptions{input: data, mapping: mapFile, report: report, workers: 4, drain: 5 * time.Second,
		account: acct})
	var rf rowsFailedError
	switch {
	case errors.As(err, &rf) && rf.failed == 0 && rf.invalid == samples.DemoCounts()["invalid"]:
		fmt.Fprintf(out, "   %d row(s) of the sample are invalid on purpose (a 31-character postcode): nothing was sent\n", rf.invalid)
		fmt.Fprintln(out, "   for them, and the report says why. That is expected, so the demo exits 0. (Its country code")
		fmt.Fprintln(out, "   EL was sent as GR: the report's warnings column says so.)")
	case err != nil:
		return fmt.Errorf("demo import: %w", err)
	}
	fmt.Fprintf(out, "\nFiles are in %s:\n  the export      %s\n  the sample      %s (+ %s)\n  the report      %s\n",
		f.dir, filepath.Base(exported), samples.DemoDataName, samples.DemoMappingName, filepath.Base(report))
	fmt.Fprintf(out, "\nNext, with your own file: %s > mapping.yaml, then %s\n", a.command("mapping", "init", "YOUR_FILE"),
		a.command("import", "YOUR_FILE", "--mapping", "mapping.yaml", "--dry-run"))
	fmt.Fprintf(out, "Or in a web page, with the mapping as a table to fix and no YAML to edit: %s\n", a.command("ui"))
	if f.keep {
		if err := a.keepDemo(ctx, f, url, token, acct.StateDir, data, mapFile, report); err != nil {
			return err
		}
	}
	cancel()
	if err := <-served; err != nil {
		return fmt.Errorf("stopping the demo sandbox: %w", err)
	}
	return nil
}

// demoAccount is the demo sandbox's account: its URL and token, the
// demo's rate, and --state-dir or else a folder of the demo's (its token is
// new every run: its window stays with the demo's files).
func (a *app) demoAccount(f demoFlags, url, token string) account {
	stateDir := cmp.Or(a.stateDir, filepath.Join(f.dir, ".crmbulk-state"))
	newAPI := func() (*baselinker.API, error) { return a.newAPI(url, baselinker.Token(token), f.rate, stateDir) }
	return account{API: newAPI, StateDir: stateDir}
}

// keepDemo writes the sandbox's token to a file only the user can read,
// prints commands that work on the running sandbox as printed, and waits
// for Ctrl-C.
func (a *app) keepDemo(ctx context.Context, f demoFlags, url, token, stateDir, data, mapFile, report string) error {
	tokenFile := filepath.Join(f.dir, "sandbox-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the sandbox's token file: %w", err)
	}
	defer os.Remove(tokenFile)
	prefix := []string{"--api-url", url, "--token-file", tokenFile, "--state-dir", stateDir, "--rate", strconv.Itoa(f.rate)}
	out := a.ios.Out
	fmt.Fprintf(out, "\nThe sandbox keeps running on %s until stopped (%s). Try, in another terminal in this folder:\n\n", url, a.howToStop())
	for _, c := range [][]string{
		{"export", "--out", filepath.Join(f.dir, "again.xlsx"), "--force", "--with-details"},
		{"import", data, "--mapping", mapFile, "--match-by", "email", "--dry-run", "--report", filepath.Join(f.dir, "plan.csv")},
		{"undo", report, "--yes"},
	} {
		fmt.Fprintf(out, "  %s\n", a.command(append(slices.Clip(prefix), c...)...))
	}
	fmt.Fprintln(out, "\n(the import's dry run exits 1: one row of the sample is invalid on purpose; the undo reverses the demo's import)")
	fmt.Fprintf(out, "\nThe same in a web page on this sandbox (import, plan, run, report, undo; export):\n    %s\n",
		a.command(append(slices.Clip(prefix), "ui")...))
	<-ctx.Done()
	fmt.Fprintln(a.ios.ErrOut, "crmbulk demo: sandbox stopped")
	return nil
}
