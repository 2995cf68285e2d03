package ui

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/crmbulk/crmbulk/undo"
)

// importSpec is an import the page asks for: what the plan was made of.
type importSpec struct {
	Input   string
	Mapping *mapping.Mapping
	MatchBy []string
	Sheet   sheet.Options
	Resume  string // the report of the run this one resumes ("" = a new run)
	// Plan names the plan the run does: its file and mapping (planKey).
	// One import of a plan runs at a time (runManager.startImport).
	Plan     string
	StateDir string // the state directory: the input's lock on the account, the record key
	Logger   *slog.Logger
}

// importReport is the report an import of input writes: the CLI's default,
// beside the input.
func importReport(input string) string { return importer.DefaultReportPath(input, false) }

// importJob is the real import of spec through api (importer.Run, as
// `crmbulk import` runs it); a resume writes on the report it resumes.
// The pipelines hand their notes to Events themselves (run's
// Aggregator.Logger): their logger is the server's log only.
func importJob(api importer.API, spec importSpec) runJob {
	return func(ctx context.Context, ev run.Printer) (run.Summary, error) {
		cfg := importer.Config{Mapping: spec.Mapping, MatchBy: spec.MatchBy, Sheet: spec.Sheet,
			Report: importReport(spec.Input), Resume: spec.Resume, StateDir: spec.StateDir,
			Command: "crmbulk ui: import " + filepath.Base(spec.Input), Logger: spec.Logger}
		cfg.Events = ev
		if a, ok := api.(*baselinker.API); ok {
			cfg.ETA, cfg.Waiting = a.Limiter().ETA, a.Waiting
		}
		sum, err := importer.Run(ctx, api, spec.Input, cfg)
		counts := map[string]int{}
		for st, n := range sum.Counts {
			counts[string(st)] = n
		}
		return run.Summary{Command: kindImport, Counts: counts, Requests: sum.Requests, Elapsed: sum.Elapsed, Text: sum.String()}, err
	}
}

// undoReport is the report an undo of the report source writes.
func undoReport(source string) string { return undo.DefaultReportPath(source) }

// undoJob undoes what the report source says its import did (undo.Run,
// as `crmbulk undo --yes` does).
func undoJob(api undo.API, source, stateDir string, log *slog.Logger) runJob {
	return func(ctx context.Context, ev run.Printer) (run.Summary, error) {
		cfg := undo.Config{Report: undoReport(source), StateDir: stateDir, Log: log,
			Command: "crmbulk ui: undo " + filepath.Base(source)}
		cfg.Events = ev
		if a, ok := api.(*baselinker.API); ok {
			cfg.Waiting = a.Waiting
		}
		sum, err := undo.Run(ctx, api, source, cfg)
		counts := map[string]int{}
		for st, n := range sum.Counts {
			counts[string(st)] = n
		}
		return run.Summary{Command: kindUndo, Counts: counts, Requests: sum.Requests, Elapsed: sum.Elapsed, Text: sum.String()}, err
	}
}
