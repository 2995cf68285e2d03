package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzReadReport: a report given to undo is outside input (people edit
// reports): reading it never panics, and every line it yields has a row
// number and no negative client ID.
func FuzzReadReport(f *testing.F) {
	h := strings.Join(Columns(), ",") + "\n"
	f.Add(h + "2,created,5,,,,,\"email: \"\"a@b.pl\"\"\",,,abc,acc,\n")
	f.Add(h + "x,created,5,,,,,,,,abc,acc,\n")
	f.Add(h + "2,created,-5,,,,,,,,abc,acc,\n")
	f.Add("row,status,input_sha256\n2,created,abc\n")
	f.Add(h + "2,created")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "r.csv")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		_ = ReadReport(p, nil, "", func(l Line) error {
			if l.Row < 1 || l.ID < 0 || l.Num < 2 {
				t.Fatalf("line %+v read from %q", l, data)
			}
			return nil
		})
	})
}

// TestReadReportWritten: what ReportFile writes (signed, formula-guarded)
// ReadReport reads back, proven under the key; an edited cell fails.
func TestReadReportWritten(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.csv")
	key := []byte("0123456789abcdef0123456789abcdef")
	rf, err := CreateReportFile(p, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := full(), full()
	a.Message, b.Row = "=1+1", 8
	for _, l := range []Line{a, b} {
		if err := rf.Write(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	var got []Line
	if err := ReadReport(p, key, "acc", func(l Line) error { got = append(got, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Message != "=1+1" || !got[0].Proven || got[0].Num != 2 || got[1].Row != 8 || got[0].MAC == "mac" {
		t.Fatalf("read back %+v", got)
	}
	raw, _ := os.ReadFile(p)
	if !strings.Contains(string(raw), "'=1+1") {
		t.Errorf("the formula is not guarded in the file:\n%s", raw)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(raw), "email:a@b.pl", "email:x@b.pl", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ReadReport(p, key, "acc", func(Line) error { return nil }); !errors.Is(err, ErrUnproven) {
		t.Fatalf("an edited line: %v, want ErrUnproven", err)
	}
}

// writeRows writes a report (no key) with a line for each row, in order.
func writeRows(t *testing.T, rows ...int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "r.csv")
	rf, err := CreateReportFile(p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rows {
		l := full()
		l.Row = n
		if err := rf.Write(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReportLinesLookup: a report read in step with the input: Lookup
// finds a row's line without taking it, answers nil for a row without
// one, and Check sees every line read, those Lookup passes over too.
func TestReportLinesLookup(t *testing.T) {
	var checked []int
	rs, err := OpenRecords(writeRows(t, 2, 3, 5, 9))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	rl := rs.Lines(ReadConfig{InOrder: true, Check: func(l Line) error { checked = append(checked, l.Row); return nil }})
	tests := []struct {
		row, want int // want: the line's row (0: none)
	}{{2, 2}, {2, 2}, {4, 0}, {5, 5}, {9, 9}, {10, 0}}
	for _, tt := range tests {
		l, err := rl.Lookup(tt.row)
		if got := 0; err != nil || (l == nil) != (tt.want == 0) || l != nil && l.Row != tt.want {
			if l != nil {
				got = l.Row
			}
			t.Fatalf("Lookup(%d) = row %d, %v; want row %d", tt.row, got, err, tt.want)
		}
	}
	if l, err := rl.Peek(); l != nil || err != nil {
		t.Errorf("Peek after the last line = %+v, %v; want nil", l, err)
	}
	if want := []int{2, 3, 5, 9}; !slices.Equal(checked, want) {
		t.Errorf("Check saw rows %v, want %v", checked, want)
	}
}

// TestReportLinesRefuses: the refusals of ReportLines name the file, the
// row and the column, and say what to do in the reader's words.
func TestReportLinesRefuses(t *testing.T) {
	h := strings.Join(Columns(), ",") + "\n"
	line := func(row, id string) string { return row + ",failed," + id + ",,,,,,,,abc,acc,\n" }
	stop := errors.New("stop")
	tests := []struct {
		name, data string
		cfg        ReadConfig
		want       string
	}{
		{"out of order", line("3", "") + line("2", ""), ReadConfig{InOrder: true, Restore: "restore it or else"},
			`row 3, column "row": 2 comes after 3; the report's lines must stay in input order (was it sorted?) — restore it or else`},
		{"any order without InOrder", line("3", "") + line("2", "") + line("x", ""), ReadConfig{},
			`row 4, column "row": "x" is not a row number; the report was edited — restore it`},
		{"row zero", line("0", ""), ReadConfig{InOrder: true, Restore: "restore it or else"},
			`row 2, column "row": "0" is not a row number; the report was edited — restore it or else`},
		{"client ID no number", line("2", "x"), ReadConfig{},
			`row 2, column "crm_client_id": "x" is not a client ID; the report was edited — restore it`},
		{"client ID negative", line("2", "-4"), ReadConfig{},
			`row 2, column "crm_client_id": "-4" is not a client ID`},
		{"the reader's check", line("2", "") + line("3", ""), ReadConfig{Check: func(l Line) error {
			if l.Row == 3 {
				return fmt.Errorf("%w at row %d", stop, l.Num)
			}
			return nil
		}}, "stop at row 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "r.csv")
			if err := os.WriteFile(p, []byte(h+tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			rs, err := OpenRecords(p)
			if err != nil {
				t.Fatal(err)
			}
			defer rs.Close()
			for rl := rs.Lines(tt.cfg); err == nil; {
				_, err = rl.Next()
			}
			named := tt.cfg.Check != nil || strings.Contains(err.Error(), p) // (a check's error is the reader's own)
			if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), tt.want) || !named {
				t.Fatalf("err = %v, want %s saying %q", err, p, tt.want)
			}
		})
	}
}
