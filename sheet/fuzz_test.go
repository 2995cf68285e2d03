package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzGuard(f *testing.F) {
	for _, s := range []string{"", "'", "''", "=1+1", "'=1", "''=1", "+48", "-", "@", "\t", "\r", "'\r", "abc", "'abc", "=", "'''-x", "'5", "''5", "01067", "'01067", "'t Hooft", "'s-Hertogenbosch", `="0048"`, `'="x"`, `=""""`, `="a"b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if x, ok := ExcelText(s); ok {
			if got, marked := StripTextMark(x); got != s || !marked {
				t.Fatalf("StripTextMark(ExcelText(%q)) = %q, %v", s, got, marked)
			}
		}
		g := GuardFormula(s)
		if got, _ := StripTextMark(g); got != s {
			t.Fatalf("StripTextMark(GuardFormula(%q)) = %q", s, got)
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
		r, err := readCSV(bytes.NewReader(data), "fuzz.csv", Options{Encoding: enc, UnguardFormulas: len(data)%2 == 0})
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
		// The fuzzer's own bound on what a workbook may unzip to (the
		// default, 256 MB, is for users' files): fast runs, small memory.
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil && checkInflation("fuzz.xlsx", zr, 4<<20) != nil {
			return
		}
		r, err := openXLSX(t, data, "fuzz.xlsx", Options{})
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

// FuzzScanSheet: a worksheet's XML is outside input; the scan never
// panics, and what it reports is within the sheet's bounds.
func FuzzScanSheet(f *testing.F) {
	f.Add(`<worksheet><sheetData><row r="2"><c r="B2"><f>A2*2</f></c></row></sheetData><mergeCells><mergeCell ref="A2:A4"/></mergeCells></worksheet>`)
	f.Add(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>`)
	f.Add(`<mergeCell ref="XFD1048576:A1"/>`)
	f.Add(`<worksheet><sheetData><row r="3"><c r="C3" t="s"><v>4</v></c></row></sheetData></worksheet>`)
	f.Fuzz(func(t *testing.T, x string) {
		facts, err := scanSheet(newXMLGuard(strings.NewReader(x)), &sharedStrings{sizes: []int32{1, 2, 3}, tooBig: 4}, new(int))
		if err != nil {
			return
		}
		for r, cols := range facts.unsaved {
			for _, c := range cols {
				if r < 1 || c < 1 {
					t.Fatalf("unsaved cell %d,%d", r, c)
				}
			}
		}
		for _, m := range facts.merges {
			if m.r1 < 1 || m.c1 < 1 || m.r2 < m.r1 || m.c2 < m.c1 {
				t.Fatalf("merge %+v", m)
			}
		}
	})
}

// FuzzSheetFixer: whatever the bytes and however they are cut into
// writes, the fixer turns exactly the placeholders into escapes and keeps
// every other byte.
func FuzzSheetFixer(f *testing.F) {
	f.Add([]byte("<sheetData><c><is><t>a\U000F0001b</t></is></c>"), 3)
	f.Add([]byte("\xf3\xb0\x80"), 1)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		var out bytes.Buffer
		s := &sheetFixer{w: &out, headed: true}
		if cut <= 0 || cut > len(b) {
			cut = len(b)
		}
		_, _ = s.Write(b[:cut])
		_, _ = s.Write(b[cut:])
		_ = s.flush()
		var want strings.Builder
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if isPlaceholder(r) && size == 4 {
				fmt.Fprintf(&want, "_x%04X_", r-ctrlBase)
			} else {
				want.Write(b[i : i+size])
			}
			i += size
		}
		if out.String() != want.String() {
			t.Fatalf("fixed %q into %q, want %q", b, out.String(), want.String())
		}
	})
}

// FuzzXMLGuard: the guard passes what encoding/xml reads, unchanged, and
// fails only on a token longer than its bound.
func FuzzXMLGuard(f *testing.F) {
	f.Add(`<a b=">'"><!-- > --><![CDATA[ <> ]]><?pi > ?>text</a>`, uint16(8))
	f.Add(strings.Repeat(" ", 100), uint16(16))
	f.Fuzz(func(t *testing.T, x string, limit uint16) {
		g := newXMLGuard(strings.NewReader(x))
		g.max = int(limit) + 1
		got, err := io.ReadAll(g)
		if err == nil && string(got) != x {
			t.Fatalf("the guard changed the text: %q → %q", x, got)
		}
		if err != nil && !errors.Is(err, errXMLToken) && !strings.Contains(err.Error(), "declaration") {
			t.Fatalf("error %v", err)
		}
		if errors.Is(err, errXMLToken) && len(x) <= g.max {
			t.Fatalf("%q (%d bytes) refused at a bound of %d", x, len(x), g.max)
		}
	})
}
