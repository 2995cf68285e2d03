package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/sandbox"
)

// maxPerRowRows bounds the per-row scenario: the figure is a ratio, a
// larger file adds time, not information.
const maxPerRowRows = 10_000

func mkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making %s: %w", dir, err)
	}
	return nil
}

// perRowResult is what one import run cost.
type perRowResult struct {
	rows        int
	status      importer.Status // the status every row should have
	got         int             // rows with that status
	writes      int             // addCrmClient requests the sandbox saw
	walk        int             // getCrmClients requests (the index walk)
	clientsSeen int             // clients in the sandbox during the walk
}

// runPerRow imports the same file three times into one unlimited sandbox:
// without match-by (every row creates: the seed), with match-by email and
// the same values (every row unchanged) and with match-by email and a new
// city in every row (every row updated), counting the requests the sandbox
// received per run.
func runPerRow(ctx context.Context, c *config, r *Report, files *fileCache) error {
	rows := min(c.rows, maxPerRowRows)
	res, err := perRow(ctx, files, rows)
	if err != nil {
		return err
	}
	created, unchanged, updated := res[0], res[1], res[2]
	check := func(p perRowResult) error {
		if p.got != p.rows {
			return fmt.Errorf("%d of %d rows were %s; see the report in the temporary directory", p.got, p.rows, p.status)
		}
		return nil
	}
	name := fmt.Sprintf("per row, match-by email, %d rows", rows)
	for _, p := range res {
		if err := check(p); err != nil {
			r.failed(name, err)
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
	return nil
}

// perRow runs the three imports and returns their costs: created,
// unchanged, updated.
func perRow(ctx context.Context, files *fileCache, rows int) ([]perRowResult, error) {
	srv, err := sandbox.New(sandbox.Config{Token: sandboxToken, Seed: 5})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	api, err := baselinker.New(ts.URL+"/connector.php", baselinker.Token(sandboxToken), baselinker.WithLimiter(unlimited()))
	if err != nil {
		return nil, err
	}
	same, err := files.input("csv", rows, "Gdańsk")
	if err != nil {
		return nil, err
	}
	changed, err := files.input("csv", rows, "Sopot")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(files.dir, "perrow")
	if err := mkdir(dir); err != nil {
		return nil, err
	}
	runs := []struct {
		in      string
		matchBy string
		want    importer.Status
	}{
		{same, "", importer.StatusCreated},
		{same, "email", importer.StatusUnchanged},
		{changed, "email", importer.StatusUpdated},
	}
	var out []perRowResult
	for i, run := range runs {
		before := srv.Stats()
		clients := len(srv.Clients())
		sum, err := importer.Run(ctx, api, run.in, importer.Config{MatchBy: run.matchBy, Report: filepath.Join(dir, fmt.Sprintf("report-%d.csv", i))})
		if err != nil {
			return nil, fmt.Errorf("import %d (%s, match-by %q): %w", i+1, filepath.Base(run.in), run.matchBy, err)
		}
		after := srv.Stats()
		out = append(out, perRowResult{
			rows: rows, status: run.want, got: sum.Counts[run.want],
			writes:      after.ByMethod["addCrmClient"] - before.ByMethod["addCrmClient"],
			walk:        (after.Requests - before.Requests) - (after.ByMethod["addCrmClient"] - before.ByMethod["addCrmClient"]),
			clientsSeen: clients,
		})
	}
	return out, nil
}
