package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

func TestResume(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 10, Latency: 40 * time.Millisecond}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("r", 60))
	// Stopped at its 20th create: rows created and rows left to resume.
	sum1 := stoppedAfterCreates(t, api, 20, in, "", Config{MatchBy: []string{"email"}})
	first := byRow(t, readReport(t, sum1.Report))
	if len(first) != 60 || sum1.Counts[events.StatusSkipped] == 0 || sum1.Counts[events.StatusCreated] == 0 {
		t.Fatalf("first run: %v", sum1)
	}
	if sum1.Journal != "" {
		t.Errorf("journal kept after a clean interrupt: %s", sum1.Journal)
	}
	creates := srv.Stats().Creates

	// Another file is refused before anything is sent.
	other := writeFile(t, dir, "other.csv", genRows("r", 61))
	before := srv.Stats().Requests
	if _, err := Run(context.Background(), api, other, Config{Resume: sum1.Report, Report: dir + "/o.csv"}); !errors.Is(err, ErrInputChanged) {
		t.Fatalf("resume with another file: err = %v, want ErrInputChanged", err)
	}
	if srv.Stats().Requests != before {
		t.Error("a refused resume sent requests")
	}

	// Same file, same report path: the old report is moved aside.
	sum2, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Resume: sum1.Report})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sum1.Report + ".prev"); err != nil {
		t.Errorf("old report not kept as .prev: %v", err)
	}
	second := byRow(t, readReport(t, sum2.Report))
	if len(second) != 60 {
		t.Fatalf("%d lines after resume", len(second))
	}
	for row, l := range first {
		switch l["status"] {
		case "created":
			if fmt.Sprint(second[row]) != fmt.Sprint(l) {
				t.Errorf("row %s: finished line not copied: %v → %v", row, l, second[row])
			}
		case "skipped":
			if second[row]["status"] != "created" {
				t.Errorf("row %s: %v after resume", row, second[row])
			}
		}
	}
	if got := srv.Stats().Creates - creates; got != sum1.Counts[events.StatusSkipped] {
		t.Errorf("resume created %d, want the %d skipped rows", got, sum1.Counts[events.StatusSkipped])
	}
	assertNoDuplicates(t, srv)
	if len(srv.Clients()) != 60 {
		t.Errorf("%d clients, want 60", len(srv.Clients()))
	}
}

// TestResumeSettlesJournal: a crashed run left "send" without "done" and no
// report line; the resumed run looks the key up instead of creating again.
func TestResumeSettlesJournal(t *testing.T) {
	for _, matchBy := range []string{"email", ""} {
		t.Run("match-by="+matchBy, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 11}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", csvOf("email,invoice_city",
				"made@example.com,Gdańsk", // row 2: the crash happened after the server stored it
				"lost@example.com,Sopot",  // row 3: the crash happened before the request arrived
				"done@example.com,Gdynia", // row 4: finished in the report
				"",
			))
			id2 := mustAdd(t, api, map[string]string{"email": "made@example.com", "invoice_city": "Gdańsk"})
			id4 := mustAdd(t, api, map[string]string{"email": "done@example.com", "invoice_city": "Gdynia"})
			sha, err := FileSHA(in)
			if err != nil {
				t.Fatal(err)
			}
			// The crash came before any line was written: row 4's outcome
			// is only in the journal.
			report := writeFile(t, dir, "in.report.csv", strings.Join(events.Columns(), ",")+"\n")
			writeFile(t, dir, "in.report.csv.journal",
				`{"ev":"start","sha":"`+sha+`","window":32}`+"\n"+
					`{"ev":"send","row":2,"op":"create","key":"email:made@example.com"}`+"\n"+
					`{"ev":"send","row":3,"op":"create","key":"email:lost@example.com"}`+"\n"+
					`{"ev":"send","row":4,"op":"create"}`+"\n"+`{"ev":"done","row":4,"status":"created","id":`+fmt.Sprint(id4)+`,"changes":"email: \"done@example.com\"; invoice_city: \"Gdynia\""}`+"\n"+
					`{"ev":"send","row":5,"op":"cre`) // torn by the crash
			creates := srv.Stats().Creates
			sum, err := Run(context.Background(), api, in, Config{MatchBy: keysOf(matchBy), Resume: report, RequestTimeout: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			lines := byRow(t, readReport(t, sum.Report))
			if l := lines["2"]; l["status"] != "created" || l["crm_client_id"] != fmt.Sprint(id2) || !strings.Contains(l["note"], "adopted") {
				t.Errorf("row 2: %v, want adopted client %d", l, id2)
			}
			if l := lines["3"]; l["status"] != "created" {
				t.Errorf("row 3: %v", l)
			}
			if l := lines["4"]; l["crm_client_id"] != fmt.Sprint(id4) || l["status"] != "created" || !strings.Contains(l["note"], "settled from the journal") || !strings.Contains(l["changes"], "Gdynia") {
				t.Errorf("row 4: %v", l)
			}
			if got := srv.Stats().Creates - creates; got != 1 {
				t.Errorf("%d creates, want 1 (row 3 only)", got)
			}
			if _, err := os.Stat(report + ".journal"); !os.IsNotExist(err) {
				t.Errorf("journal not removed after a clean run: %v", err)
			}
			assertNoDuplicates(t, srv)
		})
	}
}

// TestXLSXReportResume: a .xlsx report is written as XLSX and can be resumed from.
func TestXLSXReportResume(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf("email,star", "a@example.com,1", "b@example.com,9", "c@example.com,2"))
	report := dir + "/report.xlsx"
	sum, err := Run(context.Background(), api, in, Config{Report: report})
	if err != nil || sum.Counts[events.StatusCreated] != 2 || sum.Counts[events.StatusInvalid] != 1 {
		t.Fatalf("first run: %v, %v", sum, err)
	}
	b, err := os.ReadFile(report)
	if err != nil || !strings.HasPrefix(string(b), "PK") {
		t.Fatalf("report is not a zip (XLSX): %v", err)
	}
	sum, err = Run(context.Background(), api, in, Config{Report: report, Resume: report})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[events.StatusCreated] != 2 || sum.Counts[events.StatusInvalid] != 1 || srv.Stats().Creates != 2 {
		t.Errorf("resume from XLSX: %v, %d creates", sum, srv.Stats().Creates)
	}
	if _, err := os.Stat(report + ".prev"); err != nil {
		t.Errorf("no %s.prev: %v", report, err)
	}
}

// TestResumeRefusesBadReports: a report that cannot guide a resume is
// refused before any request, and the report stays where it was.
func TestResumeRefusesBadReports(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 11}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("b", 4))

	// A dry run's report: its "created" rows were never sent.
	dry, err := Run(context.Background(), nil, in, Config{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Report == DefaultReportPath(in, false) {
		t.Errorf("a dry run wrote the real run's default report %s", dry.Report)
	}
	before := srv.Stats().Requests
	if _, err := Run(context.Background(), api, in, Config{Resume: dry.Report}); !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "dry run") {
		t.Fatalf("resume from a dry run's report: err = %v, want ErrBadInput naming the dry run", err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the refused resume of a dry run's report sent %d requests", n)
	}

	// A real report whose lines were sorted out of input order.
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil {
		t.Fatal(err)
	}
	recs := readReport(t, sum.Report)
	recs[1], recs[len(recs)-1] = recs[len(recs)-1], recs[1]
	var b strings.Builder
	cw := csv.NewWriter(&b)
	_ = cw.WriteAll(recs)
	sorted := writeFile(t, dir, "sorted.report.csv", b.String())
	before = srv.Stats().Requests
	if _, err := Run(context.Background(), api, in, Config{Resume: sorted, Report: sorted}); !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "input order") {
		t.Fatalf("resume from a reordered report: err = %v, want ErrBadInput about the order", err)
	}
	if srv.Stats().Requests != before {
		t.Errorf("refused resumes sent %d requests", srv.Stats().Requests-before)
	}
	if _, err := os.Stat(sorted); err != nil {
		t.Errorf("the refused report was moved: %v", err)
	}
	assertNoDuplicates(t, srv)
}

// TestResumeKeepsReportWhenTheWalkFails: with --resume and --report on the
// same path, a run that fails before writing (here: the --match-by walk)
// leaves the report where it was, so the resume can be tried again.
func TestResumeKeepsReportWhenTheWalkFails(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("w", 3))
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the walk fails at once
	if _, err := Run(ctx, api, in, Config{MatchBy: []string{"email"}, Resume: sum.Report}); err == nil {
		t.Fatal("a run with a cancelled walk succeeded")
	}
	if _, err := os.Stat(sum.Report); err != nil {
		t.Fatalf("the report to resume is gone after a failed walk: %v", err)
	}
}

// TestResumeAnOlderReport: a report of the crmbulk before the changes
// column (ten columns) still resumes: its finished rows are copied, the
// rest done.
func TestResumeAnOlderReport(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 11}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf("email,invoice_city", "old@example.com,Gdańsk", "new@example.com,Sopot"))
	id := mustAdd(t, api, map[string]string{"email": "old@example.com", "invoice_city": "Gdańsk"})
	sha, err := FileSHA(in)
	if err != nil {
		t.Fatal(err)
	}
	old := "row,status,crm_client_id,error_code,error_message,match_key,column,warnings,note,input_sha256\n" +
		fmt.Sprintf("2,created,%d,,,,,,,%s\n", id, sha)
	report := writeFile(t, dir, "in.report.csv", old)
	// Its journal (of that crmbulk: no start event) proves row 3 unsent.
	writeFile(t, dir, "in.report.csv.journal", `{"ev":"send","row":2,"op":"create"}`+"\n"+
		fmt.Sprintf(`{"ev":"done","row":2,"status":"created","id":%d}`, id)+"\n")
	creates := srv.Stats().Creates
	sum, err := Run(context.Background(), api, in, Config{Resume: report, RequestTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if lines["2"]["status"] != "created" || lines["2"]["crm_client_id"] != fmt.Sprint(id) || lines["3"]["status"] != "created" {
		t.Errorf("after resuming an older report: %v", lines)
	}
	if n := srv.Stats().Creates - creates; n != 1 {
		t.Errorf("%d creates, want 1 (row 2 was finished)", n)
	}
}

func keysOf(k string) []string {
	if k == "" {
		return nil
	}
	return []string{k}
}

// TestResumeOfARunThatNeverStarted: --resume names a report that does not
// exist and has no journal (the run was killed before it wrote either, or
// the path is wrong): nothing to resume, exit 2, no request, and the
// message says how to start afresh.
func TestResumeOfARunThatNeverStarted(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("n", 3))
	missing := filepath.Join(dir, "in.report.csv")
	_, err := Run(context.Background(), api, in, Config{Resume: missing, Report: missing})
	if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "nothing to resume") || !strings.Contains(err.Error(), "without --resume") {
		t.Fatalf("err = %v, want ErrBadInput saying there is nothing to resume and how to start afresh", err)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("the refused resume sent %d requests", n)
	}
	// A journal alone is a run that may have sent: it is not "never started".
	if err := os.WriteFile(missing+".journal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), api, in, Config{Resume: missing, Report: missing}); err == nil || strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("with a journal beside it: err = %v, want another refusal than 'nothing to resume'", err)
	}
}

// TestResumeOfAReportALaterRunWentPast: a run stopped, its resume (in
// place: the first report went to NAME.prev) stopped too; resuming
// NAME.prev again would send every row the resume created (no match key
// finds them). Refused, exit 2, nothing sent, both files named, NAME given
// to resume — with --report NAME, and as well with --report left out (the
// input's default report) or another one: the record at NAME is the run
// that went on from NAME.prev whatever --report says. The newest record
// resumes to the end without a duplicate.
func TestResumeOfAReportALaterRunWentPast(t *testing.T) {
	for _, tc := range []struct{ name, record, report string }{
		{"--report NAME", "in.report.csv", "in.report.csv"},
		{"--report left out", "out.csv", ""},
		{"another --report", "out.csv", "again.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 13, Latency: 40 * time.Millisecond}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("p", 80))
			name := filepath.Join(dir, tc.record)
			first := stoppedAfterCreates(t, api, 16, in, name, Config{})
			second := stoppedAfterCreates(t, api, 16, in, name, Config{Resume: name})
			if second.Counts[events.StatusCreated] <= first.Counts[events.StatusCreated] || second.Counts[events.StatusSkipped] == 0 {
				t.Fatalf("the resume created %d after %d, %d left: want it further along and stopped", second.Counts[events.StatusCreated], first.Counts[events.StatusCreated], second.Counts[events.StatusSkipped])
			}
			cfg := Config{Resume: name + ".prev"}
			if tc.report != "" {
				cfg.Report = filepath.Join(dir, tc.report)
			}
			before := srv.Stats().Requests
			_, err := Run(t.Context(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), name+" is further along than "+name+".prev") ||
				!strings.Contains(err.Error(), fmt.Sprintf("clients of %d rows", second.Counts[events.StatusCreated]-first.Counts[events.StatusCreated])) ||
				!strings.Contains(err.Error(), "--resume "+shellquote.POSIX.Quote(name)) {
				t.Fatalf("resume of the report its resume went past: %v, want ErrBadInput naming both and the rows, resuming %s", err, name)
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("the refused resume sent %d requests", n)
			}
			if _, err := Run(t.Context(), api, in, Config{Resume: name, Report: name}); err != nil {
				t.Fatal(err)
			}
			assertNoDuplicates(t, srv)
			if n := len(srv.Clients()); n != 80 {
				t.Errorf("%d clients, want 80", n)
			}
		})
	}
}

// inAccount is an API whose token is another account's: Account, the
// hash every report line carries, is account.
type inAccount struct {
	*baselinker.API
	account string
}

func (a inAccount) Account() string { return a.account }

// TestResumeCountsOnlyItsContinuation: a run of the input is stopped at
// prod.report.csv, and another run of it completes at the input's default
// report; --resume prod.report.csv without --report (so --report is that
// default) is not refused as "further along" when that other run is not
// this run's continuation: the resume has a match key (it finds what any
// run created), the other run wrote to another account, or it is older
// than the stopped one. The resume ends the run: a client for each row in
// its account, nothing created twice by it.
func TestResumeCountsOnlyItsContinuation(t *testing.T) {
	for _, tc := range []struct {
		name         string
		matchBy      []string
		otherAccount bool
		otherFirst   bool // the complete run is older than the stopped one
		want         int  // clients in the stopped run's account at the end
	}{
		{"a test account's complete run first, match key", []string{"email"}, true, true, 80},
		{"a later run of this account, match key", []string{"email"}, false, false, 80},
		{"another account's later run, no key", nil, true, false, 80},
		{"an older run of this account, no key", nil, false, true, 160}, // two runs without a key: 80 each
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 14, Latency: 40 * time.Millisecond}, 0, 0)
			var other API = api
			if tc.otherAccount {
				_, test := newAPI(t, sandbox.Config{Seed: 13}, 0, 0)
				other = inAccount{API: test, account: "0123456789abcdef"}
			}
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("p", 80))
			prod := filepath.Join(dir, "prod.report.csv")
			complete := func() {
				if _, err := Run(t.Context(), other, in, Config{MatchBy: tc.matchBy}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.otherFirst {
				complete()
			}
			stopped := stoppedAfterCreates(t, api, 16, in, prod, Config{MatchBy: tc.matchBy})
			if stopped.Counts[events.StatusCreated] == 0 || stopped.Counts[events.StatusSkipped] == 0 {
				t.Fatalf("the stopped run created %d, left %d: want both, so its resume has rows to send and created ones to count", stopped.Counts[events.StatusCreated], stopped.Counts[events.StatusSkipped])
			}
			if !tc.otherFirst {
				complete()
			}
			if _, err := Run(t.Context(), api, in, Config{MatchBy: tc.matchBy, Resume: prod}); err != nil {
				t.Fatalf("resume of %s: %v", prod, err)
			}
			if n := len(srv.Clients()); n != tc.want {
				t.Errorf("%d clients, want %d", n, tc.want)
			}
			if tc.want == 80 {
				assertNoDuplicates(t, srv)
			}
		})
	}
}

// TestResumeRefusesAnUnreadableLaterJournal: the journal of the run that
// went on from NAME.prev (at NAME; written here as a crash would leave it,
// but with a first line that is not an event) cannot be read: it may hold
// creates that run sent, so --resume NAME.prev is
// refused as a new run over it is (TestNoNewRunOverAnUnreadableJournal),
// whatever --report and the match key, naming the journal and what to
// do, nothing sent.
func TestResumeRefusesAnUnreadableLaterJournal(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 15, Latency: 40 * time.Millisecond}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("u", 80))
	name := filepath.Join(dir, "out.csv")
	first := stoppedAfterCreates(t, api, 16, in, name, Config{})
	second := stoppedAfterCreates(t, api, 16, in, name, Config{Resume: name})
	if second.Counts[events.StatusCreated] <= first.Counts[events.StatusCreated] {
		t.Fatalf("the resume created %d after %d: want the run at %s further along than %s.prev", second.Counts[events.StatusCreated], first.Counts[events.StatusCreated], name, name)
	}
	writeFile(t, dir, "out.csv.journal", "not a journal\n"+fmt.Sprintf(`{"ev":"send","row":70,"op":"create","at_ms":%d}`, time.Now().UnixMilli())+"\n")
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"--report NAME", Config{Report: name}},
		{"--report left out", Config{}},
		{"match key", Config{MatchBy: []string{"email"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Stats().Requests
			cfg := tc.cfg
			cfg.Resume = name + ".prev"
			_, err := Run(t.Context(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "the journal of the run at "+name+" cannot be read ("+name+".journal: line 1") ||
				!strings.Contains(err.Error(), "--resume "+shellquote.POSIX.Quote(name)) {
				t.Fatalf("err = %v, want the resume refused, naming the journal and resuming %s", err, name)
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("the refused resume sent %d requests", n)
			}
		})
	}
}

// TestResumeRefusesAnotherInputsRecord: --resume with a report, or a
// journal, made from another file is bad input (exit 2, as an undo's
// journal of another report is), refused before any request; the message
// names the report or journal and the input, says nothing was sent and
// gives the command that imports the input without --resume.
func TestResumeRefusesAnotherInputsRecord(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("f", 3))
	other := writeFile(t, dir, "other.csv", genRows("f", 4))
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil {
		t.Fatal(err)
	}
	otherSHA, err := FileSHA(other)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, input, record string
		journal             string // written at the report's journal path first
		fix                 string
	}{
		{"another input's report", other, sum.Report, "", "Resume " + sum.Report + " with the file it was made from, or give --resume the report of other.csv"},
		{"another input's journal", in, sum.Report + ".journal", `{"ev":"start","sha":"` + otherSHA + `","window":32,"timeout_ms":90000}` + "\n",
			"It is another import's journal: put it back beside that import's report, then resume " + sum.Report + " again"},
	} {
		if tc.journal != "" {
			writeFile(t, dir, filepath.Base(sum.Report)+".journal", tc.journal)
		}
		before := srv.Stats().Requests
		_, err := Run(context.Background(), api, tc.input, Config{Resume: sum.Report, Report: filepath.Join(dir, "new.report.csv")})
		if !errors.Is(err, events.ErrBadInput) || !errors.Is(err, ErrInputChanged) {
			t.Fatalf("%s: err = %v; want bad input (ErrBadInput, ErrInputChanged)", tc.name, err)
		}
		for _, want := range []string{tc.record + " was made from", tc.input + " has", "nothing was sent", tc.fix, "--match-by email"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.name, err, want)
			}
		}
		if n := srv.Stats().Requests - before; n != 0 {
			t.Errorf("%s: the refused resume sent %d requests", tc.name, n)
		}
	}
}
