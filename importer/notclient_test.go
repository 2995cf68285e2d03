package importer

import (
	"context"
	"strings"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

func TestIsTotalLabel(t *testing.T) {
	tests := []struct {
		cell string
		want bool
	}{
		{"Razem: 40 klientów", true},
		{"RAZEM", true},
		{"  Suma ", true},
		{"Łącznie:", true},
		{"Total", true},
		{"Grand Total: 1 234,50", true},
		{"Sum 40", true},
		{"Summe", true},
		{"Gesamt — 12", true},
		{"Celkem", true},
		{"Spolu:", true},
		{"Итого", true},
		{"Всего: 5", true},
		{"Összesen", true},
		{"Totaal", true},
		{"Totale", true},
		{"ＴＯＴＡＬ", true}, // full-width
		{"Total Energies", false},
		{"Summe der Umsätze", false},
		{"Summer Shop", false},
		{"Totalny Sklep", false},
		{"Sumatra", false},
		{"Jan Razemski", false},
		{"40", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isTotalLabel(tt.cell); got != tt.want {
			t.Errorf("isTotalLabel(%q) = %v, want %v", tt.cell, got, tt.want)
		}
	}
}

// TestNoClientFromNothing: a row whose mapped fields are all empty, and a
// spreadsheet's total line, are skipped with their reason and never
// created; a row that repeats an earlier one without a key is planned
// once. None of them makes the run fail.
func TestNoClientFromNothing(t *testing.T) {
	in := csvOf("email,invoice_fullname,star,Label",
		"a@example.org,Anna,3,",            // 2
		",,,only in a column nothing maps", // 3: empty
		"b@example.org,Bob,2,",             // 4
		"b@example.org,Bob,2,",             // 5: same as row 4
		" B@EXAMPLE.ORG\u200b,Bob,2,",      // 6: the same by the identity rule
		",,40,Razem: 40 klientów",          // 7: a total line (its star would be invalid)
		",Total Energies,,",                // 8: a company, not a label
		",Suma,12,",                        // 9: the label in a name column
		"c@example.org,Razem,1,",           // 10: an email: someone
		"b@example.org,Bob,3,")             // 11: differs from row 4
	tests := []struct {
		name    string
		matchBy []string
		want    map[string]string // row → status:code
		clients int
	}{
		{"no key", nil, map[string]string{
			"2": "created:", "3": "skipped:EMPTY_ROW", "4": "created:", "5": "skipped:SAME_AS_ROW", "6": "skipped:SAME_AS_ROW",
			"7": "skipped:TOTAL_ROW", "8": "created:", "9": "skipped:TOTAL_ROW", "10": "created:", "11": "created:"}, 5},
		{"by email", []string{"email"}, map[string]string{
			"2": "created:", "3": "skipped:EMPTY_ROW", "4": "created:", "5": "unchanged:", "6": "updated:", // the email's case
			"7": "skipped:TOTAL_ROW", "8": "created:", "9": "skipped:TOTAL_ROW", "10": "created:", "11": "updated:"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 5}, 0, 0)
			p := writeFile(t, t.TempDir(), "in.csv", in)
			sum, err := Run(context.Background(), api, p, Config{MatchBy: tt.matchBy})
			if err != nil {
				t.Fatal(err)
			}
			lines := byRow(t, readReport(t, sum.Report))
			for row, want := range tt.want {
				l := lines[row]
				if got := l["status"] + ":" + l["error_code"]; got != want {
					t.Errorf("row %s: %s (%s), want %s", row, got, l["error_message"], want)
				}
			}
			if m := lines["5"]["error_message"]; tt.matchBy == nil && !strings.Contains(m, "same as row 4") {
				t.Errorf("row 5 does not point to row 4: %q", m)
			}
			if m := lines["7"]["error_message"]; !strings.Contains(m, `column "Label"`) || !strings.Contains(m, "Razem: 40 klientów") {
				t.Errorf("row 7 does not name the label and its column: %q", m)
			}
			if n := len(srv.Clients()); n != tt.clients {
				t.Errorf("%d clients, want %d", n, tt.clients)
			}
			for _, c := range srv.Clients() {
				if c.Email == "" && c.InvoiceFullname != "Total Energies" {
					t.Errorf("client %d made from nothing: %+v", c.CrmClientID, c)
				}
			}
			if sum.Problems() != 0 || !strings.Contains(sum.String(), "skipped as no client: TOTAL_ROW") {
				t.Errorf("summary (problems %d):\n%s", sum.Problems(), sum)
			}
		})
	}
}

// TestFallbackNeverMergesTwoPeople: a later key of match_by matches only a
// row without the earlier keys' values, and never one whose email is not
// the found client's: that row is a conflict, nothing is sent, the company
// is untouched, and the summary counts it as a problem.
func TestFallbackNeverMergesTwoPeople(t *testing.T) {
	tests := []struct {
		name    string
		matchBy []string
		row     string // email,invoice_tax_id,invoice_fullname,login
		status  string
		named   []string // what the message names
	}{
		{"new email, company's tax ID", []string{"email", "invoice_tax_id"}, "jan@firma.pl,123-456-32-18,Jan Nowak,", "conflict",
			[]string{"jan@firma.pl", `"biuro@firma.pl"`, "client ", "1234563218"}},
		{"no email, company's tax ID", []string{"email", "invoice_tax_id"}, ",PL 1234563218,Firma Nowa,", "updated", nil},
		{"no login, another email", []string{"login", "invoice_tax_id"}, "jan@firma.pl,1234563218,Jan Nowak,", "conflict",
			[]string{"jan@firma.pl", `"biuro@firma.pl"`}},
		{"no login, the same email", []string{"login", "invoice_tax_id"}, "BIURO@firma.pl\u200b,1234563218,Firma Nowa,", "updated", nil},
		{"no login, no email", []string{"login", "invoice_tax_id"}, ",1234563218,Firma Nowa,", "updated", nil},
		{"new login, company's tax ID", []string{"login", "invoice_tax_id"}, ",1234563218,Firma Nowa,jn", "conflict",
			[]string{`login "jn" finds no client`, "client "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 7}, 0, 0)
			dir := t.TempDir()
			seed := writeFile(t, dir, "seed.csv", csvOf("email,invoice_tax_id,invoice_fullname", "biuro@firma.pl,PL 123-456-32-18,Firma"))
			if _, err := Run(context.Background(), api, seed, Config{MatchBy: []string{"email"}}); err != nil {
				t.Fatal(err)
			}
			p := writeFile(t, dir, "in.csv", csvOf("email,invoice_tax_id,invoice_fullname,login", tt.row))
			sum, err := Run(context.Background(), api, p, Config{MatchBy: tt.matchBy})
			if err != nil {
				t.Fatal(err)
			}
			l := byRow(t, readReport(t, sum.Report))["2"]
			if l["status"] != tt.status {
				t.Fatalf("%s (%s), want %s", l["status"], l["error_message"], tt.status)
			}
			cs := srv.Clients()
			if len(cs) != 1 {
				t.Errorf("%d clients, want the company alone", len(cs))
			}
			if tt.status != "conflict" {
				return
			}
			for _, s := range tt.named {
				if !strings.Contains(l["error_message"], s) {
					t.Errorf("the message does not name %s: %q", s, l["error_message"])
				}
			}
			if c := cs[0]; c.Email != "biuro@firma.pl" || c.InvoiceFullname != "Firma" || l["crm_client_id"] != "" || l["changes"] != "" || l["error_code"] != CodeKeyConflict {
				t.Errorf("the company was touched or the line claims a write: %+v / %v", c, l)
			}
			if sum.Counts[events.StatusConflict] != 1 || sum.Problems() != 1 || !strings.Contains(sum.String(), "1 in conflict (nothing sent): KEY_CONFLICT") {
				t.Errorf("summary:\n%s", sum)
			}
		})
	}
}

// TestLookAlikeEmailsMatch: an email spelled with invisible characters,
// other spaces, full-width forms or another case finds the client with the
// clean one, and the client's email stays clean; the cleaning is said.
func TestLookAlikeEmailsMatch(t *testing.T) {
	variants := []string{
		"jan.kowalski\u200b@example.com", "jan.ko\u200dwalski@example.com", "jan.kowal\u00adski@example.com",
		"\ufeffjan.kowalski@example.com", "\u00a0jan.kowalski@example.com\u00a0", "ｊａｎ.kowalski@example.com",
		"jan.kowalski＠example.com", "jan.kowalski@example.com  ", "JAN.KOWALSKI@example.com",
	}
	srv, api := newAPI(t, sandbox.Config{Seed: 9}, 0, 0)
	dir := t.TempDir()
	seed := writeFile(t, dir, "seed.csv", csvOf("email,invoice_fullname", "jan.kowalski@example.com,Jan"))
	if _, err := Run(context.Background(), api, seed, Config{MatchBy: []string{"email"}}); err != nil {
		t.Fatal(err)
	}
	for i, v := range variants {
		p := writeFile(t, dir, "in.csv", csvOf("email,invoice_fullname", v+",Jan"))
		sum, err := Run(context.Background(), api, p, Config{MatchBy: []string{"email"}})
		if err != nil {
			t.Fatal(err)
		}
		l := byRow(t, readReport(t, sum.Report))["2"]
		if l["status"] == "created" || len(srv.Clients()) != 1 {
			t.Errorf("variant %d %q: %s, %d clients", i, v, l["status"], len(srv.Clients()))
		}
		stored := srv.Clients()[0].Email
		if strings.ToLower(stored) != "jan.kowalski@example.com" {
			t.Errorf("variant %d %q: the client's email is now %q", i, v, stored)
		}
		invisible := strings.ContainsAny(v, "\u200b\u200d\u00ad\ufeffｊ＠")
		if got := strings.Contains(l["warnings"], "key_cleaned"); got != invisible {
			t.Errorf("variant %d %q: warned %v: %q", i, v, got, l["warnings"])
		}
		if got := sum.Adjusted[adjustKey] == 1; got != invisible {
			t.Errorf("variant %d %q: summary adjusted %v", i, v, sum.Adjusted)
		}
	}
}
