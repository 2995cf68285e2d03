package importer

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// newAPI starts a sandbox and a client of it with fast retries. limit and
// window configure the client's limiter (0 = 10000 per minute).
func newAPI(t testing.TB, cfg sandbox.Config, limit int, window time.Duration) (*sandbox.Server, *baselinker.API) {
	t.Helper()
	srv, url := sandboxtest.New(t, cfg)
	if limit == 0 {
		limit = 10000
	}
	var popts []pacer.Option
	if window < time.Minute {
		// Short test windows: a short margin too (the default is 250 ms).
		popts = append(popts, pacer.WithMargin(time.Millisecond))
	}
	if window > 0 {
		popts = append(popts, pacer.WithWindow(window), pacer.WithBlockBackoff(window, 4*window), pacer.WithRecovery(window, limit))
	}
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken),
		baselinker.WithLimiter(pacer.New(limit, popts...)),
		baselinker.WithRetry(pacer.Backoff{Attempts: 6, Base: time.Millisecond, Max: 5 * time.Millisecond}),
		baselinker.WithBlockRetries(20),
		baselinker.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return srv, api
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readReport returns the report's records, header included.
func readReport(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return recs
}

// byRow indexes report lines by row number: column name → value.
func byRow(t testing.TB, recs [][]string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		if _, dup := out[m["row"]]; dup {
			t.Fatalf("two report lines for row %s", m["row"])
		}
		out[m["row"]] = m
	}
	return out
}

// csvOf joins lines with newlines.
func csvOf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// recordCells is the cells of l as a report of the input with fingerprint
// sha holds them (no proof).
func recordCells(l events.Line, sha string) []string {
	l.InputSHA = sha
	return l.Cells()
}
