package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// importOptions are one import's: the file, the flags and the account it
// writes to.
type importOptions struct {
	input     string
	mapping   string
	report    string
	matchBy   string
	workers   int
	dryRun    bool
	resume    string
	sheet     string
	encoding  string
	delimiter string
	drain     time.Duration

	compareNotes bool
	format       string
	again        bool
	account
}

// importCmd is `crmbulk import`; runF as for runOptions.
func (a *app) importCmd(runF func(*cobra.Command, *importOptions) error) *cobra.Command {
	f := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create or update CRM clients from the rows of a CSV or XLSX file",
		Long: `Reads FILE (CSV or XLSX), maps each row to a CRM client through --mapping (without it,
headers that are API field names map to themselves, as an export writes them), validates
every value, plans each row against the account and creates or updates the clients —
concurrently, never faster than --rate.

A row with crm_client_id > 0 updates that client. With --match-by the importer reads every
client once and updates the one with the row's key, creates one when none has it, and fails
the row when two have it. An update sends only the fields that change; a client that already
holds the row's values is "unchanged" and costs no request.

Every non-blank row gets one line in the report (default FILE.report.csv, FILE.dry-run.report.csv
for --dry-run; .xlsx for XLSX): created, updated, unchanged, invalid, failed, conflict or skipped, and its
changes — every field of a create, before → after for an update. --dry-run is the same run with
nothing sent: the plan. Country names are sent as their ISO codes and spreadsheet text marks
(the ' before '+48…) are removed; the warnings column says so. Exit 0 when every row is fine,
1 when some were invalid, failed or in conflict, 2 for bad input or a fatal API error, 130 when
interrupted; run again with --resume REPORT to redo only what is not finished.

Without a match key every row creates a client, so a second run of the same file would create
them all again: a run whose report says an earlier run of the same file created clients stops
before sending anything and offers --resume, --match-by, or --again (create them again).

One run per file and per report at a time: a second import of the same file on the same account,
or into the same report, stops (exit 2, nothing sent) and names the run that holds it. A report
path holding an earlier run's record is not written over: the earlier report is kept beside it,
dated (crmbulk undo --list FILE lists them). Every report line carries a proof (line_mac) that
--resume and undo check, so an edited report is refused rather than sent again.`,
		Example: `  crmbulk import clients.xlsx --mapping shop.yaml --match-by email --dry-run
  crmbulk import clients.xlsx --mapping shop.yaml --match-by email
  crmbulk import export.csv --dry-run --format json
  crmbulk import clients.csv --mapping shop.yaml --resume clients.report.csv`,
		Args: cobra.ExactArgs(1),
		RunE: runOptions(f, func(args []string) { f.input, f.account = args[0], a.userAccount() }, runF, a.runImport),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.mapping, "mapping", "", "mapping file (YAML); without it the headers must be API field names")
	fl.StringVar(&f.report, "report", "", "report path, .csv or .xlsx (default: FILE without extension + .report.csv; .dry-run.report.csv with --dry-run)")
	fl.StringVar(&f.matchBy, "match-by", "", "match rows to existing clients by "+suggest.OrList(baselinker.MatchKeyFields())+", or several tried in order: email,invoice_tax_id (default: the mapping's match_by)")
	fl.IntVar(&f.workers, "workers", importer.DefaultWorkers, "requests in flight at once (the --rate limit still applies)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "read, map, validate and match, write the report of what would happen, send no write")
	fl.StringVar(&f.resume, "resume", "", "report of an earlier run of the same FILE: copy its finished rows, redo the rest")
	fl.StringVar(&f.sheet, "sheet", "", "XLSX sheet name (default: the mapping's, else the first sheet with data)")
	fl.StringVar(&f.encoding, "encoding", "", "CSV encoding, e.g. windows-1250 (default: the mapping's, else UTF-8, UTF-16 by BOM, or the code page detected)")
	fl.StringVar(&f.delimiter, "delimiter", "", "CSV delimiter: , ; tab or | (default: the mapping's, else sniffed)")
	fl.BoolVar(&f.again, "again", false, "import a file without a match key although its report says an earlier run created its clients (they are created again)")
	fl.BoolVar(&f.compareNotes, "compare-notes", false, "read each matched client (one request) so that notes and extra fields are compared, not sent again")
	fl.StringVar(&f.format, "format", "text", "text, or json: print every report line (the plan) as a JSON line on standard output")
	fl.DurationVar(&f.drain, "drain-timeout", events.DefaultDrain, "after an interrupt, how long requests in flight may finish")
	_ = fl.MarkHidden("drain-timeout")
	return cmd
}

func parseDelimiter(s string) (rune, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := sheet.ParseDelimiter(s); ok {
		return d, nil
	}
	return 0, usagef("--delimiter %q: use , ; tab or |", s)
}

func (a *app) runImport(cmd *cobra.Command, f *importOptions) error {
	m, so, matchBy, err := a.importInput(cmd, f)
	if err != nil {
		return err
	}

	// A dry run without a match key needs the API only when its rows carry
	// a crm_client_id (the plan compares them with the account's clients):
	// without a token it runs as long as nothing needs reading.
	var api importer.API
	var client *baselinker.API
	if client, err = f.API(); err != nil && (!f.dryRun || len(matchBy) > 0) {
		return err
	}
	if client != nil {
		api = client
	}
	if format := cmp.Or(f.format, "text"); format != "text" && format != "json" {
		return usagef("--format %q: use text or json", format)
	}
	plan := newPlanPrinter(a, f.format)
	stateDir, err := a.recordStateDir(f.StateDir, f.dryRun)
	if err != nil {
		return err
	}
	cfg := importer.Config{Mapping: m, MatchBy: matchBy, Workers: f.workers, MaxClients: a.maxClients, DryRun: f.dryRun,
		CompareNotes: f.compareNotes, Report: f.report, Resume: f.resume, Again: f.again, Sheet: so,
		Events: a.printer(plan), Logger: a.logger, DrainTimeout: f.drain, Rerun: a.rerun(cmd, "import"),
		StateDir: stateDir, Command: "crmbulk import " + f.input, RequestTimeout: a.timeout}
	if client != nil {
		cfg.ETA, cfg.Waiting = client.Limiter().ETA, client.Waiting // the printers say them (app.printer)
	}
	sum, err := importer.Run(cmd.Context(), api, f.input, cfg)
	plan.flush()
	return a.importDone(cmd, sum, err)
}

// importInput checks the flags and reads what they name: the mapping, how
// the sheet is read and the match keys (the flag's, else the mapping's).
func (a *app) importInput(cmd *cobra.Command, f *importOptions) (m *mapping.Mapping, so sheet.Options, matchBy []string, err error) {
	so = sheet.Options{Sheet: f.sheet, Encoding: f.encoding}
	if f.workers < 1 || f.workers > importer.MaxWorkers {
		return nil, so, nil, usagef("--workers %d: give 1 to %d (at 100 requests a minute a few workers keep the limit busy)", f.workers, importer.MaxWorkers)
	}
	if err := a.checkMappingName(cmd, f.input, f.mapping); err != nil {
		return nil, so, nil, err
	}
	if f.mapping != "" {
		if m, err = mapping.Load(f.mapping); err != nil {
			return nil, so, nil, err
		}
	}
	if so.Delimiter, err = parseDelimiter(f.delimiter); err != nil {
		return nil, so, nil, err
	}
	// importer.Run falls back on the mapping's too; here it decides the token.
	if matchBy, err = parseMatchBy(f.matchBy); err != nil {
		return nil, so, nil, err
	}
	if len(matchBy) == 0 && m != nil {
		matchBy = m.MatchBy
	}
	return m, so, matchBy, nil
}

// importDone says how the import went (its summary, and the undo's command
// after a real run that changed clients) and returns its exit error.
func (a *app) importDone(cmd *cobra.Command, sum importer.Summary, err error) error {
	switch {
	case sum.Rows == 0 && err != nil:
	case a.logFormat == "json":
		a.logger.Info("import finished", sum.LogAttrs()...)
	default:
		fmt.Fprintf(a.ios.ErrOut, "crmbulk import: %s\n", sum)
		if n := sum.Counts[events.StatusCreated] + sum.Counts[events.StatusUpdated]; n > 0 && !sum.DryRun && a.rerun(cmd, "import") != nil {
			fmt.Fprintf(a.ios.ErrOut, "To undo it (the plan first, on a terminal):\n  %s\n", a.command(append(a.globalArgs(cmd), "undo", sum.Report)...))
		}
	}
	switch {
	case errors.Is(err, events.ErrInterrupted):
		return fmt.Errorf("%w: %w", errInterrupted, err)
	case err != nil:
		return err
	case sum.Problems() > 0:
		return rowsFailedError{invalid: sum.Counts[events.StatusInvalid], failed: sum.Counts[events.StatusFailed],
			conflict: sum.Counts[events.StatusConflict]}
	}
	return nil
}

// recordStateDir is the state directory a real run locks its input in
// and keeps the account's record key in (see sharedwindow.Dir). A real
// run without one would write reports nothing can prove: it is refused.
func (a *app) recordStateDir(stateDir string, dryRun bool) (string, error) {
	dir, err := sharedwindow.Dir(stateDir, a.getenv)
	if err != nil && !dryRun {
		return "", usagef("%v: give --state-dir, where crmbulk keeps the locks and the key that proves its reports", err)
	}
	return dir, nil
}

// parseMatchBy reads --match-by: one key, or keys separated by commas,
// tried in order.
func parseMatchBy(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var keys []string
	for _, k := range strings.Split(v, ",") {
		k = strings.TrimSpace(k)
		switch {
		case !slices.Contains(baselinker.MatchKeyFields(), k):
			return nil, usagef("--match-by %q: clients can be matched by %s (several: email,invoice_tax_id)", k, suggest.OrList(baselinker.MatchKeyFields()))
		case slices.Contains(keys, k):
			return nil, usagef("--match-by names %s twice", k)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
