package importer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// FuzzOldReport: a report given to --resume is outside input (people edit
// reports); reading it must never panic and must stop with an error rather
// than return rows out of order.
func FuzzOldReport(f *testing.F) {
	h := strings.Join(events.Columns(), ",") + "\n"
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
			l, err := o.lines.Lookup(n)
			if err != nil { // the first pass read it whole and took it
				t.Fatalf("lookup(%d) refuses a report openOldReport took: %v", n, err)
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
