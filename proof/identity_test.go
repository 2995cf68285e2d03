package proof

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/validate"
)

// lookAlikes spell a clean email ("…é@proof.example") with one class of
// the characters people and programs leave in spreadsheets.
var lookAlikes = []struct {
	name  string
	spell func(clean string) string
}{
	{"clean", func(e string) string { return e }},
	{"zero-width space", func(e string) string { return strings.Replace(e, "@", "\u200b@", 1) }},
	{"zero-width joiner", func(e string) string { return e[:2] + "\u200d" + e[2:] }},
	{"zero-width non-joiner", func(e string) string { return e[:1] + "\u200c" + e[1:] }},
	{"word joiner", func(e string) string { return strings.Replace(e, "@", "@\u2060", 1) }},
	{"soft hyphen", func(e string) string { return e[:3] + "\u00ad" + e[3:] }},
	{"byte-order mark", func(e string) string { return "\ufeff" + e }},
	{"no-break spaces", func(e string) string { return "\u00a0" + e + "\u00a0\u202f" }},
	{"full-width letters", fullWidth},
	{"full-width at", func(e string) string { return strings.Replace(e, "@", "＠", 1) }},
	{"NFD accent", func(e string) string { return strings.Replace(e, "é", "e\u0301", 1) }},
	{"trailing spaces", func(e string) string { return e + "  \t" }},
	{"upper case", strings.ToUpper},
}

// fullWidth writes the ASCII letters and digits of s in their full-width forms.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r - '!' + '！'
		}
		return r
	}, s)
}

// lookAlikeInput is a CSV of one row per look-alike class: client i's
// email spelled with class (i+shift).
func lookAlikeInput(t *testing.T, dir, name string, shift int) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"email", "invoice_fullname"})
	for i := range lookAlikes {
		c := lookAlikes[(i+shift)%len(lookAlikes)]
		_ = w.Write([]string{c.spell(fmt.Sprintf("klient%02dé@proof.example", i)), fmt.Sprintf("Klient %d", i)})
	}
	w.Flush()
	writeFile(t, dir, name, b.String())
}

// TestLookAlikeEmails (issue 19, item 3): each client's email is written
// with a class of look-alike characters in a first run and another in a
// second; the second run makes no new client, and every stored email is
// the clean one, never the raw value.
func TestLookAlikeEmails(t *testing.T) {
	srv, url, dir := emptyAccount(t)
	n := len(lookAlikes)
	for run, shift := range []int{0, 1, 5} {
		name := fmt.Sprintf("run%d.csv", run)
		lookAlikeInput(t, dir, name, shift)
		res := runBin(t, dir, url, "import", name, "--match-by", "email", "--rate", crashRate, "--no-progress")
		if res.code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, res.code, res.stderr)
		}
		created := 0
		for _, l := range readReport(t, filepath.Join(dir, fmt.Sprintf("run%d.report.csv", run))) {
			if l["status"] == "created" {
				created++
			}
		}
		if want := map[bool]int{true: n, false: 0}[run == 0]; created != want {
			t.Errorf("run %d created %d clients, want %d", run, created, want)
		}
		cs := srv.Clients()
		if len(cs) != n {
			t.Errorf("run %d: %d clients, want %d", run, len(cs), n)
		}
		for _, c := range cs {
			if validate.CleanKey(c.Email) != c.Email || strings.ContainsAny(c.Email, "\u200b\u200c\u200d\u2060\u00ad\ufeff\u00a0＠\u0301") {
				t.Errorf("run %d: client %d holds the raw email %q", run, c.CrmClientID, c.Email)
			}
		}
		t.Logf("run %d: %d created, %d clients\n%s", run, created, len(cs), res.stderr)
	}
	if k := len(byEmail(t, srv.Clients())); k != n {
		t.Errorf("%d distinct emails, want %d", k, n)
	}
}

// TestTaxIDFallbackConflict (issue 19, item 4): with match_by email then
// invoice_tax_id, a contact person's row with a new email and the
// company's tax ID is a conflict naming both: nothing is sent, the company
// is untouched, the exit code says so, and the report undoes cleanly.
func TestTaxIDFallbackConflict(t *testing.T) {
	srv, url, dir := emptyAccount(t)
	writeFile(t, dir, "company.csv", "email,invoice_tax_id,invoice_fullname,invoice_company\nbiuro@firma.example,PL 123-456-32-18,Biuro,Firma Sp. z o.o.\n")
	if res := runBin(t, dir, url, "import", "company.csv", "--match-by", "email", "--rate", crashRate, "--no-progress"); res.code != 0 {
		t.Fatalf("seed: exit %d\n%s", res.code, res.stderr)
	}
	before := srv.Clients()
	writeFile(t, dir, "contacts.csv", "email,invoice_tax_id,invoice_fullname,invoice_company\n"+
		"jan@firma.example,1234563218,Jan Nowak,Firma Sp. z o.o.\n"+ // a new email, the company's tax ID
		",PL1234563218,,Firma S.A.\n") // no email: the tax ID finds the company
	res := runBin(t, dir, url, "import", "contacts.csv", "--match-by", "email,invoice_tax_id", "--report", "r.csv", "--rate", crashRate, "--no-progress")
	if res.code != 1 {
		t.Errorf("exit %d, want 1 (a row in conflict)\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "conflict 1") || !strings.Contains(res.stderr, "in conflict (nothing sent)") {
		t.Errorf("the summary does not count the conflict:\n%s", res.stderr)
	}
	lines := readReport(t, filepath.Join(dir, "r.csv"))
	if len(lines) != 2 || lines[0]["status"] != "conflict" || lines[1]["status"] != "updated" {
		t.Fatalf("report: %v", lines)
	}
	id := fmt.Sprint(before[0].CrmClientID)
	for _, s := range []string{"jan@firma.example", `"biuro@firma.example"`, "client " + id, "1234563218"} {
		if !strings.Contains(lines[0]["error_message"], s) {
			t.Errorf("the conflict does not name %s: %q", s, lines[0]["error_message"])
		}
	}
	after := srv.Clients()
	if len(after) != 1 || after[0].Email != "biuro@firma.example" || after[0].InvoiceFullname != "Biuro" {
		t.Errorf("the company was touched by the contact's row: %+v", after)
	}
	if after[0].InvoiceCompany != "Firma S.A." {
		t.Errorf("the row without an email did not update the company by its tax ID: %+v", after[0])
	}
	// Undo restores the company and leaves the conflict line alone.
	if res := runBin(t, dir, url, "undo", "r.csv", "--yes", "--rate", crashRate, "--no-progress"); res.code != 0 {
		t.Errorf("undo: exit %d\n%s", res.code, res.stderr)
	}
	if cs := srv.Clients(); len(cs) != 1 || cs[0].InvoiceCompany != "Firma Sp. z o.o." {
		t.Errorf("after the undo: %+v", cs)
	}
}

// TestNoClientFromNothing (issue 19, item 5): a sheet that ends in a total
// row ("Razem: 40 klientów" in a column nothing maps, a sum in a mapped
// one) and repeats rows exactly, imported without a key: the total row is
// skipped and named, each repeated row makes one client, and the report
// undoes cleanly.
func TestNoClientFromNothing(t *testing.T) {
	srv, url, dir := emptyAccount(t)
	writeFile(t, dir, "m.yaml", "columns:\n  email: E-mail\n  invoice_fullname: Name\n  star: Stars\n")
	writeFile(t, dir, "sheet.csv", "E-mail,Name,Stars,Uwagi\n"+
		"anna@proof.example,Anna,3,\n"+
		"bob@proof.example,Bob,2,\n"+
		"anna@proof.example,Anna,3,\n"+ // the same as row 2
		",,,\n"+ // blank: no line at all
		"bob@proof.example,Bob,2,\n"+ // the same as row 3
		",,5,Razem: 40 klientów\n") // the total
	res := runBin(t, dir, url, "import", "sheet.csv", "--mapping", "m.yaml", "--report", "r.csv", "--rate", crashRate, "--no-progress")
	if res.code != 0 {
		t.Errorf("exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "skipped as no client: TOTAL_ROW") || !strings.Contains(res.stderr, "skipped as no client: SAME_AS_ROW") {
		t.Errorf("the summary does not say what was skipped:\n%s", res.stderr)
	}
	want := map[string]string{"2": "created", "3": "created", "4": "skipped SAME_AS_ROW", "6": "skipped SAME_AS_ROW", "7": "skipped TOTAL_ROW"}
	lines := readReport(t, filepath.Join(dir, "r.csv"))
	for _, l := range lines {
		got := strings.TrimSpace(l["status"] + " " + l["error_code"])
		if got != want[l["row"]] {
			t.Errorf("row %s: %s (%s), want %s", l["row"], got, l["error_message"], want[l["row"]])
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d report lines, want %d", len(lines), len(want))
	}
	if cs := srv.Clients(); len(cs) != 2 {
		t.Errorf("%d clients, want 2: %+v", len(cs), cs)
	}
	if res := runBin(t, dir, url, "undo", "r.csv", "--yes", "--rate", crashRate, "--no-progress"); res.code != 0 {
		t.Errorf("undo: exit %d\n%s", res.code, res.stderr)
	}
	if cs := srv.Clients(); len(cs) != 0 {
		t.Errorf("after the undo: %d clients", len(cs))
	}
}

// emptyAccount starts a sandbox with no client and a folder to run in;
// the test is skipped in -short mode (it runs the binary).
func emptyAccount(t *testing.T) (*sandbox.Server, string, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary")
	}
	srv, url := sandboxtest.New(t, sandbox.Config{})
	return srv, url, t.TempDir()
}
