package ui

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/crmbulk/crmbulk/sheet"
)

// readAll reads path as the import would: each row's number and cells.
func readAll(t *testing.T, path string, opts sheet.Options) (header []string, rows []sheet.Row) {
	t.Helper()
	rd, err := sheet.Open(path, opts)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	defer rd.Close()
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return rd.Header(), rows
		}
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
		row.Unsaved = nil
		rows = append(rows, row)
	}
}

func writeXLSX(t *testing.T, path string, rows [][]string) {
	t.Helper()
	w, err := sheet.Create(path, sheet.CreateOptions{XLSX: sheet.XLSXWriterOptions{SheetName: "Klienci"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWriteCorrected(t *testing.T) {
	cp1250 := func(s string) []byte {
		b, err := charmap.Windows1250.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name  string
		file  string
		data  []byte           // a CSV's bytes
		xlsx  [][]string       // or an XLSX's rows
		opts  sheet.Options    // how the import reads it
		fixes []cellFix        //
		want  map[int][]string // the copy's rows by number
	}{
		{
			name:  "cp1250 CSV with a title row, blank rows, semicolons",
			file:  "klienci.csv",
			data:  cp1250("Lista klientów\n\nimię;e-mail;miasto\n\nJan Łoś;jan@@example.com;Łódź\nOla Żak;ola@example.com;Kraków\n"),
			opts:  sheet.Options{Encoding: "windows-1250", HeaderRow: 3, Delimiter: ';'},
			fixes: []cellFix{{Row: 5, Column: "e-mail", Value: "jan@example.com"}},
			want:  map[int][]string{5: {"Jan Łoś", "jan@example.com", "Łódź"}, 6: {"Ola Żak", "ola@example.com", "Kraków"}},
		},
		{
			name:  "XLSX keeps its sheet's name and row numbers",
			file:  "klienci.xlsx",
			xlsx:  [][]string{{"name", "email"}, {"Jan", "jan@@x.pl"}, {}, {"Ola", "0048 600"}},
			opts:  sheet.Options{Sheet: "Klienci"},
			fixes: []cellFix{{Row: 2, Column: "email", Value: "jan@x.pl"}, {Row: 4, Column: "name", Value: "Ola Żak"}},
			want:  map[int][]string{2: {"Jan", "jan@x.pl"}, 4: {"Ola Żak", "0048 600"}},
		},
		{
			name:  "a file without a header row, columns by letter",
			file:  "bez.csv",
			data:  []byte("Jan,jan@@x.pl\nOla,ola@x.pl\n"),
			opts:  sheet.Options{NoHeader: true},
			fixes: []cellFix{{Row: 1, Column: "B", Value: "jan@x.pl"}},
			want:  map[int][]string{1: {"Jan", "jan@x.pl"}, 2: {"Ola", "ola@x.pl"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), tt.file)
			if tt.xlsx != nil {
				writeXLSX(t, in, tt.xlsx)
			} else if err := os.WriteFile(in, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(in)
			wantHeader, _ := readAll(t, in, tt.opts)
			out, err := writeCorrected(in, tt.opts, tt.fixes)
			if err != nil {
				t.Fatal(err)
			}
			if out != correctedPath(in) || out == in {
				t.Errorf("copy at %s, want beside the input as %s", out, correctedPath(in))
			}
			if after, _ := os.ReadFile(in); !bytes.Equal(before, after) {
				t.Error("the input was changed")
			}
			header, rows := readAll(t, out, tt.opts)
			if !reflect.DeepEqual(header, wantHeader) {
				t.Errorf("header %q, want %q", header, wantHeader)
			}
			got := map[int][]string{}
			for _, r := range rows {
				got[r.Num] = r.Cells
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("copy's rows %v, want %v", got, tt.want)
			}
			// Corrected again: the copy is rewritten in place, the input still untouched.
			again, err := writeCorrected(out, tt.opts, nil)
			if err != nil || again != out {
				t.Fatalf("correcting the copy again: %s, %v", again, err)
			}
			if _, rows2 := readAll(t, again, tt.opts); !reflect.DeepEqual(rows2, rows) {
				t.Errorf("copy of the copy %v, want %v", rows2, rows)
			}
		})
	}
}

func TestWriteCorrectedRefuses(t *testing.T) {
	tests := []struct {
		name, file, data string
		fixes            []cellFix
		wantRow          int
		wantCol, want    string
	}{
		{"no such column", "a.csv", "name,email\nJan,j@x.pl\n", []cellFix{{Row: 2, Column: "phone", Value: "1"}}, 2, "phone", `has no column "phone"`},
		{"a name two columns have", "a.csv", "name,email,name\nJan,j@x.pl,J\n", []cellFix{{Row: 2, Column: "name", Value: "x"}}, 2, "name", `2 columns named "name"`},
		{"no such row", "a.csv", "name,email\nJan,j@x.pl\n", []cellFix{{Row: 9, Column: "email", Value: "1"}}, 9, "", "no client in row 9"},
		{"the header row", "a.csv", "name,email\nJan,j@x.pl\n", []cellFix{{Row: 1, Column: "email", Value: "1"}}, 1, "", "no client in row 1"},
		{"row zero", "a.csv", "name,email\nJan,j@x.pl\n", []cellFix{{Row: 0, Column: "email", Value: "1"}}, 0, "email", "is not a row number"},
		{"EDI++", "a.epp", "[INFO]\n", []cellFix{{Row: 2, Column: "x", Value: "1"}}, 0, "", "EDI++"},
		{"a ragged row", "a.csv", "name,email\nJan,j@x.pl,extra\n", nil, 2, "", "more cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(in, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := writeCorrected(in, sheet.Options{}, tt.fixes)
			var fe *fixError
			if !errors.As(err, &fe) || !errors.Is(err, errFix) {
				t.Fatalf("err %v, want a fixError", err)
			}
			if fe.Row != tt.wantRow || fe.Column != tt.wantCol || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("row %d column %q %q, want row %d column %q and %q", fe.Row, fe.Column, err, tt.wantRow, tt.wantCol, tt.want)
			}
			if _, err := os.Stat(correctedPath(in)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a copy was left: %v", err)
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(in), ".*tmp*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
