package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/runlock"
	"github.com/crmbulk/crmbulk/sandbox"

	events "github.com/crmbulk/crmbulk/run"
)

// TestLockedRunSendsNothing: a run whose report, or whose input on the
// account, another run holds stops before its first request, naming it.
func TestLockedRunSendsNothing(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 41}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf("email", "a@example.com", "b@example.com"))
	sha, err := FileSHA(in)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	for _, tc := range []struct{ name, lock string }{
		{"report", ReportLockPath(filepath.Join(dir, "r.csv"))},
		{"input on the account", filepath.Join(state, inputLockName(api.Account(), sha))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.MkdirAll(state, 0o700); err != nil {
				t.Fatal(err)
			}
			held, err := runlock.Acquire(tc.lock, "x", "crmbulk import in.csv (the first run)", 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Release()
			before := srv.Stats().Requests
			// Another report path, so only the input lock can stop the second case.
			report := filepath.Join(dir, "r.csv")
			if tc.name != "report" {
				report = filepath.Join(dir, "other.csv")
			}
			_, err = Run(context.Background(), api, in, Config{Report: report, StateDir: state, MatchBy: []string{"email"}})
			if !errors.Is(err, runlock.ErrHeld) || !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "(the first run)") {
				t.Fatalf("err %v, want the held lock named", err)
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestEarlierRecordKept: a report path holding an earlier real run's
// record is kept beside it, dated, with its journal; a dry run's plan is
// written over; Records lists them newest first.
func TestEarlierRecordKept(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 42}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf("email", "a@example.com"))
	report := filepath.Join(dir, "in.report.csv")
	if _, err := Run(context.Background(), api, in, Config{Report: report, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), api, in, Config{Report: report, MatchBy: []string{"email"}})
	if err != nil || sum.Kept != "" {
		t.Fatalf("over a dry run's plan: kept %q, %v (a plan is no record)", sum.Kept, err)
	}
	old := time.Now().Add(-time.Hour)
	writeFile(t, dir, "in.report.csv.journal", `{"ev":"start"}`+"\n")
	for _, p := range []string{report, report + ".journal"} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	sum, err = Run(context.Background(), api, in, Config{Report: report, MatchBy: []string{"email"}})
	want := filepath.Join(dir, "in.report."+old.Format("2006-01-02_150405")+".csv")
	if err != nil || sum.Kept != want || !strings.Contains(sum.String(), "kept as "+want) {
		t.Fatalf("kept %q (want %q), %v\n%s", sum.Kept, want, err, sum)
	}
	for _, p := range []string{want, want + ".journal", report} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%v", err)
		}
	}
	rs, err := Records(report)
	if err != nil || len(rs) != 2 || rs[0].Path != report || rs[1].Path != want || rs[1].Counts[events.StatusCreated] != 1 || !rs[1].Journal {
		t.Fatalf("Records: %+v, %v", rs, err)
	}
}

// TestResumeRefusesUnprovenLines: with the account's key, a line whose
// status was edited, or that has no proof, is refused before any request.
func TestResumeRefusesUnprovenLines(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 43}, 0, 0)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	in := writeFile(t, dir, "in.csv", csvOf("email", "a@example.com", "b@example.com"))
	report := filepath.Join(dir, "r.csv")
	if _, err := Run(context.Background(), api, in, Config{Report: report, StateDir: state}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(report)
	good := string(b)
	for _, tc := range []struct{ name, content, want string }{
		{"status edited", strings.Replace(good, ",created,", ",failed,", 1), "row 2 does not match its proof"},
		{"proof cut", good[:strings.LastIndex(strings.TrimSuffix(good, "\n"), ",")+1] + "\n", "row 3 has no proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := writeFile(t, dir, "edited.csv", tc.content)
			before := srv.Stats()
			_, err := Run(context.Background(), api, in, Config{Report: filepath.Join(dir, "r2.csv"), Resume: edited, StateDir: state})
			if !errors.Is(err, events.ErrUnproven) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if after := srv.Stats(); after.Requests != before.Requests {
				t.Errorf("%d requests sent", after.Requests-before.Requests)
			}
		})
	}
	if _, err := Run(context.Background(), api, in, Config{Report: filepath.Join(dir, "r3.csv"), Resume: report, StateDir: state}); err != nil {
		t.Fatalf("the report as written: %v", err)
	}
	if n := srv.Stats().Creates; n != 2 {
		t.Errorf("%d creates, want 2", n)
	}
}

// TestCarriedSendStaysOpen: a create carried from a stopped run that this
// run skips (interrupted while it waited to land) keeps its send open in
// the journal, so the next resume still looks it up instead of sending it.
func TestCarriedSendStaysOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv.journal")
	sent := time.Now().Add(-time.Second)
	j, err := events.CreateJournal(path, events.JournalStart{SHA: "s", Window: 16, Timeout: time.Minute,
		Open: map[int]events.Pending{2: {Op: "create", Key: "email:a@example.com", At: sent}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Done(&events.Line{Row: 2, Status: events.StatusSkipped, Code: events.CodeInterrupted}); err != nil {
		t.Fatal(err)
	}
	if kept, err := j.Close(true); err != nil || !kept {
		t.Fatalf("journal kept %v, %v; want kept with the send open", kept, err)
	}
	js, err := events.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := js.Open[2]
	if !ok || p.At.UnixMilli() != sent.UnixMilli() || p.Timeout != time.Minute {
		t.Fatalf("open sends %+v: want row 2 with its send time and timeout", js.Open)
	}
}

// TestPrintedCommandsQuotePaths: the commands a summary and a refused
// undo print name a report whose name has a space so that they run when
// pasted.
func TestPrintedCommandsQuotePaths(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX quoting")
	}
	s := Summary{Report: "nowi klienci.report.csv", Kept: "nowi klienci.report.2026-12-06_120000.csv"}
	if want := "crmbulk undo --list 'nowi klienci.report.csv'"; !strings.Contains(s.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, s.String())
	}
	report := filepath.Join(t.TempDir(), "nowi klienci.report.csv")
	torn := strings.Join(events.Columns(), ",") + "\n2,created,17"
	if err := os.WriteFile(report, []byte(torn), 0o600); err != nil {
		t.Fatal(err)
	}
	err := events.ReadReport(report, nil, "", func(events.Line) error { return nil })
	if want := "--resume '" + report + "'"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a torn report: %v, want %q in it", err, want)
	}
}

// TestRerunGuardReadsTheJournal: a run killed before its first report line
// leaves only its journal, whose creates were sent with no answer yet.
// The same command again (no match key, no --resume) would create those
// clients a second time: it is refused, with nothing sent, as over a
// report that says created.
func TestRerunGuardReadsTheJournal(t *testing.T) {
	for _, withReport := range []bool{true, false} {
		srv, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
		dir := t.TempDir()
		in := writeFile(t, dir, "in.csv", genRows("n", 3))
		sha, err := FileSHA(in)
		if err != nil {
			t.Fatal(err)
		}
		report := filepath.Join(dir, "in.report.csv")
		if withReport {
			writeFile(t, dir, "in.report.csv", strings.Join(events.Columns(), ",")+"\n")
		}
		writeFile(t, dir, "in.report.csv.journal", fmt.Sprintf(`{"ev":"start","sha":%q,"window":16,"timeout":1000}`, sha)+"\n"+
			fmt.Sprintf(`{"ev":"send","row":2,"op":"create","at":%d}`, time.Now().UnixMilli())+"\n")
		_, err = Run(context.Background(), api, in, Config{Report: report})
		if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "1 creates that got no usable answer") || !strings.Contains(err.Error(), "--resume") {
			t.Errorf("report %v: err = %v, want the re-run refused, naming the unanswered create and --resume", withReport, err)
		}
		if n := srv.Stats().Requests; n != 0 {
			t.Errorf("report %v: the refused run sent %d requests", withReport, n)
		}
	}
}

// TestNoNewRunWhileCreatesMayLand: a stopped run's journal holds a create
// sent a moment ago whose answer never came. A new run of the same file —
// with a match key too, and with --again — is refused (nothing sent): its
// look-up could not find a client the server is still making. Once the
// create can no longer land, the run with a key goes ahead.
func TestNoNewRunWhileCreatesMayLand(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"match key", Config{MatchBy: []string{"email"}}},
		{"again", Config{Again: true}},
		{"no key", Config{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api, dir, in, sha := guardInput(t)
			report := filepath.Join(dir, "in.report.csv")
			landingJournal(t, report, sha, time.Now())
			cfg := tc.cfg
			cfg.Report, cfg.RequestTimeout = report, time.Second
			_, err := Run(context.Background(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "may still be finishing them") || !strings.Contains(err.Error(), "--resume") {
				t.Fatalf("err = %v, want the run refused while the create may land, pointing to --resume", err)
			}
			if n := srv.Stats().Requests; n != 0 {
				t.Errorf("the refused run sent %d requests", n)
			}
			if len(tc.cfg.MatchBy) == 0 {
				return
			}
			landingJournal(t, report, sha, time.Now().Add(-2*time.Minute)) // sent long ago: it landed or never will
			if _, err := Run(context.Background(), api, in, cfg); err != nil {
				t.Errorf("with the create past its landing time: err = %v, want the run to go ahead", err)
			}
		})
	}
}

// TestNoNewRunOverAnUnreadableJournal: the journal at the report's path
// cannot be read (here a line in it is not an event): it may hold creates
// still landing, so a new run — with a match key or without — is refused
// with nothing sent, naming the journal and what to do.
func TestNoNewRunOverAnUnreadableJournal(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"match key", Config{MatchBy: []string{"email"}}},
		{"no key", Config{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("n", 3))
			writeFile(t, dir, "in.report.csv.journal", "not a journal\n"+fmt.Sprintf(`{"ev":"send","row":2,"op":"create","at_ms":%d}`, time.Now().UnixMilli())+"\n")
			cfg := tc.cfg
			cfg.Report = filepath.Join(dir, "in.report.csv")
			_, err := Run(context.Background(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "the journal of an earlier run at this report path cannot be read ("+cfg.Report+".journal: line 1") ||
				!strings.Contains(err.Error(), "--resume") {
				t.Fatalf("err = %v, want the run refused, naming the journal and --resume", err)
			}
			if n := srv.Stats().Requests; n != 0 {
				t.Errorf("the refused run sent %d requests", n)
			}
		})
	}
}

// TestNoResumeWhileAnotherRecordsCreatesMayLand: a resume may go on from a
// record other than the one it resumes — the journal at --report when that
// is another path, and the one at NAME when it resumes NAME.prev. A
// stopped run's create sent a moment ago sits in that journal with no
// answer: the resume's look-up (the index read at its start, with a match
// key) could not find a client the server is still making, so it is
// refused with nothing sent. Resuming NAME.prev, it is pointed to NAME's
// --resume (its continuation); over a record at another --report, which
// may be older than the one resumed (going on from it could send again
// what the resumed run made), only to wait. Once the create can no longer
// land, the resume with a key goes ahead.
func TestNoResumeWhileAnotherRecordsCreatesMayLand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		resumed string // the report resumed
		report  string // --report
		other   string // the record whose journal holds the create
		matchBy []string
		goOn    bool // the refusal points to the other record's --resume, else only to waiting
	}{
		{"--report another path, match key", "in.report.csv", "other.report.csv", "other.report.csv", []string{"email"}, false},
		{"--report another path, no key", "in.report.csv", "other.report.csv", "other.report.csv", nil, false},
		{"NAME for NAME.prev, match key", "in.report.csv.prev", "third.report.csv", "in.report.csv", []string{"email"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api, dir, in, sha := guardInput(t)
			writeFile(t, dir, tc.resumed, strings.Join(events.Columns(), ",")+"\n")
			writeFile(t, dir, tc.resumed+".journal", fmt.Sprintf(`{"ev":"start","sha":%q,"window":16,"timeout_ms":60000}`, sha)+"\n")
			other := filepath.Join(dir, tc.other)
			landingJournal(t, other, sha, time.Now())
			cfg := Config{MatchBy: tc.matchBy, Resume: filepath.Join(dir, tc.resumed), Report: filepath.Join(dir, tc.report), RequestTimeout: time.Second}
			_, err := Run(context.Background(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), other+".journal shows 1 creates") ||
				!strings.Contains(err.Error(), "so this resume could not find those clients yet") {
				t.Fatalf("err = %v, want the resume refused while the create in %s may land", err, other)
			}
			if goOn := strings.Contains(err.Error(), "--resume "+other); goOn != tc.goOn || goOn == strings.Contains(err.Error(), "run this command again after") {
				t.Errorf("err = %v; want it to point to --resume %s: %v, else only to waiting", err, other, tc.goOn)
			}
			if n := srv.Stats().Requests; n != 0 {
				t.Errorf("the refused resume sent %d requests", n)
			}
			if len(tc.matchBy) == 0 {
				return
			}
			landingJournal(t, other, sha, time.Now().Add(-2*time.Minute)) // sent long ago: it landed or never will
			if _, err := Run(context.Background(), api, in, cfg); err != nil {
				t.Errorf("with the create past its landing time: err = %v, want the resume to go ahead", err)
			}
		})
	}
}

// guardInput is the sandbox, folder and three-row input (with its
// input_sha256) of a guard test.
func guardInput(t *testing.T) (srv *sandbox.Server, api *baselinker.API, dir, in, sha string) {
	t.Helper()
	srv, api = newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
	dir = t.TempDir()
	in = writeFile(t, dir, "in.csv", genRows("n", 3))
	sha, err := FileSHA(in)
	if err != nil {
		t.Fatal(err)
	}
	return srv, api, dir, in, sha
}

// landingJournal writes at report's journal path the journal of a stopped
// run of the input sha whose create of row 2, sent at at, got no answer.
func landingJournal(t *testing.T, report, sha string, at time.Time) {
	t.Helper()
	writeFile(t, filepath.Dir(report), filepath.Base(report)+".journal", fmt.Sprintf(`{"ev":"start","sha":%q,"window":16,"timeout_ms":60000}`, sha)+"\n"+
		fmt.Sprintf(`{"ev":"send","row":2,"op":"create","at_ms":%d}`, at.UnixMilli())+"\n")
}
