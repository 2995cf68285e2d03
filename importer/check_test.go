package importer

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestCheckAgreesWithTheDryRun gives every row of the samples to Check and
// to a dry run (against an account without clients), and wants the same
// verdict from both: status, code, message, columns, match key, warnings
// and the values a create sends. Only what needs more than the row may
// differ, and then the dry run's line says why: an earlier row of the file
// has the same key (so the row updates the client that row creates), or
// repeats it, or disagrees with it.
func TestCheckAgreesWithTheDryRun(t *testing.T) {
	samples := []struct{ input, mapping string }{
		{"google/contacts.csv", "google/mapping.yaml"},
		{"outlook/kontakte.csv", "outlook/mapping.yaml"},
		{"polish-excel/klienci-cp1250.csv", "polish-excel/mapping-cp1250.yaml"},
		{"polish-excel/klienci.xlsx", "polish-excel/mapping.yaml"},
		{"prestashop/customers.csv", "prestashop/mapping.yaml"},
		{"prestashop/klienci-pl.csv", "prestashop/mapping-pl.yaml"},
		{"shopify/customers_export.csv", "shopify/mapping.yaml"},
		{"subiekt/kontrahenci.epp", "subiekt/mapping.yaml"},
		{"woocommerce/customers.csv", "woocommerce/mapping.yaml"},
	}
	compared, invalid, converted, byFile := 0, 0, 0, 0
	for _, s := range samples {
		t.Run(s.input, func(t *testing.T) {
			input := filepath.Join("..", "samples", s.input)
			m, err := mapping.Load(filepath.Join("..", "samples", s.mapping))
			if err != nil {
				t.Fatal(err)
			}
			_, api := newAPI(t, sandbox.Config{Seed: 1}, 0, 0)
			report := filepath.Join(t.TempDir(), "report.csv")
			if _, err := Run(context.Background(), api, input, Config{Mapping: m, DryRun: true, Report: report}); err != nil {
				t.Fatal(err)
			}
			dry := byRow(t, readReport(t, report))

			verdicts := checkAll(t, input, m)
			if len(verdicts) != len(dry) {
				t.Errorf("%d verdicts, %d lines in the dry run's report", len(verdicts), len(dry))
			}
			keys := map[string]bool{} // the match keys of the rows so far
			for _, v := range verdicts {
				row := v.Line.Row
				d := dry[strconv.Itoa(row)]
				if d == nil {
					t.Fatalf("row %d: no line in the dry run's report", row)
				}
				earlier := v.Line.MatchKey != "" && keys[v.Line.MatchKey]
				keys[v.Line.MatchKey] = true
				switch {
				case !v.Ready && (v.Line.Status == events.StatusSkipped || v.Line.Status == events.StatusInvalid):
				case d["status"] == string(events.StatusCreated):
				case earlier || d["error_code"] == CodeSameAsRow:
					byFile++
					continue // the row's key or values came before: the file decides, not the row
				default:
					t.Errorf("row %d: Check says ready, the dry run %s %s", row, d["status"], d["error_code"])
					continue
				}
				want := map[string]string{"status": string(v.Line.Status), "error_code": v.Line.Code, "error_message": v.Line.Message,
					"column": v.Line.Column, "match_key": v.Line.MatchKey, "warnings": v.Line.Warnings, "changes": v.Values.String()}
				if v.Ready {
					want["status"] = string(events.StatusCreated)
				}
				for col, w := range want {
					if d[col] != w {
						t.Errorf("row %d %s: Check says %q, the dry run %q", row, col, w, d[col])
					}
				}
				if len(v.Problems) == 0 && !v.Ready && v.Line.Status == events.StatusInvalid {
					t.Errorf("row %d: invalid without problems", row)
				}
				for _, p := range v.Problems {
					if p.Field == "" || p.Code == "" || !strings.Contains(v.Line.Message, p.Text) {
						t.Errorf("row %d: problem %+v lacks a field or code, or is not in the message %q", row, p, v.Line.Message)
					}
				}
				compared++
				if v.Line.Status == events.StatusInvalid {
					invalid++
				}
				if strings.Contains(v.Line.Warnings, "country_name") {
					converted++
				}
			}
		})
	}
	// The samples hold invalid rows and country names: the agreement is
	// shown where the preview matters.
	if compared < 50 || invalid == 0 || converted == 0 {
		t.Errorf("compared %d rows, %d invalid, %d with a country name converted", compared, invalid, converted)
	}
	t.Logf("compared %d rows, %d invalid, %d with a country name converted; %d decided by an earlier row", compared, invalid, converted, byFile)
}

// TestCheckProblems is the example: "Polska" is sent as PL (and
// the warning says so), "XX" is invalid with a problem that names the
// field, the column, the rule and what to do; a text mark is removed, a
// total line skipped.
func TestCheckProblems(t *testing.T) {
	m, err := mapping.Parse("map.yaml", []byte("columns:\n  email: E-mail\n  invoice_country_code: Kraj\n  invoice_fullname: Nazwa\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewChecker(m, []string{"E-mail", "Kraj", "Nazwa"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cells             []string
		ready             bool
		status            events.Status
		changes, warnings string
		problem           events.Problem
	}{
		{cells: []string{"a@b.pl", "Polska", "Jan"}, ready: true, changes: `email: "a@b.pl"; invoice_country_code: "PL"; invoice_fullname: "Jan"`, warnings: "country_name"},
		{cells: []string{"a@b.pl", "PL", "'007 Bond"}, ready: true, changes: `email: "a@b.pl"; invoice_country_code: "PL"; invoice_fullname: "007 Bond"`, warnings: "text mark removed"},
		{cells: []string{"a@b.pl", "XX", "Jan"}, status: events.StatusInvalid,
			problem: events.Problem{Field: "invoice_country_code", Column: "Kraj", Code: "country_code", Value: "XX"}},
		{cells: []string{"", "", "Razem"}, status: events.StatusSkipped},
	}
	for i, tt := range tests {
		v := c.Check(sheet.Row{Num: i + 2, Cells: tt.cells})
		if v.Ready != tt.ready || !tt.ready && v.Line.Status != tt.status {
			t.Errorf("%v: ready %v status %q, want %v %q (%s)", tt.cells, v.Ready, v.Line.Status, tt.ready, tt.status, v.Line.Message)
			continue
		}
		if got := v.Values.String(); got != tt.changes {
			t.Errorf("%v: values %q, want %q", tt.cells, got, tt.changes)
		}
		if !strings.Contains(v.Line.Warnings, tt.warnings) {
			t.Errorf("%v: warnings %q, want %q in them", tt.cells, v.Line.Warnings, tt.warnings)
		}
		if tt.problem.Field == "" {
			continue
		}
		if len(v.Problems) != 1 {
			t.Fatalf("%v: problems %+v", tt.cells, v.Problems)
		}
		p := v.Problems[0]
		if p.Field != tt.problem.Field || p.Column != tt.problem.Column || p.Code != tt.problem.Code || p.Value != tt.problem.Value || p.Hint == "" {
			t.Errorf("%v: problem %+v, want %+v with a hint", tt.cells, p, tt.problem)
		}
	}
}

// checkAll gives every row of input its verdict under m, the file read as
// an import reads it (m's source: settings).
func checkAll(t *testing.T, input string, m *mapping.Mapping) []Verdict {
	t.Helper()
	rd, err := sheet.Open(input, m.SheetOptions(sheet.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	c, err := NewChecker(m, rd.Header(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []Verdict
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.Check(row))
	}
}
