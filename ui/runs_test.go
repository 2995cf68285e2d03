package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// sandboxAPI starts a sandbox and a client of it allowed perMinute requests.
func sandboxAPI(t *testing.T, cfg sandbox.Config, perMinute int) (*sandbox.Server, *baselinker.API) {
	t.Helper()
	srv, url := sandboxtest.New(t, cfg)
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken), baselinker.WithLimiter(pacer.New(perMinute)),
		baselinker.WithRetry(pacer.Backoff{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, api
}

// clientsCSV writes n clients (email, invoice_fullname) to dir/name.
func clientsCSV(t *testing.T, dir, name string, n int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(clientsText(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// clientsText is n clients (email, invoice_fullname) as CSV.
func clientsText(n int) string {
	var b strings.Builder
	b.WriteString("email,invoice_fullname\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "client%d@example.com,Klient %d\n", i, i)
	}
	return b.String()
}

// waitEnd waits for rec to end and returns its final state.
func waitEnd(t *testing.T, rec *runRec) runState {
	t.Helper()
	select {
	case <-rec.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("run %s did not end: %+v", rec.id, rec.hub.state())
	}
	return rec.hub.state()
}

func TestRunManagerImportStopResumeUndo(t *testing.T) {
	srv, api := sandboxAPI(t, sandbox.Config{Latency: 100 * time.Millisecond}, 100000)
	dir, state := t.TempDir(), t.TempDir()
	input := clientsCSV(t, dir, "klienci.csv", 40)
	m := newRunManager(nil)
	defer m.close()
	spec := importSpec{Input: input, MatchBy: []string{"email"}, StateDir: state}

	first := m.start(&runRec{kind: kindImport, input: input, report: importReport(input), spec: spec}, importJob(api, spec))
	_, ch, cancel := first.hub.subscribe()
	for b := range ch { // stop once some rows are done
		if strings.Contains(string(b), `"created":`) {
			break
		}
	}
	cancel()
	if !m.stopRun(first) {
		t.Fatal("stopRun: the run was not running")
	}
	st := waitEnd(t, first)
	if st.State != stateStopped || !strings.Contains(st.Error, "interrupted") || !st.Resumable {
		t.Fatalf("after stop: state %q error %q, want stopped and interrupted", st.State, st.Error)
	}
	made := len(srv.Clients())
	if made == 0 || made == 40 || st.Counts["created"] != made {
		t.Fatalf("stopped with %d clients made and %d created counted: want some, not all, and the same", made, st.Counts["created"])
	}
	if m.stopRun(first) {
		t.Error("a run that ended stopped again")
	}

	spec.Resume = first.report
	second := m.start(&runRec{kind: kindImport, input: input, report: importReport(input), of: first.id, resume: true, spec: spec}, importJob(api, spec))
	st = waitEnd(t, second)
	if st.State != stateDone || st.Counts["created"] != 40 || len(srv.Clients()) != 40 {
		t.Fatalf("resumed: state %q %s, counts %v, %d clients; want done, 40 created", st.State, st.Error, st.Counts, len(srv.Clients()))
	}
	if !strings.Contains(st.Summary, "created 40") || st.Requests == 0 || st.Elapsed <= 0 {
		t.Errorf("summary %q, requests %d, elapsed %v", st.Summary, st.Requests, st.Elapsed)
	}

	u := m.start(&runRec{kind: kindUndo, input: second.report, report: undoReport(second.report), of: second.id}, undoJob(api, second.report, state, nil))
	st = waitEnd(t, u)
	if st.State != stateDone || st.Counts["deleted"] != 40 || len(srv.Clients()) != 0 {
		t.Fatalf("undo: state %q %s, counts %v, %d clients left; want done, 40 deleted, none left", st.State, st.Error, st.Counts, len(srv.Clients()))
	}
}

func TestRunManagerOneRunOfAnInput(t *testing.T) {
	// Slow answers: the first run is still going when the second starts.
	srv, api := sandboxAPI(t, sandbox.Config{Latency: 200 * time.Millisecond}, 100000)
	dir, state := t.TempDir(), t.TempDir()
	input := clientsCSV(t, dir, "klienci.csv", 30)
	m := newRunManager(nil)
	defer m.close()
	spec := importSpec{Input: input, MatchBy: []string{"email"}, StateDir: state}
	first := m.start(&runRec{kind: kindImport, input: input, report: importReport(input), spec: spec}, importJob(api, spec))
	_, ch, cancel := first.hub.subscribe()
	for b := range ch { // the first run holds its locks once it reads the account
		if strings.Contains(string(b), "rows") {
			break
		}
	}
	cancel()
	second := m.start(&runRec{kind: kindImport, input: input, report: importReport(input), spec: spec}, importJob(api, spec))
	st := waitEnd(t, second)
	if st.State != stateFailed || !strings.Contains(st.Error, "is in use by another crmbulk run") || !strings.Contains(st.Error, "nothing was sent") || st.Resumable {
		t.Errorf("second run: state %q error %q, want failed, saying the file is in use", st.State, st.Error)
	}
	m.stopRun(first)
	if st := waitEnd(t, first); st.State != stateStopped {
		t.Errorf("first run: %q %s", st.State, st.Error)
	}
	if n := len(srv.Clients()); n == 30 {
		t.Errorf("%d clients: the first run was not stopped before its end", n)
	}
}

func TestHubStreams(t *testing.T) {
	h := newHub(kindImport, time.Now())
	_, ch, cancel := h.subscribe()
	defer cancel()
	h.Message(runMessage("reading the account's clients"))
	if b := <-ch; !strings.Contains(string(b), "reading the account") {
		t.Errorf("message event %s", b)
	}
	h.end(runSummary("import: 1 rows"), errors.New("boom"), false, false)
	if b := <-ch; !strings.Contains(string(b), `"state":"failed"`) || !strings.Contains(string(b), "boom") {
		t.Errorf("end event %s", b)
	}
	if _, ok := <-ch; ok {
		t.Error("the stream stays open after the end")
	}
	st, ch2, _ := h.subscribe()
	if _, ok := <-ch2; ok || st.State != stateFailed || st.Summary != "import: 1 rows" {
		t.Errorf("late subscriber: %+v", st)
	}
	if importer.DefaultReportPath("x.csv", false) != importReport("x.csv") {
		t.Error("the page's report is not the command line's")
	}
}

func runMessage(s string) run.Message { return run.Message{Level: slog.LevelInfo, Text: s} }
func runSummary(s string) run.Summary { return run.Summary{Command: kindImport, Text: s} }

// TestReportCache: the report view reads a report once per version of
// the file (BenchmarkReportPage: each page of 100 lines re-read the whole
// report); a report written again is read again; a report above the
// cache's limit is streamed, never kept.
func TestReportCache(t *testing.T) {
	dir, write := dryReports(t)
	report := filepath.Join(dir, "klienci.report.csv")
	var c reportCache
	write(report, 3)
	if first, err := cachedLines(&c, report, nil); err != nil || len(first) != 3 || len(c.lines) != 3 {
		t.Fatalf("read: %d lines (%d kept), %v", len(first), len(c.lines), err)
	}
	kept := c.lines
	if again, err := cachedLines(&c, report, nil); err != nil || len(again) != 3 || &c.lines[0] != &kept[0] {
		t.Errorf("the same report read again: %d lines, %v, read anew: %v", len(again), err, &c.lines[0] != &kept[0])
	}
	write(report, 5)
	if now, err := cachedLines(&c, report, nil); err != nil || len(now) != 5 {
		t.Errorf("the report written again: %d lines, %v, want its 5", len(now), err)
	}
	if _, err := cachedLines(&c, filepath.Join(dir, "none.csv"), nil); err == nil {
		t.Error("a report that is not there was read")
	}
	// Pages asked at once of a version not read yet: one fills, all get it.
	var fresh reportCache
	var wg sync.WaitGroup
	got := make([]int, 4)
	for i := range got {
		wg.Go(func() {
			lines, _ := cachedLines(&fresh, report, nil)
			got[i] = len(lines)
		})
	}
	wg.Wait()
	if !slices.Equal(got, []int{5, 5, 5, 5}) || len(fresh.lines) != 5 {
		t.Errorf("pages asked at once: %v lines, %d kept, want 5 each", got, len(fresh.lines))
	}
	big := reportCache{limit: 100} // bytes: the report of 5 lines is larger
	for range 2 {
		if lines, err := cachedLines(&big, report, nil); err != nil || len(lines) != 5 || big.file != nil || big.lines != nil {
			t.Errorf("a report above the limit: %d lines, %v; kept %v, %d lines, want streamed, none kept", len(lines), err, big.file != nil, len(big.lines))
		}
	}
}

// TestReportCacheKeepsOnlyTheRunsFile: the report view reads the run's
// own file (its identity taken from the file opened), and lines read
// while a later run of the file moved the report are not kept under the
// identity of the file opened: another run's lines are never shown as
// this run's.
func TestReportCacheKeepsOnlyTheRunsFile(t *testing.T) {
	dir, write := dryReports(t)
	report := filepath.Join(dir, "klienci.report.csv")
	write(report, 3)
	mine, err := statFile(report)
	if err != nil {
		t.Fatal(err)
	}
	// A later run moves the run's report aside and writes its own there.
	if err := os.Rename(report, report+".prev"); err != nil {
		t.Fatal(err)
	}
	write(report, 5)
	var c reportCache
	if lines, err := cachedLines(&c, report, mine); !errors.Is(err, errReportMoved) || len(lines) != 0 || c.file != nil {
		t.Errorf("the run's report asked at a path that names another file: %d lines, %v, kept %v; want errReportMoved and nothing kept", len(lines), err, c.file != nil)
	}
	if lines, err := cachedLines(&c, report+".prev", mine); err != nil || len(lines) != 3 || !sameFile(c.file, mine) {
		t.Errorf("the run's report where it went: %d lines, %v, want its 3, kept as its version", len(lines), err)
	}
	// The run's report opened as its, then a later run moves it and writes
	// its own at the path before the lines are read: they are read from
	// the file opened, the run's, never from the path.
	f, fi, err := openVersion(report+".prev", mine)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Rename(report+".prev", report+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(report, report+".prev"); err != nil {
		t.Fatal(err)
	}
	write(report+".prev", 7)
	var fresh reportCache
	var got []run.Line
	if err := fresh.each(f, fi, func(l *run.Line) { got = append(got, *l) }); err != nil || len(got) != 3 || !sameFile(fresh.file, mine) {
		t.Errorf("the run's report opened, then another put at its path: %d lines, %v; want the run's 3, kept as its version", len(got), err)
	}
}

// dryReports writes dry runs' reports of n rows (a dry run's report is
// written over in place) in a folder of its own.
func dryReports(t *testing.T) (dir string, write func(report string, n int)) {
	_, api := sandboxAPI(t, sandbox.Config{}, 100000)
	dir, state := t.TempDir(), t.TempDir()
	return dir, func(report string, n int) {
		t.Helper()
		input := clientsCSV(t, dir, "klienci.csv", n)
		if _, err := importer.Run(t.Context(), api, input, importer.Config{DryRun: true, Report: report, StateDir: state}); err != nil {
			t.Fatal(err)
		}
	}
}

// cachedLines is every line reportCache.each gives of the report at path,
// opened as want (nil: whatever file is there).
func cachedLines(c *reportCache, path string, want os.FileInfo) ([]run.Line, error) {
	if want == nil {
		fi, err := statFile(path)
		if err != nil {
			return nil, err
		}
		want = fi
	}
	f, fi, err := openVersion(path, want)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []run.Line
	err = c.each(f, fi, func(l *run.Line) { lines = append(lines, *l) })
	return lines, err
}

// TestRunViewWithoutReport: a run that wrote no report (refused before
// its lines) names none, so the page shows no report panel (the base
// name of no path is ".").
func TestRunViewWithoutReport(t *testing.T) {
	rec := &runRec{id: "1", kind: kindImport, input: "/tmp/x.csv", report: "/tmp/x.report.csv", hub: newHub(kindImport, time.Now())}
	rec.out.wrote(rec.report, false)
	rec.hub.end(run.Summary{Text: "0 rows"}, errors.New("refused"), false, false)
	if v := rec.view(); v.Report != "" {
		t.Errorf("a run with no report: view Report = %q, want \"\"", v.Report)
	}
}

// TestJobsSayEachMessageOnce: import, undo and export hand their notes to
// the run's events themselves (run.Aggregator.Logger); the page's jobs
// give them the server's logger only, so each note reaches the page once
// (a second forwarder made every one of them appear twice).
func TestJobsSayEachMessageOnce(t *testing.T) {
	_, api := sandboxAPI(t, sandbox.Config{Clients: 4, Seed: 3}, 100000)
	dir, state := t.TempDir(), t.TempDir()
	input := filepath.Join(dir, "klienci.csv") // a column no field reads: the import says so
	if err := os.WriteFile(input, []byte("email,invoice_fullname,ulubiony kolor\na@example.com,A,zielony\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	imp := &run.Recorder{}
	if _, err := importJob(api, importSpec{Input: input, MatchBy: []string{"email"}, StateDir: state})(t.Context(), imp); err != nil {
		t.Fatal(err)
	}
	und := &run.Recorder{}
	if _, err := undoJob(api, importReport(input), state, nil)(t.Context(), und); err != nil {
		t.Fatal(err)
	}
	exp := &run.Recorder{}
	job := &exportJob{api: api, dir: t.TempDir(), now: time.Now(), log: slog.New(slog.DiscardHandler), ready: make(chan struct{}), done: func(string) {},
		note: func(pageNote) {}, plan: exportPlan{req: choices(schedule.Default()), format: "xlsx",
			cfg: exporter.Config{Columns: []string{"crm_client_id", "status_name"}, StatusNames: true}}}
	close(job.ready)
	if _, err := job.run(t.Context(), exp); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rec  *run.Recorder
		want string // a note the run says
	}{
		{"import", imp, "columns not imported"},
		{"undo", und, ""},
		{"export", exp, "status_name: "},
	} {
		said := map[string]int{}
		var all []string
		for _, e := range tc.rec.Events() {
			if e.Message != nil {
				said[e.Message.Text]++
				all = append(all, e.Message.Text)
			}
		}
		for text, n := range said {
			if n > 1 {
				t.Errorf("%s: said %d times: %s", tc.name, n, text)
			}
		}
		if tc.want != "" && !slices.ContainsFunc(all, func(s string) bool { return strings.HasPrefix(s, tc.want) }) {
			t.Errorf("%s: never said %q…; said %q", tc.name, tc.want, all)
		}
	}
}

// TestImportJobSaysEncodingInPageWords: an input not in UTF-8 is read in the
// encoding whose letters make sense; the importer's note of it names the
// CLI's --encoding, so the page gets it as a note of its own (key and
// facts), not as those words.
func TestImportJobSaysEncodingInPageWords(t *testing.T) {
	_, api := sandboxAPI(t, sandbox.Config{}, 100000)
	input := filepath.Join(t.TempDir(), "klienci.csv")
	// "Zażółć gęślą jaźń" in windows-1250.
	cp1250 := []byte("email,invoice_fullname\na@example.com,Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9 ja\x9f\xf1\n")
	if err := os.WriteFile(input, cp1250, 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHub(kindImport, time.Now())
	sum, err := importJob(api, importSpec{Input: input, MatchBy: []string{"email"}, StateDir: t.TempDir()})(t.Context(), h)
	if err != nil || sum.Counts["created"] != 1 {
		t.Fatalf("%+v, %v", sum, err)
	}
	st := h.state()
	if !slices.ContainsFunc(st.Notes, func(n pageNote) bool {
		return n.Key == "run.encoding" && n.Vars["file"] == "klienci.csv" && n.Vars["encoding"] != ""
	}) {
		t.Errorf("notes %+v, want run.encoding with the file and its encoding", st.Notes)
	}
	for _, m := range st.Messages {
		if strings.Contains(m, "--") || strings.Contains(m, "UTF-8") {
			t.Errorf("the page showed the CLI's words: %s", m)
		}
	}
}
