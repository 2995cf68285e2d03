package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// planInput makes rows against the sandbox's clients: updates of several
// fields, untouched rows, creates, two rows of one new client (a create,
// then an update of it) and an invalid row.
func planInput(t *testing.T, api *baselinker.API) string {
	t.Helper()
	cs, err := api.GetCrmClients(context.Background(), 1, baselinker.Filters{})
	if err != nil || len(cs) < 6 {
		t.Fatalf("seed: %d clients, %v", len(cs), err)
	}
	lines := []string{"email,phone,invoice_city,star"}
	for i, c := range cs[:6] {
		phone, city := c.Phone, c.InvoiceCity
		if i < 3 { // updated: phone and city
			phone, city = fmt.Sprintf("+48 600 000 00%d", i), "Gdańsk"
		}
		lines = append(lines, fmt.Sprintf("%s,%s,%s,%d", c.Email, phone, city, c.Star))
	}
	lines = append(lines,
		"new1@example.com,+48 601 111 111,Kraków,2",
		"new2@example.com,,Łódź,",
		"twice@example.com,+48 602 222 222,Poznań,1",
		"twice@example.com,+48 602 222 223,Poznań,5",
		"bad@example.com,,,9",
	)
	return csvOf(lines...)
}

// TestDryRunPlanIsWhatTheRealRunDoes: a dry run and a real run of one input
// against one account state write the same plan, row by row — the same
// status and the same changes — and the real run's account then holds it.
func TestDryRunPlanIsWhatTheRealRunDoes(t *testing.T) {
	cfg := sandbox.Config{Seed: 7, Clients: 30}
	_, dryAPI := newAPI(t, cfg, 0, 0)
	realSrv, realAPI := newAPI(t, cfg, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", planInput(t, dryAPI))

	dry, err := Run(context.Background(), dryAPI, in, Config{MatchBy: []string{"email"}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	real, err := Run(context.Background(), realAPI, in, Config{MatchBy: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	d, r := byRow(t, readReport(t, dry.Report)), byRow(t, readReport(t, real.Report))
	want := map[string]string{"2": "updated", "3": "updated", "4": "updated", "5": "unchanged", "6": "unchanged",
		"7": "unchanged", "8": "created", "9": "created", "10": "created", "11": "updated", "12": "invalid"}
	for row, st := range want {
		if d[row]["status"] != st || r[row]["status"] != st {
			t.Errorf("row %s: dry %q, real %q, want %q", row, d[row]["status"], r[row]["status"], st)
		}
		if d[row]["changes"] != r[row]["changes"] {
			t.Errorf("row %s: the dry run planned %q, the real run did %q", row, d[row]["changes"], r[row]["changes"])
		}
	}
	if c := r["2"]["changes"]; !strings.Contains(c, `phone: `) || !strings.Contains(c, `→ "+48 600 000 000"`) || !strings.Contains(c, `invoice_city: `) {
		t.Errorf("row 2's changes %q: want phone and invoice_city, before → after", c)
	}
	if c := r["11"]["changes"]; c != `phone: "+48 602 222 222" → "+48 602 222 223"; star: "1" → "5"` {
		t.Errorf("row 11 (the second row of a client the run created) changes %q", c)
	}
	if dry.Fields["phone"] != 4 || dry.Fields["invoice_city"] != 3 || real.Fields["phone"] != 4 {
		t.Errorf("by field: dry %v, real %v; want phone 4, invoice_city 3", dry.Fields, real.Fields)
	}
	if len(dry.Invalid) != 1 || dry.Invalid[0].Reason != "star: range" || dry.Invalid[0].Row != 12 {
		t.Errorf("invalid groups %+v", dry.Invalid)
	}
	// An update sends only what changes: 3 updates + 1 update of the new
	// client + 3 creates, one page read.
	if st := realSrv.Stats(); st.ByMethod["addCrmClient"] != 7 || st.ByMethod["getCrmClients"] != 1 {
		t.Errorf("requests by method %v, want 7 addCrmClient and 1 getCrmClients", st.ByMethod)
	}
	// The account holds what the plan said: row 2's client has the new phone.
	id := r["2"]["crm_client_id"]
	var f baselinker.Filters
	_ = f.Set("crm_client_id", id)
	cs, err := realAPI.GetCrmClients(context.Background(), 1, f)
	if err != nil || len(cs) != 1 || cs[0].Phone != "+48 600 000 000" || cs[0].InvoiceCity != "Gdańsk" {
		t.Errorf("client %s after the run: %+v, %v", id, cs, err)
	}
}

// TestCompareNotes: a mapped notes field cannot be compared from the list,
// so without --compare-notes it is sent again and said to be "not compared";
// with it, each matched client is read once and unchanged notes cost no write.
func TestCompareNotes(t *testing.T) {
	cfg := sandbox.Config{Seed: 11, Clients: 10}
	_, api := newAPI(t, cfg, 0, 0)
	cs, err := api.GetCrmClients(context.Background(), 1, baselinker.Filters{})
	if err != nil {
		t.Fatal(err)
	}
	var withNotes []baselinker.Client // clients with notes and an email
	for _, c := range cs {
		full, err := api.GetCrmClientData(context.Background(), int64(c.CrmClientID), false)
		if err != nil {
			t.Fatal(err)
		}
		if full.Notes != "" && c.Email != "" {
			withNotes = append(withNotes, full)
		}
	}
	if len(withNotes) < 2 {
		t.Fatalf("the seed has %d clients with notes, want 2", len(withNotes))
	}
	cs = withNotes
	var b strings.Builder
	cw := csv.NewWriter(&b)
	_ = cw.WriteAll([][]string{{"email", "notes"}, {cs[0].Email, cs[0].Notes}, {cs[1].Email, "Nowa notatka"}})
	in := writeFile(t, t.TempDir(), "in.csv", b.String())

	for _, compare := range []bool{false, true} {
		t.Run(fmt.Sprint("compare=", compare), func(t *testing.T) {
			srv, api := newAPI(t, cfg, 0, 0)
			sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, CompareNotes: compare, Report: t.TempDir() + "/r.csv"})
			if err != nil {
				t.Fatal(err)
			}
			r := byRow(t, readReport(t, sum.Report))
			st := srv.Stats()
			if !compare {
				for _, row := range []string{"2", "3"} {
					if r[row]["status"] != "updated" || !strings.HasPrefix(r[row]["changes"], "notes: not compared (no read) → ") {
						t.Errorf("row %s: %q %q, want updated with notes not compared", row, r[row]["status"], r[row]["changes"])
					}
				}
				if st.ByMethod["addCrmClient"] != 2 || st.ByMethod["getCrmClientData"] != 0 {
					t.Errorf("requests %v, want 2 writes and no read", st.ByMethod)
				}
				return
			}
			if r["2"]["status"] != "unchanged" {
				t.Errorf("row 2 (notes as held): %q %q, want unchanged", r["2"]["status"], r["2"]["changes"])
			}
			if want := fmt.Sprintf("notes: %q → %q", cs[1].Notes, "Nowa notatka"); r["3"]["status"] != "updated" || !strings.HasPrefix(r["3"]["changes"], "notes: ") || strings.Contains(r["3"]["changes"], "not compared") {
				t.Errorf("row 3: %q %q, want updated like %s", r["3"]["status"], r["3"]["changes"], want)
			}
			if st.ByMethod["addCrmClient"] != 1 || st.ByMethod["getCrmClientData"] != 2 {
				t.Errorf("requests %v, want 2 reads and 1 write", st.ByMethod)
			}
		})
	}
}

// TestXLSXReportColumnsPerField: an XLSX report has the report's columns,
// then a "before" and an "after" column for every field a row changed, on
// a sheet named Report; its CSV record is gone once it is rendered.
func TestXLSXReportColumnsPerField(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 7, Clients: 30}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", planInput(t, api))
	report := filepath.Join(dir, "r.xlsx")
	if _, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Report: report}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(events.RecordPath(report)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record is left: %v", err)
	}
	f, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Report" {
		t.Errorf("sheets %q, want [Report]", got)
	}
	rows, err := f.GetRows("Report")
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	want := append(events.Columns(), "star before", "star after", "phone before", "phone after",
		"email before", "email after", "invoice_city before", "invoice_city after")
	slices.Sort(want)
	got := slices.Sorted(slices.Values(head))
	if !slices.Equal(got, want) {
		t.Fatalf("header %q, want the columns %q", head, want)
	}
	col := func(name string) int { return slices.Index(head, name) }
	for _, r := range rows[1:] {
		if r[0] == "2" {
			if r[col("phone after")] != "+48 600 000 000" || r[col("invoice_city after")] != "Gdańsk" || r[col("phone before")] == "" {
				t.Errorf("row 2: %q", r)
			}
			return
		}
	}
	t.Error("no line for row 2")
}

// TestSummaryLogAttrs: the JSON summary line carries the counts by field,
// for creates and updates alike.
func TestSummaryLogAttrs(t *testing.T) {
	s := Summary{Counts: map[events.Status]int{events.StatusCreated: 2}, Fields: map[string]int{"phone": 1}, Created: map[string]int{"email": 2}}
	attrs := s.LogAttrs()
	got := map[string]any{}
	for i := 0; i+1 < len(attrs); i += 2 {
		got[attrs[i].(string)] = attrs[i+1]
	}
	if c, ok := got["fields_created"].(map[string]int); !ok || c["email"] != 2 {
		t.Errorf("fields_created = %v", got["fields_created"])
	}
	if u, ok := got["fields_updated"].(map[string]int); !ok || u["phone"] != 1 {
		t.Errorf("fields_updated = %v", got["fields_updated"])
	}
}
