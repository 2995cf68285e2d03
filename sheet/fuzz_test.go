package sheet

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzGuard(f *testing.F) {
	for _, s := range []string{"", "'", "''", "=1+1", "'=1", "''=1", "+48", "-", "@", "\t", "\r", "'\r", "abc", "'abc", "=", "'''-x", "'5", "''5", "01067", "'01067", "'t Hooft", "'s-Hertogenbosch"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g := GuardFormula(s)
		if got := UnguardFormula(g); got != s {
			t.Fatalf("UnguardFormula(GuardFormula(%q)) = %q", s, got)
		}
		if len(g) > 0 && formulaStart(g[0]) {
			t.Fatalf("GuardFormula(%q) = %q still starts a formula", s, g)
		}
		if got, _ := StripTextMark(ProtectTextMark(s)); got != s {
			t.Fatalf("StripTextMark(ProtectTextMark(%q)) = %q", s, got)
		}
	})
}

func FuzzCSVReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte("a;b\n\"x\"\"y\";2\n"), "windows-1250")
	f.Add([]byte("\xff\xfea\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00"), "")
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		r, err := NewCSVReader(bytes.NewReader(data), "fuzz.csv", Options{Encoding: enc, UnguardFormulas: len(data)%2 == 0})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Open error is not a *ParseError: %T %v", err, err)
			}
			return
		}
		width := len(r.Header())
		for i := 0; i <= len(data); i++ {
			row, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Read error is not a *ParseError: %T %v", err, err)
				}
				if !Recoverable(err) {
					return
				}
				continue
			}
			if len(row.Cells) != width {
				t.Fatalf("row %d has %d cells, header %d", row.Num, len(row.Cells), width)
			}
		}
		t.Fatal("more rows than bytes")
	})
}

func FuzzXLSXReader(f *testing.F) {
	f.Add(workbook(f))
	f.Add(rawXLSX(f, `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>`, 0))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewXLSXReader(bytes.NewReader(data), "fuzz.xlsx", Options{MaxUnzipSize: 4 << 20, MaxXMLInMemory: 1 << 20})
		if err != nil {
			return
		}
		defer r.Close()
		for i := 0; i < 10000; i++ {
			if _, err := r.Read(); err != nil && !Recoverable(err) {
				return
			}
		}
	})
}
