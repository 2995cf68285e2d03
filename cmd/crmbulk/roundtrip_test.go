package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// roundTripClients are values that spreadsheets, formula guards and text
// marks like to change, stored in the account before it is exported.
var roundTripClients = []map[string]string{
	{"email": "plus@example.com", "phone": "+48 600 100 200", "invoice_postcode": "01067", "login": "007"},
	{"email": "formula@example.com", "invoice_company": "=SUM(A1:A9)", "invoice_fullname": "-5", "delivery_city": "@cmd"},
	{"email": "apostrophe@example.com", "invoice_fullname": "Henk 't Hooft", "invoice_city": "'s-Hertogenbosch", "login": "'5"},
	{"email": "marked@example.com", "phone": "'+48 literal", "invoice_address": "''=x", "delivery_address": "\ttab first"},
	{"email": "lines@example.com", "invoice_address": "ul. Długa 1\nm. 5", "invoice_tax_id": "PL5260250274", "invoice_country_code": "DE"},
	{"email": "excel@example.com", "phone": "0048600700800", "invoice_fullname": `="x"`, "invoice_company": `say "5"`, "delivery_postcode": "00-950", "login": "TRUE"},
}

// TestExportImportRoundTrip: crmbulk's own export, generated here in each
// form it writes, imports back with --match-by email as every row
// unchanged: the formula guard and the text marks come off exactly, and
// nothing else changes on the way.
func TestExportImportRoundTrip(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 3, Clients: 120, ListExtraFields: true})
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range roundTripClients {
		if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: v}); err != nil {
			t.Fatalf("seeding %v: %v", v, err)
		}
	}
	total := len(srv.Clients())
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	for _, form := range []struct {
		name       string
		args       []string
		importArgs []string
	}{
		{"plain.csv", nil, nil},
		{"excel.csv", []string{"--bom", "--delimiter", ";", "--crlf"}, nil},
		{"for-excel.csv", []string{"--excel", "--delimiter", ";", "--crlf"}, nil},
		{"extra-for-excel.csv", []string{"--excel", "--extra-fields"}, []string{"--compare-notes"}},
		{"clients.xlsx", nil, nil},
		// Notes and extra fields headed "extra_1 Typ klienta": compared
		// with what the account holds.
		{"details.xlsx", []string{"--with-details"}, []string{"--compare-notes"}},
		{"extra.csv", []string{"--extra-fields", "--bom", "--delimiter", ";"}, []string{"--compare-notes"}},
	} {
		t.Run(form.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, form.name)
			if r := runCmd(t, context.Background(), env, append([]string{"--no-progress", "--rate-window", "1s", "export", "--out", out}, form.args...)...); r.code != 0 {
				t.Fatalf("export: exit %d\n%s", r.code, r.errOut)
			}
			// The default export names the statuses; the import must not
			// take status_name for anything it sends.
			if h, _ := countRows(t, out, sheet.Options{}); !slices.Contains(h, "status_name") {
				t.Errorf("the export's header %q lacks status_name", h)
			}
			report := filepath.Join(dir, "r.csv")
			r := runCmd(t, context.Background(), env, append([]string{"--no-progress", "--rate-window", "1s", "import", out, "--match-by", "email", "--dry-run", "--report", report}, form.importArgs...)...)
			if r.code != 0 {
				t.Fatalf("import: exit %d\n%s", r.code, r.errOut)
			}
			counts := reportCounts(t, report)
			if counts["unchanged"] != total || len(counts) != 1 {
				t.Errorf("the export imported back as %v, want all %d unchanged\n%s", counts, total, r.errOut)
				for _, l := range reportLines(t, report) {
					if l[1] != "unchanged" {
						t.Logf("row %s %s: %s %s", l[0], l[1], l[7], l[4])
					}
				}
			}
			// And through what `mapping init` proposes for the export, unedited.
			m := writeGuess(t, out, dir)
			if b, _ := os.ReadFile(m); !regexp.MustCompile(`(?m)^#\s+"status_name" \(column [A-Z]+\): status_name is only informative`).Match(b) {
				t.Errorf("mapping init does not leave status_name unused:\n%s", b)
			}
			report = filepath.Join(dir, "guess.csv")
			r = runCmd(t, context.Background(), env, append([]string{"--no-progress", "--rate-window", "1s", "import", out, "--mapping", m, "--dry-run", "--report", report}, form.importArgs...)...)
			if r.code != 0 {
				t.Fatalf("import through the guess: exit %d\n%s", r.code, r.errOut)
			}
			if counts := reportCounts(t, report); counts["unchanged"] != total || len(counts) != 1 {
				t.Errorf("the export imported back through its mapping init guess as %v, want all %d unchanged\n%s", counts, total, r.errOut)
			}
		})
	}
}
