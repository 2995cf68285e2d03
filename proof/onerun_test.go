package proof

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// Issue 19, items 1, 2, 6, 7: whatever runs at once, crashes or is edited,
// a row makes one client and every run keeps a record that proves itself.

// slowSandbox answers every request in 60–100 ms: a run of a few dozen
// rows lasts long enough for a second run to start beside it.
func slowSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	return sandboxtest.New(t, sandbox.Config{Limit: 50000, Latency: 80 * time.Millisecond, Jitter: 20 * time.Millisecond, Seed: 5, Clients: 20})
}

// twoAtOnce starts two runs of the binary, the second 150 ms after the
// first, and returns them as the one that ran and the one that was refused
// (exit 2), with the index (0: a, 1: b) of the one that ran. Which run takes
// the locks first is up to the machine's load, so neither order is assumed;
// that exactly one runs is.
func twoAtOnce(t *testing.T, dir, url string, a, b []string) (ran, refused result, ranIdx int) {
	t.Helper()
	var rs [2]result
	var wg sync.WaitGroup
	wg.Go(func() { rs[0] = runBin(t, dir, url, a...) })
	time.Sleep(150 * time.Millisecond)
	wg.Go(func() { rs[1] = runBin(t, dir, url, b...) })
	wg.Wait()
	switch {
	case rs[0].code != 2 && rs[1].code == 2:
		return rs[0], rs[1], 0
	case rs[1].code != 2 && rs[0].code == 2:
		return rs[1], rs[0], 1
	}
	t.Fatalf("want one run refused with exit 2 and one run, got exits %d and %d\n%s\n%s", rs[0].code, rs[1].code, rs[0].stderr, rs[1].stderr)
	return
}

// TestTwoImportsAtOnce: two imports of one file started together — one
// report or two, with a match key or without — make exactly one client per
// row: the second stops with exit 2 before any request, naming the first
// (pid, host, command, since when), and the first's record is complete.
func TestTwoImportsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(19, 40))
	bin(t)
	for _, tc := range []struct {
		name    string
		key     bool
		reportB string
	}{
		{"same report, key", true, "r.csv"},
		{"same report, no key", false, "r.csv"},
		{"two reports, key", true, "r2.csv"},
		{"two reports, no key", false, "r2.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, url := slowSandbox(t)
			dir := noKeyDir(t, rows)
			args := func(report string) []string {
				a := []string{"import", "data.csv", "--mapping", "m.yaml", "--report", report, "--rate", crashRate, "--no-progress", "--workers", "2"}
				if tc.key {
					a = append(a, "--match-by", "email")
				}
				return a
			}
			first, second, ran := twoAtOnce(t, dir, url, args("r.csv"), args(tc.reportB))
			reports := []string{"r.csv", tc.reportB}
			if first.code != 1 { // 1: the generated rows include invalid ones
				t.Fatalf("first run: exit %d\n%s", first.code, first.stderr)
			}
			if second.code != 2 || !strings.Contains(second.stderr, "in use by another crmbulk run: pid") ||
				!strings.Contains(second.stderr, "crmbulk import data.csv") || !strings.Contains(second.stderr, "since") {
				t.Fatalf("second run: exit %d, want 2 naming the first run\n%s", second.code, second.stderr)
			}
			if strings.Contains(second.stderr, "requests in") {
				t.Errorf("the second run printed a summary: %s", second.stderr)
			}
			checkOnePerRow(t, srv, rows)
			checkFinished(t, filepath.Join(dir, reports[ran]), rows)
			if refusedReport := reports[1-ran]; refusedReport != reports[ran] {
				if _, err := os.Stat(filepath.Join(dir, refusedReport)); err == nil {
					t.Errorf("the refused run wrote its report %s", refusedReport)
				}
			}
			noTokenIn(t, dir)
			t.Logf("%d rows → %d clients made; the second run: %s", len(rows), srv.Stats().Creates, firstLine(second.stderr))
		})
	}
}

// noTokenIn fails when a file under dir (reports, journals, locks, the
// state folder's key and window) holds the API token.
func noTokenIn(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(sandboxtest.DefaultToken)) {
			t.Errorf("%s holds the API token", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// TestTwoUndosAtOnce: two undos of one report started together delete
// each client once; the second stops with exit 2, naming the first.
func TestTwoUndosAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(23, 30))
	bin(t)
	srv, url := slowSandbox(t)
	dir := noKeyDir(t, rows)
	res := runBin(t, dir, url, "import", "data.csv", "--mapping", "m.yaml", "--report", "r.csv", "--rate", crashRate, "--no-progress", "--workers", "8")
	if res.code > 1 {
		t.Fatalf("import: exit %d\n%s", res.code, res.stderr)
	}
	created := srv.Stats().Creates
	undo := func(report string) []string {
		return []string{"undo", "r.csv", "--yes", "--report", report, "--rate", crashRate, "--no-progress", "--workers", "2"}
	}
	first, second, _ := twoAtOnce(t, dir, url, undo("u1.csv"), undo("u2.csv"))
	if first.code != 0 {
		t.Fatalf("first undo: exit %d\n%s", first.code, first.stderr)
	}
	if second.code != 2 || !strings.Contains(second.stderr, "in use by another crmbulk run: pid") {
		t.Fatalf("second undo: exit %d, want 2 naming the first\n%s", second.code, second.stderr)
	}
	if d := srv.Stats().Deletes; d != created {
		t.Errorf("%d deletes for %d clients created", d, created)
	}
	if n := len(clientsPerKey(srv)); n != 0 {
		t.Errorf("%d imported clients left after the undo", n)
	}
	t.Logf("%d clients created, %d deleted; the second undo: %s", created, srv.Stats().Deletes, firstLine(second.stderr))
}

// TestResumeWaitsForLateCreates: a server that applies each create 2 s
// after it arrives, also when its client is gone; the import is killed at
// several points (as its 4th, 8th and 12th create go: 4 workers, so the
// first, second and third round of creates in flight, the rounds before
// answered) and resumed at once, with a match key and without (then
// the resume looks a row up by its email). The resume takes over the
// killed run's locks (the OS let them go with it) and waits until
// --request-timeout has passed since each open send before it looks the
// row up, so no row makes a second client.
func TestResumeWaitsForLateCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(29, 14))
	if n := validRows(rows); n < 12 {
		t.Fatalf("%d valid rows: the kill at the 12th create needs 12", n)
	}
	bin(t)
	for _, key := range []bool{true, false} {
		for _, at := range []int64{4, 8, 12} {
			t.Run(fmt.Sprintf("key=%v/kill-at-create-%d", key, at), func(t *testing.T) {
				t.Parallel()
				dir := noKeyDir(t, rows)
				args := []string{"import", "data.csv", "--mapping", "m.yaml", "--report", "r.csv", "--rate", crashRate,
					"--no-progress", "--workers", "4", "--request-timeout", "3s"}
				if key {
					args = append(args, "--match-by", "email")
				}
				srv, url := killOnRequest(t, dir, sandbox.Config{Limit: 50000, CommitAfter: 2 * time.Second, Seed: 5, Clients: 20}, "addCrmClient", at, args...)
				killedCreates := srv.Stats().Creates
				start := time.Now()
				res := runBin(t, dir, url, append(args, "--resume", "r.csv")...)
				if res.code > 1 || !strings.Contains(res.stderr, "may land until") {
					t.Fatalf("resume: exit %d, want 1 having waited for the open creates\n%s", res.code, res.stderr)
				}
				if !strings.Contains(res.stderr, "took over the lock r.csv.lock, which a run that is no longer running left (pid ") {
					t.Errorf("the killed run's lock was not taken over as a stale one:\n%s", res.stderr)
				}
				checkFinished(t, filepath.Join(dir, "r.csv"), rows)
				checkOnePerRow(t, srv, rows)
				t.Logf("killed at create %d (%d creates applied then); the resume took %s; %d clients for %d valid rows",
					at, killedCreates, time.Since(start).Round(time.Millisecond), srv.Stats().Creates, validRows(rows))
			})
		}
	}
}

func validRows(rows []genRow) int {
	n := 0
	for _, r := range rows {
		if r.valid {
			n++
		}
	}
	return n
}

// TestEveryRecordKept: a second import writing the same report path keeps
// the first's record beside it, dated, and says where; undo --list shows
// both; the first import stays undoable from its kept record.
func TestEveryRecordKept(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(31, 20))
	bin(t)
	srv, url := crashSandbox(t)
	dir := crashDir(t, rows)
	first := runBin(t, dir, url, importArgs("data.report.csv")...)
	if first.code > 1 {
		t.Fatalf("first import: exit %d\n%s", first.code, first.stderr)
	}
	created := srv.Stats().Creates
	second := runBin(t, dir, url, importArgs("data.report.csv")...)
	if second.code > 1 || !strings.Contains(second.stderr, "the earlier run's record that was at data.report.csv is kept as data.report.") {
		t.Fatalf("second import: exit %d, want it to say where the first record went\n%s", second.code, second.stderr)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "data.report.*-*_*.csv"))
	if len(kept) != 1 {
		t.Fatalf("kept records %v, want one", kept)
	}
	n := 0
	for _, l := range readReport(t, kept[0]) {
		if l["status"] == "created" {
			n++
		}
	}
	if n != created || n == 0 {
		t.Fatalf("the kept record has %d created lines, the first import created %d", n, created)
	}
	list := runBin(t, dir, url, "undo", "--list", "data.csv")
	if list.code != 0 || !strings.Contains(list.stdout, "data.report.csv ") || !strings.Contains(list.stdout, filepath.Base(kept[0])) {
		t.Fatalf("undo --list: exit %d\n%s%s", list.code, list.stdout, list.stderr)
	}
	undo := runBin(t, dir, url, "undo", filepath.Base(kept[0]), "--yes", "--report", "u.csv", "--rate", crashRate, "--no-progress")
	if undo.code != 0 || srv.Stats().Deletes != created {
		t.Fatalf("undo of the kept record: exit %d, %d deletes for %d created\n%s", undo.code, srv.Stats().Deletes, created, undo.stderr)
	}
	t.Logf("first import created %d; second run kept it as %s; its undo deleted %d", created, filepath.Base(kept[0]), srv.Stats().Deletes)
}

// editReport rewrites the report at path with edit applied to its lines
// (the header is line 0) and returns the new content's path.
func editReport(t *testing.T, path, name string, edit func(lines [][]string) [][]string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readCSV(b)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(path), name)
	writeCSVFile(t, out, edit(recs))
	return out
}

// TestEditedAndForgedReports: a report edited by hand (created → failed,
// created → skipped) is refused by --resume, and a forged created line
// (a client the import never made) by undo: exit 2, no request, the line
// named — so nothing is created twice and nothing deleted that the import
// did not make.
func TestEditedAndForgedReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(37, 12))
	bin(t)
	srv, url := crashSandbox(t)
	dir := noKeyDir(t, rows)
	if res := runBin(t, dir, url, noKeyArgs()...); res.code > 1 {
		t.Fatalf("import: exit %d\n%s", res.code, res.stderr)
	}
	report := filepath.Join(dir, "r.csv")
	status := 1 // the columns of a report line
	setStatus := func(to string) func([][]string) [][]string {
		return func(recs [][]string) [][]string {
			recs[1][status] = to
			return recs
		}
	}
	seeded := srv.Clients()[0] // a client the import never made
	forge := func(recs [][]string) [][]string {
		line := append([]string(nil), recs[1]...)
		line[0], line[2] = "99", fmt.Sprint(seeded.CrmClientID)
		return append(recs, line)
	}
	for _, tc := range []struct {
		name string
		edit func([][]string) [][]string
		args func(path string) []string
	}{
		{"created→failed, resumed", setStatus("failed"), func(p string) []string { return noKeyArgs("--resume", p, "--report", "r2.csv") }},
		{"created→skipped, resumed", setStatus("skipped"), func(p string) []string { return noKeyArgs("--resume", p, "--report", "r2.csv") }},
		{"forged created line, undone", forge, func(p string) []string { return []string{"undo", p, "--yes", "--report", "u.csv", "--no-progress"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := editReport(t, report, "edited.csv", tc.edit)
			before := srv.Stats()
			res := runBin(t, dir, url, tc.args(edited)...)
			after := srv.Stats()
			if res.code != 2 || !strings.Contains(res.stderr, "edited.csv: row ") || !strings.Contains(res.stderr, "line_mac") {
				t.Fatalf("exit %d, want 2 naming the line that fails its proof\n%s", res.code, res.stderr)
			}
			if n := after.Requests - before.Requests; n != 0 {
				t.Errorf("%d requests sent for a refused report", n)
			}
			if after.Creates != before.Creates || after.Deletes != before.Deletes {
				t.Errorf("creates %d→%d, deletes %d→%d", before.Creates, after.Creates, before.Deletes, after.Deletes)
			}
			t.Logf("%s", firstLine(res.stderr))
		})
	}
	checkOnePerRow(t, srv, rows)
}

func readCSV(b []byte) ([][]string, error) {
	return csv.NewReader(bytes.NewReader(b)).ReadAll()
}

func writeCSVFile(t *testing.T, path string, recs [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
