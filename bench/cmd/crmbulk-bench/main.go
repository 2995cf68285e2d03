// Command crmbulk-bench measures crmbulk on the machine it runs on,
// against local sandboxes (nothing leaves the machine), and prints every
// figure side by side in one table. It is a developer's and CI's tool, not
// one of the user's commands, so it lives beside the suite (package bench)
// rather than in the crmbulk binary:
//
//	go run ./bench/cmd/crmbulk-bench --quick
//
// Exit codes: 0 every target met, 1 a target missed, 2 a usage or run
// error, 130 interrupted.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/bench"
	"github.com/crmbulk/crmbulk/sandbox"
)

const (
	exitOK          = 0   // every target met
	exitMissed      = 1   // the table was printed; a target was missed
	exitError       = 2   // usage or run error
	exitInterrupted = 130 // SIGINT / SIGTERM
)

// errTargetsMissed makes crmbulk-bench exit 1 when a figure missed its
// target (the table is printed all the same, so nothing more is printed).
var errTargetsMissed = errors.New("some benchmark targets were missed")

// errInterrupted is returned when a signal stopped the run.
var errInterrupted = errors.New("interrupted")

// usagef is a usage error (exit 2 like any error, said as such).
func usagef(format string, args ...any) error { return fmt.Errorf("usage: "+format, args...) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	exe, err := os.Executable()
	if err != nil {
		exe = "" // the export memory figure then runs its sandbox in-process, and says so
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, exe)
	stop()
	os.Exit(code)
}

// app is what the command needs from its process: where it writes, its
// logger and this binary (to start as its own sandbox process; "" under
// tests).
type app struct {
	out      io.Writer
	logger   *slog.Logger
	logLevel string
	selfExe  string
}

// run runs crmbulk-bench with args and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, selfExe string) int {
	a := &app{out: stdout, selfExe: selfExe}
	cmd := a.benchCmd()
	cmd.AddCommand(a.sandboxCmd())
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		var level slog.Level
		if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
			return usagef("--log-level %q: use debug, info, warn or error", a.logLevel)
		}
		a.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
		return nil
	}
	err := cmd.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errTargetsMissed):
		return exitMissed
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled) && ctx.Err() != nil:
		fmt.Fprintln(stderr, "crmbulk-bench: interrupted")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "crmbulk-bench: %v\n", err)
	return exitError
}

// sandboxCmd serves the sandbox the export memory figure measures against,
// in a process of its own (started by childSandbox). It is hidden: the
// user's sandbox is `crmbulk sandbox`.
func (a *app) sandboxCmd() *cobra.Command {
	var (
		addr string
		cfg  = sandbox.Config{Window: time.Minute}
	)
	cmd := &cobra.Command{
		Use:    "sandbox",
		Short:  "Serve the sandbox of the export memory figure (started by crmbulk-bench itself)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Token = os.Getenv("BASELINKER_TOKEN")
			if cfg.Token == "" {
				return usagef("the sandbox needs its token in BASELINKER_TOKEN")
			}
			cfg.Logger = a.logger
			err := sandbox.Serve(cmd.Context(), cfg, addr, func(url string) {
				fmt.Fprintf(a.out, "sandbox serving %s\n", url)
			})
			if err == nil && cmd.Context().Err() != nil {
				return errInterrupted
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on")
	f.IntVar(&cfg.Clients, "clients", 250, "clients to seed")
	f.IntVar(&cfg.Limit, "limit", 0, "requests allowed per minute (0 = unlimited)")
	f.Int64Var(&cfg.Seed, "seed", 1, "seed for the data")
	return cmd
}

func (a *app) benchCmd() *cobra.Command {
	var (
		quick  bool
		rows   int
		only   string
		format string
	)
	cmd := &cobra.Command{
		Use:   "crmbulk-bench",
		Short: "Measure crmbulk on this machine against local sandboxes and print one table",
		Long: `Runs crmbulk's benchmark suite against in-process sandboxes (nothing leaves the machine)
and prints every figure side by side in one table, with the machine it ran on:

  rate        request rate achieved / allowed for import, export and a serial client with a
              fixed 600 ms gap, at sandbox latencies 50 ms, 500 ms and 2 s, all at once, over
              three 60 s windows (about 3.5 minutes), with the requests over the limit and
              the pace of import and export against their limiter
  perrow      requests per row of an import with --match-by email (changed and unchanged rows)
  blocks      time a 10-minute token block and a 5-minute account block cost an import (their
              stated end + the margin; lived through on a skipping clock, in seconds), the same
              block without a stated end for comparison, and requests per client of
              export --extra-fields with and without a list that carries them
  throughput  dry-run rows/s against a bare parse of the same CSV (--rows) and XLSX (--rows/10)
  memory      peak heap and RSS of a dry run (--rows/100 and --rows) and of an export
              (--rows/100 and --rows/10 clients)

--quick scales the rate window to 6 s and the latencies by the same factor and makes
100000 rows the default (about 30 s; the output says it is scaled). docs/benchmarks.md
explains every figure. Exit 1 when a target was missed.`,
		Example: `  go run ./bench/cmd/crmbulk-bench --quick
  go run ./bench/cmd/crmbulk-bench --only rate --format markdown
  go run ./bench/cmd/crmbulk-bench --rows 200000 --only throughput,memory`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write, ok := map[string]func(*bench.Report, io.Writer) error{
				"text": (*bench.Report).WriteText, "markdown": (*bench.Report).WriteMarkdown}[format]
			if !ok {
				return usagef("--format %q: use text or markdown", format)
			}
			if rows < 0 {
				return usagef("--rows %d: give a positive number of rows (0 = the default)", rows)
			}
			names, err := bench.ParseOnly(only)
			if err != nil {
				return usagef("--only: %v", err)
			}
			cfg := bench.Config{Quick: quick, Rows: rows, Only: names, Logger: a.logger}
			// The export memory figure needs the sandbox in another
			// process: this binary's own sandbox command. Under tests there
			// is none; the report then says the sandbox ran in-process.
			if a.selfExe != "" {
				cfg.Launcher = childSandbox(a.selfExe)
			}
			rep, err := bench.Run(cmd.Context(), cfg)
			if err != nil {
				if cmd.Context().Err() != nil {
					return errInterrupted
				}
				return err
			}
			if err := write(rep, a.out); err != nil {
				return fmt.Errorf("printing the table: %w", err)
			}
			if !rep.OK() {
				return errTargetsMissed
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "scale the rate window to 6 s (latencies too) and default to 100000 rows: a ~30 s smoke run")
	f.IntVar(&rows, "rows", 0, "rows of the largest generated file (default 1000000, with --quick 100000)")
	f.StringVar(&only, "only", "", "run only these scenarios, comma-separated: "+strings.Join(bench.Scenarios(), ", "))
	f.StringVar(&format, "format", "text", "table format: text or markdown")
	return cmd
}

// childSandbox starts `exe sandbox` on a free loopback port with a fresh
// random token (passed in the environment, never on the command line).
func childSandbox(exe string) bench.Launcher {
	return func(ctx context.Context, clients int) (string, string, func() error, error) {
		token := "bench-" + rand.Text()
		c := exec.Command(exe, "sandbox", "--addr", "127.0.0.1:0", "--clients", strconv.Itoa(clients),
			"--limit", "0", "--seed", "1", "--log-level", "warn")
		c.Env = append(os.Environ(), "BASELINKER_TOKEN="+token) // os/exec keeps the last value of a key
		out, err := c.StdoutPipe()
		if err != nil {
			return "", "", nil, fmt.Errorf("starting the sandbox process: %w", err)
		}
		if err := c.Start(); err != nil {
			return "", "", nil, fmt.Errorf("starting the sandbox process %s: %w", exe, err)
		}
		waited := make(chan error, 1)
		stop := func() error {
			_ = c.Process.Signal(os.Interrupt)
			select {
			case err := <-waited:
				return ignoreExit(err)
			case <-time.After(10 * time.Second):
				_ = c.Process.Kill()
				return ignoreExit(<-waited)
			}
		}
		urls := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if u, ok := strings.CutPrefix(sc.Text(), "sandbox serving "); ok {
					urls <- strings.TrimSpace(u)
					break
				}
			}
			_, _ = io.Copy(io.Discard, out)
			waited <- c.Wait()
		}()
		select {
		case u := <-urls:
			return u, token, stop, nil
		case err := <-waited:
			waited <- err
			return "", "", nil, fmt.Errorf("the sandbox process (%d clients) ended before serving: %w", clients, ignoreExit(err))
		case <-ctx.Done():
			_ = stop()
			return "", "", nil, ctx.Err()
		case <-time.After(2 * time.Minute):
			_ = stop()
			return "", "", nil, fmt.Errorf("the sandbox process (%d clients) did not start serving within 2 minutes", clients)
		}
	}
}

// ignoreExit treats the sandbox's exit on the interrupt (code 130) as success.
func ignoreExit(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == exitInterrupted {
		return nil
	}
	return err
}
