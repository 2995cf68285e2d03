package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/undo"
)

// maxPerRowRows bounds the per-row scenario: the figure is a ratio, a
// larger file adds time, not information.
const maxPerRowRows = 10_000

// perRowResult is what one import run cost.
type perRowResult struct {
	rows        int
	status      events.Status // the status every row should have
	got         int           // rows with that status
	writes      int           // addCrmClient requests the sandbox saw
	walk        int           // getCrmClients requests (the index walk)
	clientsSeen int           // clients in the sandbox during the walk
	undoOf      events.Status // an undo of the lines with this status ("" for an import)
}

// runPerRow imports the same file three times into one unlimited sandbox:
// without match-by (every row creates: the seed), with match-by email and
// the same values (every row unchanged) and with match-by email and a new
// city in every row (every row updated), counting the requests the sandbox
// received per run.
func runPerRow(ctx context.Context, c *Config, r *Report, files *fileCache) error {
	rows := min(c.Rows, maxPerRowRows)
	res, err := perRow(ctx, files, rows)
	if err != nil {
		return err
	}
	created, unchanged, updated := res[0], res[1], res[2]
	name := fmt.Sprintf("per row, match-by email, %d rows", rows)
	for _, p := range res {
		if p.got != p.rows {
			r.failed(name, fmt.Errorf("%d of %d rows were %s; see the report in the temporary directory", p.got, p.rows, p.status))
			return nil
		}
	}
	per := func(p perRowResult) float64 { return float64(p.writes) / float64(p.rows) }
	r.add(name, "addCrmClient per changed row (after the index walk)",
		fmt.Sprintf("%.4f (%d for %d rows)", per(updated), updated.writes, updated.rows), "≤ 1.01", per(updated) <= 1.01)
	r.add(name, "addCrmClient per unchanged row",
		fmt.Sprintf("%.4f (%d for %d rows)", per(unchanged), unchanged.writes, unchanged.rows), "0", unchanged.writes == 0)
	r.info(name, "index walk (getCrmClients pages per match-by run)",
		fmt.Sprintf("%d pages for %d clients (%d for the unchanged run)", updated.walk, updated.clientsSeen, unchanged.walk))
	r.info(name, "addCrmClient per new row, no match-by (the seed run)",
		fmt.Sprintf("%.4f (%d for %d rows; %d other requests)", per(created), created.writes, created.rows, created.walk))
	for _, u := range res[3:] {
		r.add(name, fmt.Sprintf("undo of the %s rows: writes per line (%s), then list pages", u.undoOf, u.status),
			fmt.Sprintf("%.4f (%d for %d lines; + %d pages)", per(u), u.writes, u.rows, u.walk), "≤ 1.01", per(u) <= 1.01)
	}
	return nil
}

// perRow runs the three imports and returns their costs: created,
// unchanged, updated.
func perRow(ctx context.Context, files *fileCache, rows int) ([]perRowResult, error) {
	srv, api, stop, err := inProcess(sandbox.Config{Seed: 5}, unlimited(), nil)
	if err != nil {
		return nil, err
	}
	defer stop()
	same, err := files.input("csv", rows, "Gdańsk")
	if err != nil {
		return nil, err
	}
	changed, err := files.input("csv", rows, "Sopot")
	if err != nil {
		return nil, err
	}
	runs := []struct {
		in      string
		matchBy []string
		want    events.Status
	}{
		{same, nil, events.StatusCreated},
		{same, []string{"email"}, events.StatusUnchanged},
		{changed, []string{"email"}, events.StatusUpdated},
	}
	var out []perRowResult
	var reports []string
	for i, run := range runs {
		before := srv.Stats()
		clients := len(srv.Clients())
		report := filepath.Join(files.dir, fmt.Sprintf("perrow-%d.report.csv", i))
		reports = append(reports, report)
		sum, err := importer.Run(ctx, api, run.in, importer.Config{MatchBy: run.matchBy, Report: report})
		if err != nil {
			return nil, fmt.Errorf("import %d (%s, match-by %q): %w", i+1, filepath.Base(run.in), strings.Join(run.matchBy, ","), err)
		}
		writes, walk := cost(before, srv.Stats())
		out = append(out, perRowResult{rows: rows, status: run.want, got: sum.Counts[run.want],
			writes: writes, walk: walk, clientsSeen: clients})
	}
	// Undo the update run, then the create run: one write per line, plus
	// the list pages.
	for _, i := range []int{2, 0} {
		before := srv.Stats()
		sum, err := undo.Run(ctx, api, reports[i], undo.Config{})
		if err != nil {
			return nil, fmt.Errorf("undo of import %d: %w", i+1, err)
		}
		writes, walk := cost(before, srv.Stats())
		want, status := undo.StatusRestored, events.StatusUpdated
		if i == 0 {
			want, status = undo.StatusDeleted, events.StatusCreated
		}
		out = append(out, perRowResult{rows: rows, status: want, got: sum.Counts[want], writes: writes,
			walk: walk, clientsSeen: len(srv.Clients()), undoOf: status})
	}
	return out, nil
}

// cost is what the sandbox saw between two of its Stats: the write
// requests (addCrmClient, deleteCrmClient) and every other request.
func cost(before, after sandbox.Stats) (writes, other int) {
	sent := func(method string) int { return after.ByMethod[method] - before.ByMethod[method] }
	writes = sent("addCrmClient") + sent("deleteCrmClient")
	return writes, after.Requests - before.Requests - writes
}
