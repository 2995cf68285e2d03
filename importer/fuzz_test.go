package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadJournal: a journal left by a crash is outside input; reading it
// must never panic, and every row it returns had a send event.
func FuzzReadJournal(f *testing.F) {
	f.Add(`{"ev":"send","row":2,"op":"create","key":"email:a@b.c"}` + "\n")
	f.Add(`{"ev":"send","row":2,"op":"create"}` + "\n" + `{"ev":"done","row":2,"status":"created","id":5}` + "\n")
	f.Add(`{"ev":"send","row":3,"op":"upd`)
	f.Add("\n\n{}\n[1,2]\nnull\n")
	f.Add(`{"ev":"send","row":"x"}`)
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "r.journal")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readJournal(p)
		if err != nil {
			return
		}
		for row := range got {
			if !strings.Contains(data, `"send"`) {
				t.Fatalf("row %d pending without any send event", row)
			}
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
	f.Add(h)
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "r.csv")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := openOldReport(p, "csv")
		if err != nil {
			return
		}
		defer o.close()
		last := 0
		for n := 1; n < 50; n++ {
			l, err := o.lookup(n)
			if err != nil {
				return
			}
			if l != nil {
				if l.Row != n || l.Row < last {
					t.Fatalf("lookup(%d) returned row %d", n, l.Row)
				}
				last = l.Row
			}
		}
	})
}
