package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestInputChangedDuringTheRun: a file saved again while it is imported
// ends the run with ErrInputChanged (exit 2), and the report says which
// rows were done.
func TestInputChangedDuringTheRun(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 31}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("c", 20))
	changed := false
	cfg := Config{Workers: 1, OnLine: func(*events.Line) {
		if !changed {
			changed = true
			if err := os.WriteFile(in, []byte(genRows("c", 25)), 0o644); err != nil {
				t.Error(err)
			}
		}
	}}
	sum, err := Run(context.Background(), api, in, cfg)
	if !errors.Is(err, ErrInputChanged) || !strings.Contains(err.Error(), "changed while it was imported") {
		t.Fatalf("err = %v, want ErrInputChanged", err)
	}
	if n := len(readReport(t, sum.Report)) - 1; n < 20 {
		t.Errorf("the report has %d lines, want one for each row read", n)
	}
}

// TestXLSXFormulaWithoutValueIsInvalid: a mapped cell holding a formula
// with no saved value makes its row invalid with the advice to save the
// file in Excel; a merged company reaches every row.
func TestXLSXFormulaWithoutValueIsInvalid(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 32}, 0, 0)
	in := filepath.Join(t.TempDir(), "in.xlsx")
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"email", "invoice_company", "invoice_city"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"a@example.com", "Sklep ABC", "Gdańsk"})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"b@example.com"})
	_ = f.SetSheetRow("Sheet1", "A4", &[]any{"c@example.com", "", "Sopot"})
	_ = f.MergeCell("Sheet1", "B2", "B4")
	_ = f.SetCellFormula("Sheet1", "C3", `=UPPER("gdynia")`)
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if l := lines["3"]; l["status"] != "invalid" || !strings.Contains(l["error_message"], "save it") {
		t.Errorf("row 3: %v, want invalid with the advice", l)
	}
	if sum.Counts[events.StatusCreated] != 2 {
		t.Errorf("%v", sum.Counts)
	}
	for _, c := range srv.Clients() {
		if c.InvoiceCompany != "Sklep ABC" {
			t.Errorf("client %s: company %q, want the merged value", c.Email, c.InvoiceCompany)
		}
	}
}
