package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/undo"
)

// undoOptions are one undo's: the report, the flags and the account.
type undoOptions struct {
	source  string
	report  string
	resume  string
	dryRun  bool
	yes     bool
	workers int
	list    bool
	account
}

// undoCmd is `crmbulk undo`; runF as for runOptions.
func (a *app) undoCmd(runF func(*cobra.Command, *undoOptions) error) *cobra.Command {
	f := &undoOptions{}
	cmd := &cobra.Command{
		Use:   "undo REPORT",
		Short: "Reverse what an import did, from its report",
		Long: `Reads an import's report and reverses what it did, as safely as the import itself
(the same --rate, a journal, a report of its own, --resume, the same exit codes):

  created    the client is deleted (deleteCrmClient) only if it still holds exactly what
             the import wrote; otherwise the line is a conflict naming the fields someone
             changed since, and the client stays
  updated    each field the import changed gets its value from before the import back, only
             while it still holds the import's value; a field changed since is left and
             reported as a conflict (a value the import did not read — notes and extra
             fields without --compare-notes — cannot be restored, and is said so)
  others     unchanged, invalid, failed, skipped: nothing to do

The account's clients are read from the list, 100 a request; getCrmClientData only for
clients whose notes or extra fields the import changed. On a terminal, without --yes,
undo shows its plan (a dry run) and changes nothing. The undo's report has the import
report's columns, so an undo can be undone: that applies the import again.

It refuses a dry run's report, a report written with another token, a report of an
older crmbulk (without the changes and account columns), and a line that fails its proof
(the line_mac column: a MAC keyed by the account's secret in the state directory), so an
edited or forged report deletes nothing. One undo of a report runs at a time, and none
while its import runs.

An import never writes over an earlier run's record: the earlier report is kept beside
it with its date in the name. --list REPORT (or the imported FILE) lists them all.

Exit 0 when everything was undone, 1 when some lines are conflicts or failed (see the
report), 2 when the report cannot be undone (nothing was sent), 130 when interrupted.`,
		Example: `  crmbulk undo clients.report.csv                 # on a terminal: the plan first
  crmbulk undo clients.report.csv --yes           # then the undo (report: clients.report.undo.csv)
  crmbulk undo clients.report.csv --yes --resume clients.report.undo.csv
  crmbulk undo clients.report.undo.csv --yes      # undo the undo: the import again
  crmbulk undo --list clients.csv                 # the records of every import of clients.csv`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("undo needs the report of the import to reverse: crmbulk undo REPORT")
			}
			return nil
		},
		RunE: runOptions(f, func(args []string) { f.source, f.account = args[0], a.userAccount() }, runF, a.runUndo),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.report, "report", "", "the undo's own report, CSV (default: REPORT with .undo.csv)")
	fl.StringVar(&f.resume, "resume", "", "continue the undo whose report this is (lines it finished are kept)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "read the clients and write the plan; change nothing")
	fl.BoolVar(&f.yes, "yes", false, "undo without showing the plan first (needed on a terminal)")
	fl.IntVar(&f.workers, "workers", undo.DefaultWorkers, "requests in flight at once (the --rate limit holds whatever the number)")
	fl.BoolVar(&f.list, "list", false, "list the records of REPORT (or of the imported FILE): the report and earlier runs' kept beside it; send nothing")
	return cmd
}

func (a *app) runUndo(cmd *cobra.Command, f *undoOptions) error {
	if f.workers < 1 || f.workers > importer.MaxWorkers {
		return usagef("--workers %d: give 1 to %d", f.workers, importer.MaxWorkers)
	}
	if f.list {
		return a.listRecords(f.source)
	}
	planFirst := !f.dryRun && !f.yes && a.ios.IsInteractive()
	client, err := f.API()
	if err != nil {
		return err
	}
	stateDir, err := a.recordStateDir(f.StateDir, false)
	if err != nil {
		return err
	}
	cfg := undo.Config{Report: f.report, Resume: f.resume, DryRun: f.dryRun || planFirst, Workers: f.workers,
		Events: a.printer(), Waiting: client.Waiting, Log: a.logger, Rerun: a.rerun(cmd, "undo"), // the printers say the waits
		StateDir: stateDir, Command: "crmbulk undo " + f.source, MaxClients: a.maxClients, RequestTimeout: a.timeout}
	sum, err := undo.Run(cmd.Context(), client, f.source, cfg)
	if sum.Lines > 0 {
		if a.logFormat == "json" {
			a.logger.Info("undo finished", "lines", sum.Lines, "deleted", sum.Counts[undo.StatusDeleted],
				"restored", sum.Counts[undo.StatusRestored], "created", sum.Counts["created"], "conflicts", sum.Counts[undo.StatusConflict],
				"failed", sum.Counts["failed"], "skipped", sum.Counts["skipped"], "requests", sum.Requests,
				"seconds", sum.Elapsed.Seconds(), "report", sum.Report, "dry_run", sum.DryRun, "earlier_record_kept", sum.Kept)
		} else {
			fmt.Fprintf(a.ios.ErrOut, "crmbulk %s\n", sum)
		}
	}
	switch {
	case errors.Is(err, events.ErrInterrupted):
		return fmt.Errorf("%w: %w", errInterrupted, err)
	case err != nil:
		return err
	case planFirst:
		fmt.Fprintf(a.ios.ErrOut, "crmbulk: that was the plan; nothing was changed. To undo, run:\n  %s\n", a.rerun(cmd, "undo")(shellquote.Set("yes", "")))
	case sum.Problems() > 0:
		return rowsFailedError{failed: sum.Problems()}
	}
	return nil
}

// listRecords prints the records of a report path (or of the default
// report of an imported file), newest first.
func (a *app) listRecords(path string) error {
	report := path
	if rs, err := importer.Records(path); err == nil && !slices.ContainsFunc(rs, func(r importer.Record) bool { return r.Path == path && r.Err == nil }) {
		report = importer.DefaultReportPath(path, false) // not a report: the file imported
	}
	rs, err := importer.Records(report)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return fmt.Errorf("no record of %s: no report at %s, and none kept beside it (a report given with --report is listed by its own path)", path, report)
	}
	out := a.ios.Out
	fmt.Fprintf(out, "records of %s, newest first:\n", report)
	for _, r := range rs {
		fmt.Fprintf(out, "  %s  %s  %s\n", r.Path, r.Modified.Local().Format("2006-01-02 15:04:05"), recordText(r))
	}
	fmt.Fprintln(out, "give one of these paths to crmbulk undo to reverse that run")
	return nil
}

func recordText(r importer.Record) string {
	if r.Err != nil {
		return "not readable as a report: " + r.Err.Error()
	}
	var parts []string
	// an undo's own statuses after the import's; its conflict is the import's
	for _, st := range append(events.Statuses(), undo.StatusDeleted, undo.StatusRestored) {
		if n := r.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	s := fmt.Sprintf("%d lines: %s; input_sha256 %s", r.Lines, strings.Join(parts, ", "), r.InputSHA)
	switch {
	case r.DryRun:
		s += "; a dry run (nothing sent)"
	case r.Journal:
		s += "; stopped before it ended (its journal is beside it): finish it with import --resume"
	}
	return s
}
