package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
)

// sheetXML returns the first worksheet part of an XLSX file.
func sheetXML(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			rc, _ := f.Open()
			x, _ := io.ReadAll(rc)
			return string(x)
		}
	}
	t.Fatal("no worksheet part")
	return ""
}

// TestXLSXControlCharactersRoundTrip: control characters, and text that
// reads as the format's own escape, come back exactly (issue 14); the XML
// holds the ECMA-376 escapes, not U+FFFD.
func TestXLSXControlCharactersRoundTrip(t *testing.T) {
	values := []string{"a\x01b", "\x00start", "end\x1f", "tab\tand\nnewline", "lit _x0041_ end", "_x005F_x0041_", "Łódź \x0b\x0c", strings.Repeat("\x02", 40)}
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, XLSXWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write([]string{"v"})
	for _, v := range values {
		if err := w.Write([]string{v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	x := sheetXML(t, buf.Bytes())
	if strings.Contains(x, "\ufffd") || !strings.Contains(x, "a_x0001_b") {
		t.Errorf("the sheet XML does not hold the escapes: %.400s", x[strings.Index(x, "<sheetData"):])
	}
	r, err := openXLSX(t, buf.Bytes(), "t.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range values {
		row, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if row.Cells[0] != want {
			t.Errorf("read %q, wrote %q", row.Cells[0], want)
		}
	}
	// A value holding one of the placeholders themselves is refused.
	w2, _ := NewXLSXWriter(io.Discard, XLSXWriterOptions{})
	_ = w2.Write([]string{"v"})
	if err := w2.Write([]string{"x\U000F0001"}); err == nil || !strings.Contains(err.Error(), "export as CSV") {
		t.Errorf("err = %v, want a refusal", err)
	}
}

// TestXLSXDimension: the sheet's <dimension> names its whole range, so a
// reader that trusts it (openpyxl read-only) sees every cell (issue 11).
func TestXLSXDimension(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewXLSXWriter(&buf, XLSXWriterOptions{})
	_ = w.Write([]string{"a", "b", "c"})
	for range 300 {
		_ = w.Write([]string{"1", "2", "3"})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<dimension ref="([^"]*)"`).FindStringSubmatch(sheetXML(t, buf.Bytes()))
	if m == nil || m[1] != "A1:C301" {
		t.Errorf("dimension %v, want A1:C301", m)
	}
}
