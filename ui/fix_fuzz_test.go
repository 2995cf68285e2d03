package ui

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/sheet"
)

// FuzzWriteCorrected: for any CSV the importer can read, the corrected
// copy reads back (with the same options: the delimiter sniffed again) as
// the same header and rows, each at its number, with the one fixed cell
// changed — or the fix is refused as a fixError and nothing is written.
func FuzzWriteCorrected(f *testing.F) {
	f.Add([]byte("email,invoice_fullname\na@b.pl,Anna\n\nc@d.pl,Celina\n"), 2, 1, "Ania")
	f.Add([]byte("Lista\n\nimię;e-mail\n\"Jan; Łoś\";jan@x.pl\n"), 4, 0, "Jan Łoś")
	f.Add([]byte("a\tb\n1\t2\n"), 2, 1, "x,y;z")
	f.Add([]byte("\xef\xbb\xbfname|mail\n\"multi\nline\"|m@x\n"), 2, 0, "=1+1")
	f.Fuzz(func(t *testing.T, data []byte, row, col int, value string) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.csv")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		header, rows, err := readRows(in)
		if err != nil || len(header) == 0 {
			return // not a file the import reads: refused before any fix
		}
		fix := cellFix{Row: row, Column: header[((col%len(header))+len(header))%len(header)], Value: value}
		out, err := writeCorrected(in, sheet.Options{}, []cellFix{fix})
		if err != nil {
			var fe *fixError
			if !errors.As(err, &fe) {
				t.Fatalf("not a fixError: %v", err)
			}
			if _, serr := os.Stat(correctedPath(in)); serr == nil {
				t.Fatal("a refused fix left a copy")
			}
			return
		}
		var want []sheet.Row // the rows with the fix; a row it blanked is skipped, as every blank row
		for _, r := range rows {
			if r.Num == fix.Row {
				for j, h := range header {
					if h == fix.Column {
						r.Cells[j] = value
					}
				}
			}
			if !slices.ContainsFunc(r.Cells, func(c string) bool { return !chars.Blank(c) }) {
				continue
			}
			want = append(want, r)
		}
		gotHeader, gotRows, err := readRows(out)
		if len(want) == 0 && errors.Is(err, sheet.ErrNoRows) {
			return // the fix blanked the only row: the copy says so when read
		}
		if err != nil {
			t.Fatalf("the copy cannot be read: %v", err)
		}
		rows = want
		if !reflect.DeepEqual(gotHeader, header) || !reflect.DeepEqual(gotRows, rows) {
			t.Fatalf("the copy reads\n%q %v\nwant\n%q %v", gotHeader, gotRows, header, rows)
		}
	})
}

// readRows reads a file whole as the import does, or fails.
func readRows(path string) ([]string, []sheet.Row, error) {
	rd, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	var rows []sheet.Row
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return rd.Header(), rows, nil
		}
		if err != nil {
			return nil, nil, err
		}
		row.Unsaved = nil
		rows = append(rows, row)
	}
}
