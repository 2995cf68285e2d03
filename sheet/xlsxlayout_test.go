package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
)

// xlsxLayout is what a second reader (openpyxl-style: the zip's XML, read
// directly, not through excelize) sees of a one-sheet workbook's layout.
type xlsxLayout struct {
	Dimension  string          // <dimension ref>
	AutoFilter string          // <autoFilter ref>, without $
	FilterDB   string          // the _xlnm._FilterDatabase defined name, without $ and the sheet
	Wrapped    map[string]bool // cell reference → its style wraps text
	Values     map[string]string
}

// readXLSXLayout reads dimension, autofilter, the filter's defined name and
// each cell's wrap flag from the parts of an XLSX file.
func readXLSXLayout(t *testing.T, data []byte) xlsxLayout {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	part := func(name string) []byte {
		rc, err := zr.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return b
	}
	var sheet struct {
		Dimension struct {
			Ref string `xml:"ref,attr"`
		} `xml:"dimension"`
		AutoFilter struct {
			Ref string `xml:"ref,attr"`
		} `xml:"autoFilter"`
		Rows []struct {
			Cells []struct {
				Ref   string `xml:"r,attr"`
				Style string `xml:"s,attr"`
				V     string `xml:"v"`
				T     string `xml:"is>t"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	var styles struct {
		Xfs []struct {
			Alignment struct {
				WrapText string `xml:"wrapText,attr"`
			} `xml:"alignment"`
		} `xml:"cellXfs>xf"`
	}
	var book struct {
		Names []struct {
			Name string `xml:"name,attr"`
			Data string `xml:",chardata"`
		} `xml:"definedNames>definedName"`
	}
	for name, into := range map[string]any{"xl/worksheets/sheet1.xml": &sheet, "xl/styles.xml": &styles, "xl/workbook.xml": &book} {
		if err := xml.Unmarshal(part(name), into); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	l := xlsxLayout{Dimension: sheet.Dimension.Ref, AutoFilter: strings.ReplaceAll(sheet.AutoFilter.Ref, "$", ""), Wrapped: map[string]bool{}, Values: map[string]string{}}
	for _, n := range book.Names {
		if n.Name == "_xlnm._FilterDatabase" {
			_, ref, _ := strings.Cut(n.Data, "!")
			l.FilterDB = strings.ReplaceAll(ref, "$", "")
		}
	}
	for _, r := range sheet.Rows {
		for _, c := range r.Cells {
			l.Values[c.Ref] = c.V + c.T
			if i, err := strconv.Atoi(c.Style); err == nil && i < len(styles.Xfs) {
				w := styles.Xfs[i].Alignment.WrapText
				l.Wrapped[c.Ref] = w == "1" || w == "true"
			}
		}
	}
	return l
}

// TestXLSXLayoutForASecondReader: read as the zip's XML, the sheet's
// dimension and autofilter (and its defined name) cover every row — a
// filter over the header alone hides nothing — and a multi-line value or
// one longer than its column wraps, while short values and the header do
// not.
func TestXLSXLayoutForASecondReader(t *testing.T) {
	long := "ERROR_BAD_FIELD: invoice_postcode is longer than 20 characters — shorten it to 20 characters and run again"
	rows := [][]string{
		{"id", "address", "error"},
		{"1", "ul. Długa 5\nm. 7\n00-950 Warszawa", ""},
		{"2", "Rynek 1", long},
		{"3", "short", "ok"},
	}
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, XLSXWriterOptions{SheetName: "Clients", NumericColumns: map[int]bool{0: true}, Widths: []float64{0, 30, 60}})
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
	l := readXLSXLayout(t, buf.Bytes())
	if l.Dimension != "A1:C4" || l.AutoFilter != "A1:C4" || l.FilterDB != "A1:C4" {
		t.Errorf("dimension %q, autofilter %q, _FilterDatabase %q; want A1:C4 for each", l.Dimension, l.AutoFilter, l.FilterDB)
	}
	for cell, want := range map[string]bool{"B2": true, "C3": true, "A1": false, "B1": false, "B3": false, "B4": false, "C4": false, "A2": false} {
		if l.Wrapped[cell] != want {
			t.Errorf("%s (%q) wraps: %v, want %v", cell, l.Values[cell], l.Wrapped[cell], want)
		}
	}
	if l.Values["C3"] != long {
		t.Errorf("C3 = %q, want the whole error text", l.Values["C3"])
	}

	// A sheet of the header alone: the filter is the header row.
	buf.Reset()
	w, _ = NewXLSXWriter(&buf, XLSXWriterOptions{})
	_ = w.Write([]string{"a", "b"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if l := readXLSXLayout(t, buf.Bytes()); l.AutoFilter != "A1:B1" || l.FilterDB != "A1:B1" {
		t.Errorf("header only: autofilter %q, _FilterDatabase %q; want A1:B1", l.AutoFilter, l.FilterDB)
	}
}
