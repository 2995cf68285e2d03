package importer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gocarina/gocsv"

	"github.com/crmbulk/crmbulk/sheet"
)

// FuzzReadJournal: a journal left by a crash is outside input; reading it
// must never panic, every open row had a send event, every settled row a
// done event, and a journal is torn only when it does not end a line.
func FuzzReadJournal(f *testing.F) {
	f.Add(`{"ev":"send","row":2,"op":"create","key":"email:a@b.c"}` + "\n")
	f.Add(`{"ev":"send","row":2,"op":"create"}` + "\n" + `{"ev":"done","row":2,"status":"created","id":5}` + "\n")
	f.Add(`{"ev":"send","row":3,"op":"upd`)
	f.Add("\n\n{}\n[1,2]\nnull\n")
	f.Add(`{"ev":"send","row":"x"}`)
	f.Add(`{"ev":"start","sha":"0123456789abcdef","window":32}` + "\n" + `{"ev":"done","row":4,"status":"created","id":9,"changes":"email: \"a@b.c\""}` + "\n")
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "r.journal")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readJournal(p)
		if err != nil {
			return
		}
		for row := range got.open {
			if !strings.Contains(data, `"send"`) {
				t.Fatalf("row %d pending without any send event", row)
			}
		}
		for row, l := range got.done {
			if !strings.Contains(data, `"done"`) || l.Row != row {
				t.Fatalf("row %d settled (%v) without a done event", row, l)
			}
			if _, open := got.open[row]; open && strings.Count(data, `"send"`) == 0 {
				t.Fatalf("row %d both open and done", row)
			}
		}
		if got.torn && data != "" && data[len(data)-1] == '\n' {
			t.Fatalf("a journal that ends its last line is torn")
		}
	})
}

// FuzzOldReport: a report given to --resume is outside input (people edit
// reports); reading it must never panic and must stop with an error rather
// than return rows out of order.
func FuzzOldReport(f *testing.F) {
	h := strings.Join(ReportHeader(), ",") + "\n"
	f.Add(h + "2,created,5,,,,,,abcdef0123456789,\n3,failed,,X,msg,,,,abcdef0123456789,\n")
	f.Add(h + "x,created,5,,,,,,abcdef0123456789,\n")
	f.Add(h + "2,created,5,,,,,,aaaa,\n3,created,6,,,,,,bbbb,\n")
	f.Add("row,status\n2,created\n")
	f.Add(h + "3,created,5,,,,,,aaaa,\n2,created,6,,,,,,aaaa,\n") // sorted by someone
	f.Add(h + "2,created,,,,,,,aaaa,dry run: not sent\n")         // a dry run's
	f.Add(h)
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "r.csv")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := openOldReport(p, nil, "", func() {})
		if err != nil {
			return
		}
		defer o.close()
		if err := o.start(o.src); err != nil {
			t.Fatalf("a report read whole once fails the second time: %v", err)
		}
		got := map[int]bool{}
		for n := 1; n < 50; n++ {
			l, err := o.lookup(n)
			if err != nil {
				return // refused: an edited, reordered or dry-run report
			}
			if l != nil {
				if l.Row != n {
					t.Fatalf("lookup(%d) returned row %d", n, l.Row)
				}
				got[n] = true
			}
		}
		// Accepted to the end: no line below 50 may have been skipped (a
		// skipped finished line would be sent again). Bytes after the last
		// newline are a line a crash cut: not read, and settled from the
		// journal.
		whole := data[:strings.LastIndexByte(data, '\n')+1]
		if err := os.WriteFile(p, []byte(whole), 0o600); err != nil {
			t.Fatal(err)
		}
		rd, err := sheet.Open(p, sheet.Options{Format: "csv", UnguardFormulas: true})
		if errors.Is(err, sheet.ErrNoRows) {
			return // a header only: an empty report
		}
		if err != nil {
			t.Fatalf("openOldReport accepted what sheet.Open refuses: %v", err)
		}
		defer rd.Close()
		col := slices.Index(rd.Header(), "row")
		for {
			row, err := rd.Read()
			if err != nil {
				break
			}
			n, err := strconv.Atoi(strings.TrimSpace(row.Cells[col]))
			if err == nil && n >= 1 && n < 50 && !got[n] {
				t.Fatalf("report line for row %d was never returned by lookup", n)
			}
		}
	})
}

// TestReportHeaderIsTheRecord: the header the report is written with is
// the one gocsv reads its records by (one home for the columns).
func TestReportHeaderIsTheRecord(t *testing.T) {
	out, err := gocsv.MarshalString(&[]record{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), strings.Join(ReportHeader(), ","); got != want {
		t.Fatalf("gocsv's header %q, ReportHeader %q", got, want)
	}
}

// FuzzParseChanges: a changes column is read back from reports people may
// edit: it never panics, and what Changes.String writes reads back exactly.
func FuzzParseChanges(f *testing.F) {
	f.Add("email", "a@b.pl", "A@b.pl", true, false)
	f.Add("notes", "", "line 1\nline \"2\" → 3; x", false, false)
	f.Add("extra_15", "", "10", false, true)
	f.Add("phone", "", "", true, false)
	f.Fuzz(func(t *testing.T, field, before, after string, known, create bool) {
		const last = "delivery_state" // a second change after the fuzzed one
		if strings.ContainsAny(field, ":;\"") || field == "" || field == last {
			return // field names are the API's (and extra_<ID>), each once
		}
		c := Change{Field: field, Before: before, After: after, Known: known && !create, Create: create, Why: notRead}
		got := parseChanges(Changes{c, {Field: last, After: "end", Create: true}}.String())
		want := [2]string{"", after}
		if c.Known {
			want[0] = before
		}
		if got[field] != want || got[last] != [2]string{"", "end"} {
			t.Fatalf("%+v read back as %q", c, got)
		}
		_ = parseChanges(before + after) // anything at all
	})
}
