package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// tricky values that spreadsheets and naive writers like to change.
func trickyRows() [][]string {
	long := strings.Repeat("zażółć gęślą jaźń ", 28)[:500] // 500 bytes, multibyte
	long = strings.ToValidUTF8(long, "")
	return [][]string{
		{"id", "value", "note"},
		{"1", "007", "leading zeros"},
		{"2", "00-950", "postcode"},
		{"3", "0048600700800", "phone"},
		{"4", "=1+1", "formula"},
		{"5", "+48 600 700 800", "plus"},
		{"6", "-5", "minus"},
		{"7", "@SUM(A1)", "at"},
		{"8", "'=already", "quoted formula"},
		{"9", "''+two", "two quotes"},
		{"10", "\tTab", "tab"},
		{"11", "TRUE", "bool-like"},
		{"12", "1e5", "float-like"},
		{"13", "2024-01-02", "date-like"},
		{"14", "line1\nline2", "newline"},
		{"15", long, "long multibyte"},
		{"16", " lead and trail ", "spaces"},
		{"17", `say "hi", ok; a|b`, "quotes and delimiters"},
		{"18", "'", "lone quote"},
		{"19", "", "empty"},
		{"20", "4.86007008E10", "E notation as text"},
		{"007", "x", "id with leading zeros stays text"},
	}
}

func TestCSVRoundTrip(t *testing.T) {
	for _, opt := range []CSVWriterOptions{
		{GuardFormulas: true},
		{GuardFormulas: true, BOM: true, CRLF: true, Delimiter: ';'},
		{GuardFormulas: true, Delimiter: '\t'},
		{GuardFormulas: true, Delimiter: '|', CRLF: true},
	} {
		var buf bytes.Buffer
		w := NewCSVWriter(&buf, opt)
		for _, row := range trickyRows() {
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if opt.BOM && !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
			t.Error("no BOM")
		}
		if opt.CRLF != bytes.Contains(buf.Bytes(), []byte("\r\n")) {
			t.Errorf("CRLF=%v but output %q", opt.CRLF, buf.String()[:40])
		}
		if bytes.Contains(buf.Bytes(), []byte("\n=1+1")) || bytes.Contains(buf.Bytes(), []byte(string(opt.Delimiter)+"=1+1")) {
			t.Error("formula written unguarded")
		}
		r, err := readCSV(&buf, "rt.csv", Options{UnguardFormulas: true})
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		compareRows(t, r, trickyRows())
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, XLSXWriterOptions{SheetName: "Clients", NumericColumns: map[int]bool{0: true}, Widths: []float64{0, 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range trickyRows() {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	r, err := openXLSX(t, data, "rt.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	compareRows(t, r, trickyRows())

	// Layout: sheet name, bold frozen header, autofilter, numeric ids, widths.
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Clients" {
		t.Errorf("sheets = %q, want [Clients]", got)
	}
	sid, _ := f.GetCellStyle("Clients", "B1")
	st, err := f.GetStyle(sid)
	if err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header style = %+v, %v; want bold", st, err)
	}
	panes, err := f.GetPanes("Clients")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want frozen first row", panes, err)
	}
	for cell, want := range map[string]excelize.CellType{"A2": excelize.CellTypeUnset, "B2": excelize.CellTypeInlineString, "B13": excelize.CellTypeInlineString, "B5": excelize.CellTypeInlineString, "A22": excelize.CellTypeInlineString} {
		if got, _ := f.GetCellType("Clients", cell); got != want {
			t.Errorf("type of %s = %v, want %v", cell, got, want)
		}
	}
	if wB, _ := f.GetColWidth("Clients", "B"); wB != 60 {
		t.Errorf("width of B = %v, want the cap 60", wB)
	}
	if wC, _ := f.GetColWidth("Clients", "C"); wC != 8 {
		t.Errorf("width of C = %v, want 8 (header 'note' + 4)", wC)
	}
	sheetXML := zipPart(t, data, "xl/worksheets/sheet1.xml")
	if !strings.Contains(strings.ReplaceAll(sheetXML, "$", ""), `<autoFilter ref="A1:C22"`) {
		t.Errorf("no autofilter over every row in %s", sheetXML[max(0, len(sheetXML)-600):])
	}
}

func zipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

func compareRows(t *testing.T, r *Reader, want [][]string) {
	t.Helper()
	defer r.Close()
	if got := r.Header(); strings.Join(got, "|") != strings.Join(want[0], "|") {
		t.Errorf("header = %q, want %q", got, want[0])
	}
	for i, w := range want[1:] {
		row, err := r.Read()
		if err != nil {
			t.Fatalf("row %d: %v", i+2, err)
		}
		if row.Num != i+2 {
			t.Errorf("row.Num = %d, want %d", row.Num, i+2)
		}
		for j := range w {
			if row.Cells[j] != w[j] {
				t.Errorf("row %d col %d = %q, want %q", i+2, j+1, row.Cells[j], w[j])
			}
		}
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last row: %v, want EOF", err)
	}
}

func TestXLSXWriterLimits(t *testing.T) {
	w, err := NewXLSXWriter(io.Discard, XLSXWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	err = w.Write([]string{strings.Repeat("x", maxXLSXCellChars+1)})
	if err == nil || !strings.Contains(err.Error(), "row 2, column 1") || !strings.Contains(err.Error(), "CSV") {
		t.Errorf("over-long cell: err = %v, want a row/column error suggesting CSV", err)
	}
	if err := w.Write([]string{strings.Repeat("ż", maxXLSXCellChars)}); err != nil {
		t.Errorf("cell at the limit: %v", err)
	}
}

func TestPlainInt(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "7": true, "123456789012345": true, "-42": true,
		"": false, "-": false, "-0": false, "007": false, "1234567890123456": false, "1e5": false, "1.0": false, "+1": false, " 1": false,
	} {
		if got := plainInt(s); got != want {
			t.Errorf("plainInt(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"report.csv", "report.xlsx"} {
		path := filepath.Join(dir, name)
		w, err := Create(path, CreateOptions{CSV: CSVWriterOptions{BOM: true}})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range [][]string{{"row", "status"}, {"2", "created"}, {"3", "failed"}} {
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		compareRows(t, r, [][]string{{"row", "status"}, {"2", "created"}, {"3", "failed"}})
	}
	if _, err := Create(filepath.Join(dir, "report.pdf"), CreateOptions{}); !errors.Is(err, ErrFormat) {
		t.Errorf("pdf: err = %v, want ErrFormat", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a file was created for an unknown format")
	}
}

// TestStripTextMark: the marks real exports put before values come off
// (Shopify's '+48… phones and '01067 zips, WooCommerce's '+…, Excel's
// '=…); an apostrophe that belongs to the text stays.
func TestStripTextMark(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"'+48601234567", "+48601234567", true}, // Shopify, WooCommerce
		{"'01067", "01067", true},               // Shopify: a zip with a leading 0
		{"'5012345678", "5012345678", true},     // Shopify: an id
		{"'=SUM(A1)", "=SUM(A1)", true},
		{"'-5", "-5", true},
		{"''+48", "'+48", true}, // crmbulk's guard of a value that starts with '+
		{"'t Hooft", "'t Hooft", false},
		{"'s-Hertogenbosch", "'s-Hertogenbosch", false},
		{"O'Brien", "O'Brien", false},
		{"'", "'", false},
		{"+48601234567", "+48601234567", false},
	}
	for _, c := range cases {
		if got, ok := StripTextMark(c.in); got != c.want || ok != c.ok {
			t.Errorf("StripTextMark(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestCSVForExcel: the CSV for Excel writes each value Excel would show as
// something else (a leading zero lost, a phone's +, a date, a long number
// in E notation) as ="…", leaves text and short numbers as they are, keeps
// the header, and reads back exactly as written through an import's
// unguarding.
func TestCSVForExcel(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0048600700800", `="0048600700800"`},
		{"01067", `="01067"`},
		{"+48 501 222 333", `="+48 501 222 333"`},
		{"48600700800", `="48600700800"`}, // 11 digits: Excel shows 4.86E+10
		{"2024-01-02", `="2024-01-02"`},
		{"00-950", `="00-950"`},
		{"ul. Długa 5", `="ul. Długa 5"`},
		{"TRUE", `="TRUE"`},
		{"=1+1", `="=1+1"`},
		{`say "5"`, `="say ""5"""`},
		{"'01067", `="'01067"`},
		{`="x"`, `="=""x"""`},
		{"13", "13"},
		{"-5", "-5"},
		{"Kraków", "Kraków"},
		{"", ""},
		{"line 1\nline 2", "line 1\nline 2"}, // a formula cannot hold it; nothing to change
		{"5 " + strings.Repeat("x", 300), "5 " + strings.Repeat("x", 300)},       // too long for a formula's text
		{"+" + strings.Repeat("1", 300), "'+" + strings.Repeat("1", 300)},        // then the guard
		{"-" + strings.Repeat("x", 254), `="-` + strings.Repeat("x", 254) + `"`}, // 255 characters: the limit
		{"-" + strings.Repeat("x", 255), "'-" + strings.Repeat("x", 255)},        // 256: over it
	}
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, CSVWriterOptions{Delimiter: ';', BOM: true, GuardFormulas: true, ExcelText: true})
	_ = w.Write([]string{"value", "extra_15 Rabat"})
	for _, c := range cases {
		if err := w.Write([]string{c.in, "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF"))))
	raw.Comma = ';'
	recs, err := raw.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[0][1] != "extra_15 Rabat" {
		t.Errorf("header %q, want it unchanged", recs[0])
	}
	for i, c := range cases {
		if got := recs[i+1][0]; got != c.want {
			t.Errorf("%.40q written as %.60q, want %.60q", c.in, got, c.want)
		}
	}
	r, err := readCSV(bytes.NewReader(buf.Bytes()), "excel.csv", Options{UnguardFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"value", "extra_15 Rabat"}}
	for _, c := range cases {
		want = append(want, []string{strings.ReplaceAll(c.in, "\r\n", "\n"), "x"})
	}
	compareRows(t, r, want)
}
