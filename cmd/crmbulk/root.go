package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/internal/iostreams"
	"github.com/crmbulk/crmbulk/internal/progress"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
)

// app is one invocation of crmbulk: its streams, environment and the global
// settings every API-talking command shares.
type app struct {
	ios    *iostreams.IOStreams
	getenv func(string) string

	apiURL     string
	tokenFile  string
	stateDir   string        // --state-dir: the shared request windows
	rateWindow time.Duration // the hidden --rate-window (60 s)
	maxWait    time.Duration // --max-wait: the blocks (and unanswered requests) a run may wait out in all
	timeout    time.Duration // --request-timeout: one request, its answer read
	bar        *progress.Bar // on a terminal: the one progress bar, which the log writes above
	rate       int
	maxClients int // --max-clients: the bound of every walk of the account's clients
	logFormat  string
	logLevel   string
	noProgress bool

	logger *slog.Logger

	selfExe string // this crmbulk binary, to start as a child process; "" under tests

	// How the user ran crmbulk, for the commands it prints (command.go):
	// the arguments, os.Args[0] ("" under tests) and the shell they are
	// printed for (runtime.GOOS's; tests set either).
	args  []string
	args0 string
	shell shellquote.Shell
}

// runWith executes crmbulk with args and returns the process exit code,
// the app adjusted by setup (main sets selfExe). Tests call it with
// iostreams.Test() and a fake environment.
func runWith(ctx context.Context, args []string, ios *iostreams.IOStreams, getenv func(string) string, setup ...func(*app)) int {
	a := &app{ios: ios, getenv: getenv, args: args, shell: shellquote.ForGOOS(runtime.GOOS)}
	for _, f := range setup {
		f(a)
	}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	code := exitCode(ctx, err)
	switch {
	case err == nil, code == exitRowsFailed: // the summary said it all
	case a.logFormat == "json":
		// A scheduled run's log is JSON to the last line: the error too,
		// also one found before the logger was made (a flag's).
		cmp.Or(a.logger, slog.New(slog.NewJSONHandler(ios.ErrOut, nil))).Error(err.Error(), "exit_code", code)
	case err == errInterrupted: //nolint:errorlint // the bare sentinel carries nothing more to say
		fmt.Fprintln(ios.ErrOut, "crmbulk:", errInterrupted)
	default:
		// An interrupted import says where its report is and how to resume.
		fmt.Fprintf(ios.ErrOut, "crmbulk: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(ios.ErrOut, "Run 'crmbulk --help' for usage.")
		}
	}
	return code
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "crmbulk",
		Short: "Move Base (BaseLinker) CRM clients in and out of spreadsheets, in bulk",
		Long: `crmbulk exports every CRM client of a Base (BaseLinker) account to XLSX or CSV,
and imports CSV/XLSX rows through a mapping file: validated, upserted concurrently,
with a per-row report. It never sends more requests than --rate in any 60 seconds.

The token comes from BASELINKER_TOKEN or --token-file, never from a flag value.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup()
		},
	}
	root.Version = version()
	root.SetVersionTemplate("crmbulk {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)

	pf := root.PersistentFlags()
	pf.StringVar(&a.apiURL, "api-url", "", "API endpoint (env BASELINKER_API_URL; default "+baselinker.DefaultEndpoint+")")
	pf.StringVar(&a.tokenFile, "token-file", "", "read the API token from this file (else env BASELINKER_TOKEN)")
	pf.IntVar(&a.rate, "rate", 100, "requests per minute the token's crmbulk runs may use together (lower it when other integrations share the token)")
	pf.DurationVar(&a.maxWait, "max-wait", 30*time.Minute, "stop cleanly (exit 2, --resume continues) before the API's blocks and its silences (requests it never answered, their retries) add up to more than this")
	pf.DurationVar(&a.timeout, "request-timeout", baselinker.DefaultTimeout, "cut a request the API has not answered in this long, and retry it (the retry is logged)")
	pf.IntVar(&a.maxClients, "max-clients", baselinker.DefaultMaxClients, "stop reading the account's clients (export, import --match-by, undo) past this many: an API whose pages never end cannot spend the token's limit for ever")
	pf.DurationVar(&a.rateWindow, "rate-window", pacer.DefaultWindow, "the window of --rate (tests and benchmarks scale it)")
	_ = pf.MarkHidden("rate-window")
	pf.StringVar(&a.stateDir, "state-dir", "", "where the token's shared request window is kept (env "+sharedwindow.DirEnv+"; default: "+sharedwindow.SystemDir(a.getenv)+", shared by every user of the machine)")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format: text or json (for scheduled runs)")
	pf.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.BoolVar(&a.noProgress, "no-progress", false, "never draw a progress bar (log lines instead)")

	root.AddCommand(a.versionCmd(), a.fieldsCmd(), a.accountCmd(nil), a.exportCmd(nil), a.importCmd(nil), a.undoCmd(nil),
		a.mappingCmd(), a.demoCmd(nil), a.sandboxCmd(), a.uiCmd())
	return root
}

// setup validates the global settings and builds the logger.
func (a *app) setup() error {
	if a.timeout < time.Second || a.timeout > 10*time.Minute {
		return usagef("--request-timeout %s: give 1s to 10m", a.timeout)
	}
	if a.rate < 1 || a.rate > maxRate {
		return usagef("--rate %d: give 1 to %d requests per minute (the API allows 100 per token unless the account bought more)", a.rate, maxRate)
	}
	if a.maxClients < 1 {
		return usagef("--max-clients %d: give at least 1 (default %d)", a.maxClients, baselinker.DefaultMaxClients)
	}
	if a.rateWindow < time.Second {
		return usagef("--rate-window must be at least 1s, got %s", a.rateWindow)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usagef("--log-level %q: use debug, info, warn or error", a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.noProgress {
		a.ios.SetStderrTTY(false)
	}
	switch a.logFormat {
	case "text":
		var w io.Writer = a.ios.ErrOut
		if a.ios.IsStderrTTY() { // one bar for the run; log lines go above it
			a.bar = progress.NewBar(a.ios.ErrOut, a.ios.TerminalWidth())
			w = a.bar
		}
		a.logger = slog.New(slog.NewTextHandler(w, opts))
	case "json":
		a.logger = slog.New(slog.NewJSONHandler(a.ios.ErrOut, opts))
	default:
		return usagef("--log-format %q: use text or json", a.logFormat)
	}
	return nil
}

// printer returns the printers of a run's events: a bar on a terminal, log
// lines every few seconds otherwise (each saying every wait, the bar with
// its countdown, the log when it begins and while it lasts), and more.
func (a *app) printer(more ...events.Printer) events.Printer {
	var r progress.Reporter = a.bar
	if a.bar == nil {
		r = progress.NewLog(a.logger, 5*time.Second, nil)
	}
	return events.Tee(append([]events.Printer{events.Draw(r)}, more...)...)
}

// Set at link time by the release build (goreleaser's ldflags:
// -X main.releaseVersion=… -X main.releaseCommit=… -X main.releaseDate=…);
// empty in other builds, which read debug.ReadBuildInfo instead. They are
// never written at run time.
var (
	releaseVersion string
	releaseCommit  string
	releaseDate    string
)

// build describes this binary: its version, commit and build date.
type build struct {
	version, commit, date string
	modified              bool
}

// buildOf returns the release ldflags when set, else what the Go toolchain
// recorded: a `go install …@v1.2.3` build has its module version, a build
// in a clone its VCS revision and time.
func buildOf() build {
	b := build{version: releaseVersion, commit: releaseCommit, date: releaseDate}
	if b.commit == "none" { // goreleaser's word when it could not read git (a snapshot of a clone without a remote)
		b.commit = ""
	}
	if strings.HasPrefix(b.date, "0001-") {
		b.date = ""
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.commit = cmp.Or(b.commit, s.Value)
			case "vcs.time":
				b.date = cmp.Or(b.date, s.Value)
			case "vcs.modified":
				b.modified = s.Value == "true"
			}
		}
	}
	if b.version == "" {
		b.version = "dev"
		if len(b.commit) >= 12 {
			b.version = "dev-" + b.commit[:12]
		}
	}
	return b
}

// version is the short version (the root command's --version).
func version() string { return buildOf().version }

// String is the line `crmbulk version` prints.
func (b build) String() string {
	commit := cmp.Or(b.commit, "unknown")
	if b.modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("crmbulk %s\ncommit %s\nbuilt %s\n%s %s/%s", b.version, commit, cmp.Or(b.date, "unknown"),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of crmbulk",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.ios.Out, buildOf())
			return nil
		},
	}
}

// maxRate bounds --rate: far above any account's limit (the sandbox's
// tests run at tens of thousands), far below what would exhaust memory.
const maxRate = 100_000
