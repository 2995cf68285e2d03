package importer

import (
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestReportXLSX renders a golden CSV report as XLSX: the report's columns,
// then before/after columns of every field a line changed, in field-table
// order, and one row a line with its cells.
func TestReportXLSX(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.xlsx")
	if err := ReportXLSX(filepath.Join("testdata", "match_email.golden.csv"), out); err != nil {
		t.Fatal(err)
	}
	rd, err := sheet.Open(out, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	header := rd.Header()
	n := len(events.Columns())
	if !slices.Equal(header[:n], events.Columns()) {
		t.Errorf("report columns %q", header[:n])
	}
	want := []string{"email before", "email after", "invoice_fullname before", "invoice_fullname after"}
	if i := slices.Index(header, "email before"); i < n || !slices.Equal(header[i:i+4], want) {
		t.Errorf("field columns %q, want %q in field-table order", header[n:], want)
	}
	var rows []sheet.Row
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 || rows[0].Cells[1] != "created" {
		t.Fatalf("rows %v", rows)
	}
	after := slices.Index(header, "email after")
	if rows[0].Cells[after] != "anna@example.com" {
		t.Errorf("row 2's email after %q", rows[0].Cells[after])
	}
	if err := ReportXLSX(filepath.Join("testdata", "nothing.csv"), out); err == nil {
		t.Error("a report that is not there rendered")
	}
}
