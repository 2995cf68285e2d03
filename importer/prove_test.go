package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// writeRecs writes report records (header first) as a CSV file.
func writeRecs(t *testing.T, path string, recs [][]string) {
	t.Helper()
	var b strings.Builder
	cw := csv.NewWriter(&b)
	if err := cw.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func col(recs [][]string, name string) int {
	for i, h := range recs[0] {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

// TestResumeRefusesEditedReports: each edit of a finished run's report
// that would make a resume send a row again (or never) is refused before
// anything is sent, with the reason; nothing is duplicated.
func TestResumeRefusesEditedReports(t *testing.T) {
	tests := []struct {
		name string
		edit func(recs [][]string) [][]string
		want string
	}{
		{"created lines filtered out", func(recs [][]string) [][]string {
			out := [][]string{recs[0]}
			for i, r := range recs[1:] {
				if i%3 != 0 || i == len(recs)-2 {
					out = append(out, r)
				}
			}
			return out
		}, "lines were deleted"},
		{"only the header", func(recs [][]string) [][]string { return recs[:1] }, "nothing proves which rows were sent"},
		{"the last lines deleted", func(recs [][]string) [][]string { return recs[:len(recs)-3] }, "no journal"},
		{"fingerprint blanked", func(recs [][]string) [][]string {
			for _, r := range recs[1:] {
				r[col(recs, "input_sha256")] = ""
			}
			return recs
		}, "input_sha256\" is empty"},
		{"skipped edited to created", func(recs [][]string) [][]string {
			r := recs[2]
			r[col(recs, "status")], r[col(recs, "crm_client_id")] = "created", ""
			return recs
		}, "has no crm_client_id"},
		{"a row number zero", func(recs [][]string) [][]string {
			recs[1][col(recs, "row")] = "0"
			return recs
		}, `column "row": "0" is not a row number; the report was edited — restore it or import without --resume`},
		{"a client ID that is no number", func(recs [][]string) [][]string {
			recs[2][col(recs, "crm_client_id")] = "12x"
			return recs
		}, `column "crm_client_id": "12x" is not a client ID; the report was edited — restore it or import without --resume`},
		{"a status no crmbulk writes", func(recs [][]string) [][]string {
			recs[3][col(recs, "status")] = "done"
			return recs
		}, "not a status"},
		{"a line for a row the input lacks", func(recs [][]string) [][]string {
			extra := append([]string(nil), recs[len(recs)-1]...)
			extra[col(recs, "row")] = "999"
			return append(recs, extra)
		}, "input ends before it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 21}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("e", 12))
			sum, err := Run(context.Background(), api, in, Config{})
			if err != nil || sum.Counts[events.StatusCreated] != 12 {
				t.Fatalf("first run: %v %v", sum, err)
			}
			edited := dir + "/edited.csv"
			writeRecs(t, edited, tt.edit(readReport(t, sum.Report)))
			before := srv.Stats().Requests
			_, err = Run(context.Background(), api, in, Config{Resume: edited, Report: dir + "/new.csv"})
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrBadInput saying %q", err, tt.want)
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("the refused resume sent %d requests", n)
			}
			assertNoDuplicates(t, srv)
		})
	}
}

// TestResumeChecksTheJournal: a report line the journal contradicts is an
// edit; a torn last line is a crash, settled from the journal; an
// OUTCOME_UNKNOWN row whose journal is lost is looked up, not sent blind.
func TestResumeChecksTheJournal(t *testing.T) {
	t.Run("status contradicts the journal", func(t *testing.T) {
		srv, api := newAPI(t, sandbox.Config{Seed: 22}, 0, 0)
		dir := t.TempDir()
		in := writeFile(t, dir, "in.csv", csvOf("email", "a@example.com", "b@example.com"))
		sha, _ := FileSHA(in)
		id := mustAdd(t, api, map[string]string{"email": "a@example.com"})
		l := events.Line{Row: 2, Status: events.StatusSkipped, Code: events.CodeInterrupted}
		report := writeFile(t, dir, "r.csv", strings.Join(events.Columns(), ",")+"\n"+strings.Join(recordCells(l, sha), ",")+"\n")
		writeFile(t, dir, "r.csv.journal", `{"ev":"start","sha":"`+sha+`","window":16}`+"\n"+
			`{"ev":"send","row":2,"op":"create"}`+"\n"+`{"ev":"done","row":2,"status":"created","id":`+itoa(id)+"}\n")
		before := srv.Stats().Requests
		if _, err := Run(context.Background(), api, in, Config{Resume: report}); !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "journal recorded created") {
			t.Fatalf("err = %v, want the contradiction", err)
		}
		if srv.Stats().Requests != before {
			t.Error("requests sent")
		}
	})
	t.Run("torn last line", func(t *testing.T) {
		srv, api := newAPI(t, sandbox.Config{Seed: 23}, 0, 0)
		dir := t.TempDir()
		in := writeFile(t, dir, "in.csv", csvOf("email,invoice_city", "a@example.com,Gdańsk", "b@example.com,Sopot"))
		sha, _ := FileSHA(in)
		ida := mustAdd(t, api, map[string]string{"email": "a@example.com", "invoice_city": "Gdańsk"})
		idb := mustAdd(t, api, map[string]string{"email": "b@example.com", "invoice_city": "Sopot"})
		a := events.Line{Row: 2, Status: events.StatusCreated, ID: ida}
		b := events.Line{Row: 3, Status: events.StatusCreated, ID: idb}
		full := strings.Join(recordCells(b, sha), ",")
		report := writeFile(t, dir, "r.csv", strings.Join(events.Columns(), ",")+"\n"+strings.Join(recordCells(a, sha), ",")+"\n"+full[:12])
		writeFile(t, dir, "r.csv.journal", `{"ev":"start","sha":"`+sha+`","window":16}`+"\n"+
			`{"ev":"send","row":2,"op":"create"}`+"\n"+`{"ev":"done","row":2,"status":"created","id":`+itoa(ida)+"}\n"+
			`{"ev":"send","row":3,"op":"create"}`+"\n"+`{"ev":"done","row":3,"status":"created","id":`+itoa(idb)+"}\n")
		creates := srv.Stats().Creates
		sum, err := Run(context.Background(), api, in, Config{Resume: report, RequestTimeout: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if n := srv.Stats().Creates - creates; n != 0 {
			t.Errorf("%d creates after a torn line, want 0", n)
		}
		lines := byRow(t, readReport(t, sum.Report))
		if l := lines["3"]; l["status"] != "created" || l["crm_client_id"] != itoa(idb) {
			t.Errorf("row 3: %v, want settled from the journal", l)
		}
		assertNoDuplicates(t, srv)
	})
	t.Run("outcome unknown, journal lost", func(t *testing.T) {
		srv, api := newAPI(t, sandbox.Config{Seed: 24}, 0, 0)
		dir := t.TempDir()
		in := writeFile(t, dir, "in.csv", csvOf("email,invoice_city", "made@example.com,Gdańsk", "lost@example.com,Sopot"))
		sha, _ := FileSHA(in)
		id := mustAdd(t, api, map[string]string{"email": "made@example.com", "invoice_city": "Gdańsk"})
		unknown := func(row int) events.Line {
			return events.Line{Row: row, Status: events.StatusFailed, Code: events.CodeOutcomeUnknown, Message: "the answer never came"}
		}
		a, b := unknown(2), unknown(3)
		report := writeFile(t, dir, "r.csv", strings.Join(events.Columns(), ",")+"\n"+
			strings.Join(recordCells(a, sha), ",")+"\n"+strings.Join(recordCells(b, sha), ",")+"\n")
		creates := srv.Stats().Creates
		sum, err := Run(context.Background(), api, in, Config{Resume: report, RequestTimeout: time.Millisecond}) // no journal beside it
		if err != nil {
			t.Fatal(err)
		}
		if n := srv.Stats().Creates - creates; n != 1 {
			t.Errorf("%d creates, want 1 (row 3: the look-up proved it absent)", n)
		}
		lines := byRow(t, readReport(t, sum.Report))
		if l := lines["2"]; l["status"] != "created" || l["crm_client_id"] != itoa(id) || !strings.Contains(l["note"], "adopted") {
			t.Errorf("row 2: %v, want the client found by the look-up", l)
		}
		assertNoDuplicates(t, srv)
	})
}

// TestResumeAfterAReportWriteFails: the report cannot be written (a full
// disk); the journal is kept, and the resume settles every row from it.
func TestResumeAfterAReportWriteFails(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 25}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("f", 30))
	cfg := Config{Workers: 4, reportWrap: func(w io.Writer) io.Writer { return &fullDisk{w: w, left: 2000} }}
	sum, err := Run(context.Background(), api, in, cfg)
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("err = %v, want the write error", err)
	}
	if _, err := os.Stat(sum.Report + ".journal"); err != nil {
		t.Fatalf("the journal was not kept after the report failed: %v", err)
	}
	created := srv.Stats().Creates
	sum2, err := Run(context.Background(), api, in, Config{Resume: sum.Report})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run created %d, the resume %d", created, srv.Stats().Creates-created)
	if len(srv.Clients()) != 30 || sum2.Counts[events.StatusCreated] != 30 {
		t.Errorf("%d clients, %d created lines; want 30 and 30", len(srv.Clients()), sum2.Counts[events.StatusCreated])
	}
	assertNoDuplicates(t, srv)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fullDisk is a writer that fails once left bytes were written, as a full
// disk does.
type fullDisk struct {
	w    io.Writer
	left int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.left {
		n, _ := d.w.Write(p[:d.left])
		d.left = 0
		return n, errors.New("write: no space left on device")
	}
	d.left -= len(p)
	return d.w.Write(p)
}
