package importer

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/recordmac"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestResumeOfARestoredReportIsRefusedAfterItsJournalWent: a run stopped
// before any of its creates was answered (it created nothing, its journal
// kept), its resume into another --report created clients and then
// stopped cleanly (Ctrl-C) or finished — either way its journal was
// deleted, its writes all settled — and the first report was restored.
// Nothing in the files ties the two but the lineage the resume's report
// lines carry: resuming the restored report again is refused (exit 2,
// nothing sent, no client made). Before, with the journal gone, the
// resume created again the clients its continuation had made (92 for 80
// rows).
func TestResumeOfARestoredReportIsRefusedAfterItsJournalWent(t *testing.T) {
	for _, how := range []string{"stopped cleanly", "finished"} {
		for _, tc := range restoreWays() {
			t.Run(how+"/"+tc.name, func(t *testing.T) {
				srv, api := newAPI(t, sandbox.Config{Seed: 13, Latency: 20 * time.Millisecond}, 0, 0)
				dir := t.TempDir()
				in := writeFile(t, dir, "in.csv", genRows("p", 80))
				prod, out := filepath.Join(dir, "prod.report.csv"), filepath.Join(dir, "out.csv")
				cfg := Config{RequestTimeout: time.Millisecond}
				if first := stoppedUnanswered(t, api, 0, in, prod, cfg); first.Counts[events.StatusCreated] != 0 || first.Journal == "" {
					t.Fatalf("the first run created %d, journal %q: want none, its journal kept", first.Counts[events.StatusCreated], first.Journal)
				}
				cfg.Resume = prod
				var second Summary
				if how == "finished" {
					var err error
					cfg.Report, cfg.Workers = out, 4
					if second, err = Run(t.Context(), api, in, cfg); err != nil {
						t.Fatal(err)
					}
				} else {
					second = stoppedAfterCreates(t, api, 16, in, out, cfg)
				}
				if _, err := os.Stat(out + ".journal"); second.Counts[events.StatusCreated] == 0 || second.Journal != "" || !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the resume created %d, journal %q (%v): want it further along, its journal deleted", second.Counts[events.StatusCreated], second.Journal, err)
				}
				tc.restore(t, prod, out)
				before, clients := srv.Stats().Requests, len(srv.Clients())
				cfg.Report = out
				_, err := Run(t.Context(), api, in, cfg)
				if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), out+" is further along than "+prod) {
					t.Fatalf("resume of the restored %s: %v, want ErrBadInput: %s is further along (%d clients now)", prod, err, out, len(srv.Clients()))
				}
				if n := srv.Stats().Requests - before; n != 0 || len(srv.Clients()) != clients {
					t.Errorf("the refused resume sent %d requests, clients %d → %d", n, clients, len(srv.Clients()))
				}
			})
		}
	}
}

// TestResumeCarriesTheLinesLineage: a run stopped cleanly leaves no
// journal; every line of its report carries its lineage, and a resume of
// it into another --report writes that lineage on every line (the copied
// lines and its own).
func TestResumeCarriesTheLinesLineage(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 13}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("p", 40))
	prod, out := filepath.Join(dir, "prod.report.csv"), filepath.Join(dir, "out.csv")
	if first := stoppedAfterCreates(t, api, 8, in, prod, Config{}); first.Journal != "" {
		t.Fatalf("the first run kept its journal %s: want it deleted", first.Journal)
	}
	lineage := reportLineage(t, prod)
	if _, err := Run(t.Context(), api, in, Config{Resume: prod, Report: out}); err != nil {
		t.Fatal(err)
	}
	if got := reportLineage(t, out); got != lineage {
		t.Errorf("the resume's report carries the lineage %q, want the resumed lines' %q", got, lineage)
	}
}

// reportLineage is the one lineage every line of the report carries.
func reportLineage(t *testing.T, report string) string {
	t.Helper()
	var lineage string
	err := events.ReadReport(report, nil, "", func(l events.Line) error {
		if l.Lineage == "" || lineage != "" && l.Lineage != lineage {
			t.Fatalf("%s: row %d has the lineage %q, an earlier line %q: want one on every line", report, l.Num, l.Lineage, lineage)
		}
		lineage = l.Lineage
		return nil
	})
	if err != nil || lineage == "" {
		t.Fatalf("%s: %v, lineage %q", report, err, lineage)
	}
	return lineage
}

// TestResumeOfAReportOlderThanTheLineage: a report written before the
// lineage column (no such column; each line proven without it) is still
// proven under the account's key and resumed, and the import finishes
// with one client a row.
func TestResumeOfAReportOlderThanTheLineage(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 13}, 0, 0)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	in := writeFile(t, dir, "in.csv", genRows("p", 40))
	report := filepath.Join(dir, "in.report.csv")
	stoppedAfterCreates(t, api, 8, in, report, Config{StateDir: state})
	key, err := RecordKey(state, accountOf(api))
	if err != nil {
		t.Fatal(err)
	}
	olderReport(t, report, key)
	sum, err := Run(t.Context(), api, in, Config{Resume: report, Report: report, StateDir: state})
	if err != nil || len(srv.Clients()) != 40 || sum.Counts[events.StatusCreated] != 40 {
		t.Fatalf("resume of a report without the lineage column: %v, %v; %d clients for 40 rows", err, sum.Counts, len(srv.Clients()))
	}
}

// olderReport rewrites the report as a crmbulk older than the lineage
// column wrote it: without the column, each line proven (under key)
// without it.
func olderReport(t *testing.T, report string, key []byte) {
	t.Helper()
	rs, err := events.OpenCSVRecords(report)
	if err != nil {
		t.Fatal(err)
	}
	drop := slices.Index(events.Columns(), "lineage")
	cut := func(c []string) []string { return slices.Delete(slices.Clone(c), drop, drop+1) }
	recs := [][]string{cut(events.Columns())}
	prev := ""
	for {
		c, _, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Cell("lineage") == "" {
			t.Fatalf("%s: a line has no lineage to drop", report)
		}
		c = cut(c)
		// An older crmbulk's proof: of the cells it wrote, all but the last.
		c[len(c)-1] = recordmac.Sum(key, append(c[:len(c)-1:len(c)-1], prev))
		prev = c[len(c)-1]
		for i := range c {
			c[i] = sheet.GuardFormula(c[i])
		}
		recs = append(recs, c)
	}
	_ = rs.Close()
	f, err := os.Create(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := csv.NewWriter(f).WriteAll(recs); err != nil {
		t.Fatal(err)
	}
}
