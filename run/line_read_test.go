package run

import (
	"errors"
	"os"
	"path/filepath"
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
