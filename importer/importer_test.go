package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"golang.org/x/text/encoding/charmap"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

func TestCreateThenUpdateByID(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 1}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf(
		"email,invoice_fullname,invoice_country_code",
		"a@example.com,Anna A,PL",
		"",
		"b@example.com,Bob B,de",
	))
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[events.StatusCreated] != 2 || sum.Rows != 2 {
		t.Fatalf("summary %+v", sum)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if lines["2"]["status"] != "created" || lines["4"]["status"] != "created" || lines["3"] != nil {
		t.Fatalf("report %v", lines)
	}
	if got := len(srv.Clients()); got != 2 {
		t.Fatalf("%d clients in the sandbox, want 2", got)
	}
	id := lines["4"]["crm_client_id"]
	in2 := writeFile(t, dir, "in2.csv", csvOf("crm_client_id,invoice_city", id+",Berlin"))
	sum, err = Run(context.Background(), api, in2, Config{})
	if err != nil {
		t.Fatal(err)
	}
	l := byRow(t, readReport(t, sum.Report))["2"]
	if l["status"] != "updated" || l["crm_client_id"] != id {
		t.Fatalf("line %v", l)
	}
	for _, c := range srv.Clients() {
		if c.Email == "b@example.com" && (c.InvoiceCity != "Berlin" || c.InvoiceCountryCode != "DE") {
			t.Fatalf("client %+v", c)
		}
	}
}

func mustAdd(t *testing.T, api API, values map[string]string) int64 {
	t.Helper()
	added, err := api.AddCrmClientResult(context.Background(), baselinker.ClientFields{Values: values})
	if err != nil {
		t.Fatal(err)
	}
	return added.ID
}

func TestMatchBy(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 2, Clients: 150}, 0, 0)
	known := mustAdd(t, api, map[string]string{"email": "Known@Example.com", "invoice_city": "Gdańsk", "invoice_tax_id": "PL 123-456"})
	dup1 := mustAdd(t, api, map[string]string{"email": "twin@example.com"})
	dup2 := mustAdd(t, api, map[string]string{"email": "TWIN@example.com"})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf(
		"email,invoice_city,invoice_tax_id",
		"Known@Example.com,Gdańsk,PL-123 456", // row 2: same values in canonical form → unchanged
		"known@example.com,Sopot,",            // row 3: update of the match
		"twin@example.com,Oslo,",              // row 4: two clients have the key → ambiguous
		"new@example.com,Kraków,",             // row 5: no match → create
		"NEW@example.com,Poznań,",             // row 6: same key as row 5 → updates what row 5 created
		"new@example.com,Łódź,",               // row 7: and again, in file order
	))
	before := srv.Stats()
	sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	want := map[string]string{"2": "unchanged", "3": "updated", "4": "failed", "5": "created", "6": "updated", "7": "updated"}
	for row, st := range want {
		if lines[row]["status"] != st {
			t.Errorf("row %s: %s (%s), want %s", row, lines[row]["status"], lines[row]["error_message"], st)
		}
	}
	if lines["2"]["crm_client_id"] != fmt.Sprint(known) || lines["3"]["crm_client_id"] != fmt.Sprint(known) {
		t.Errorf("rows 2, 3 matched %s, %s; want %d", lines["2"]["crm_client_id"], lines["3"]["crm_client_id"], known)
	}
	if lines["4"]["error_code"] != CodeAmbiguous || !strings.Contains(lines["4"]["error_message"], fmt.Sprintf("%d, %d", dup1, dup2)) {
		t.Errorf("row 4: %v", lines["4"])
	}
	if lines["6"]["crm_client_id"] != lines["5"]["crm_client_id"] || lines["7"]["crm_client_id"] != lines["5"]["crm_client_id"] {
		t.Errorf("rows 5–7 hit different clients: %s %s %s", lines["5"]["crm_client_id"], lines["6"]["crm_client_id"], lines["7"]["crm_client_id"])
	}
	after := srv.Stats()
	// 2 index pages (153 clients) + 1 create + 3 updates; row 2 (unchanged) and row 4 (ambiguous) cost nothing.
	if got := after.Requests - before.Requests; got != 6 || sum.Requests != 6 {
		t.Errorf("%d requests (importer counted %d), want 6", got, sum.Requests)
	}
	id, _ := strconv.ParseInt(lines["5"]["crm_client_id"], 10, 64)
	c, ok := srv.Client(id)
	if !ok || c.InvoiceCity != "Łódź" {
		t.Errorf("client %d = %+v, want the last row's city", id, c)
	}
	if c, _ := srv.Client(known); c.InvoiceCity != "Sopot" || c.InvoiceTaxID != "PL123456" {
		t.Errorf("known client = %+v", c)
	}
}

func TestInvalidRowsSendNothing(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 3}, 0, 0)
	dir := t.TempDir()
	m, err := mapping.Parse("map.yaml", []byte(`columns:
  crm_client_id: ID
  email: E-mail
  star: Gwiazdki
  status_id: Status
  invoice_postcode: Kod
  invoice_country_code: Kraj
`))
	if err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, dir, "in.csv", csvOf(
		"ID,E-mail,Gwiazdki,Status,Kod,Kraj",
		"x1,a@example.com,,,,",                    // 2: crm_client_id not a number (mapping)
		",b@example.com,7,,,",                     // 3: star out of range
		",c@example.com,,abc,,",                   // 4: status_id not an integer
		",d@example.com,,,123456789012345678901,", // 5: postcode too long
		",e@example.com,,,,XK",                    // 6: country code not assigned
		",not-an-email,2,,00-950,pl",              // 7: email warning only: sent
		",f@example.com,,-1,,XX",                  // 8: two problems at once
	)+"")
	sum, err := Run(context.Background(), api, in, Config{Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	tests := []struct {
		row, status, column string
		msg                 []string
	}{
		{"2", "invalid", "ID", []string{`row 2, column "ID" (crm_client_id), value "x1"`}},
		{"3", "invalid", "Gwiazdki", []string{`column "Gwiazdki" (star)`, "range", "0 to 5"}},
		{"4", "invalid", "Status", []string{`(status_id), value "abc": integer`}},
		{"5", "invalid", "Kod", []string{"max_length", "at most 20"}},
		{"6", "invalid", "Kraj", []string{"country_code", "user-assigned"}},
		{"7", "created", "", nil},
		{"8", "invalid", "Status; Kraj", []string{"range", "country_code"}},
	}
	for _, tt := range tests {
		l := lines[tt.row]
		if l["status"] != tt.status || l["column"] != tt.column {
			t.Errorf("row %s: status %q column %q, want %q %q (%s)", tt.row, l["status"], l["column"], tt.status, tt.column, l["error_message"])
		}
		for _, s := range tt.msg {
			if !strings.Contains(l["error_message"], s) {
				t.Errorf("row %s: message lacks %q: %s", tt.row, s, l["error_message"])
			}
		}
	}
	if !strings.Contains(lines["7"]["warnings"], "does not look like an email") {
		t.Errorf("row 7 warnings: %q", lines["7"]["warnings"])
	}
	// The mapping maps crm_client_id, so the plan reads the account's
	// clients once (one page) to compare rows keyed by it; row 4's status
	// "abc" could be a status's name, so the statuses are read once too.
	if st := srv.Stats(); st.Creates != 1 || st.Requests != 3 || st.ByMethod["getCrmClients"] != 1 || st.ByMethod["getCrmClientStatuses"] != 1 {
		t.Errorf("sandbox stats %+v: want one page and the statuses read and the one valid row sent", st)
	}
	if !strings.Contains(lines["4"]["warnings"], `"abc" is not a client status of the account`) {
		t.Errorf("row 4 warnings: %q", lines["4"]["warnings"])
	}
	if sum.Problems() != 6 {
		t.Errorf("Problems() = %d, want 6", sum.Problems())
	}
}

// TestRaggedFileIsBadInput: a row with more cells than the header means the
// file is not what the mapping expects (a wrong delimiter, a shifted
// column): the whole import is refused before the first request, in a real
// run and in a dry run alike.
func TestRaggedFileIsBadInput(t *testing.T) {
	for _, dry := range []bool{false, true} {
		srv, api := newAPI(t, sandbox.Config{Seed: 4, Clients: 3}, 0, 0)
		in := writeFile(t, t.TempDir(), "in.csv", csvOf(
			"email,invoice_city",
			"a@example.com,Gdynia",
			"b@example.com,Gdańsk,extra",
			"c@example.com,Sopot",
		))
		_, err := Run(context.Background(), api, in, Config{DryRun: dry, MatchBy: []string{"email"}})
		if !errors.Is(err, events.ErrBadInput) {
			t.Fatalf("dry run %v: err = %v, want ErrBadInput", dry, err)
		}
		for _, s := range []string{"in.csv", "row 3", "column 3"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("dry run %v: error does not name %q: %v", dry, s, err)
			}
		}
		if n := srv.Stats().ByMethod["addCrmClient"]; n != 0 {
			t.Errorf("dry run %v: %d writes sent for a ragged file", dry, n)
		}
	}
}

func TestDryRunSendsNoWrite(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 4, Clients: 30}, 0, 0)
	existing := srv.Clients()[0]
	in := writeFile(t, t.TempDir(), "in.csv", csvOf(
		"email,invoice_city",
		existing.Email+","+existing.InvoiceCity, // unchanged
		existing.Email+",Elsewhere",             // updated
		"fresh@example.com,Gdynia",              // created
		"FRESH@example.com,Gdańsk",              // updated (the would-be client of row 4)
	))
	sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	for row, st := range map[string]string{"2": "unchanged", "3": "updated", "4": "created", "5": "updated"} {
		if lines[row]["status"] != st || lines[row]["note"] != events.DryRunNote {
			t.Errorf("row %s: %v, want %s (dry run)", row, lines[row], st)
		}
	}
	st := srv.Stats()
	if st.Creates+st.Updates != 0 || st.ByMethod["addCrmClient"] != 0 || st.ByMethod["getCrmClients"] != 1 {
		t.Errorf("dry run sent writes: %+v", st)
	}
	if _, err := os.Stat(sum.Report + ".journal"); !os.IsNotExist(err) {
		t.Errorf("dry run left a journal: %v", err)
	}
}

// TestBindTellsLooseMatchesAndUnusedColumns: what docs/mapping.md promises
// to say reaches the log — a header matched ignoring case, and columns no
// field reads.
func TestBindTellsLooseMatchesAndUnusedColumns(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "E-MAIL,Colour\na@example.org,red\n")
	m, err := mapping.Parse("map.yaml", []byte("columns:\n  email: \"e-mail\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := Run(context.Background(), nil, in, Config{Mapping: m, DryRun: true, Logger: slog.New(slog.NewTextHandler(&log, nil))}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ignoring case", "columns=Colour"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestMappingSourceAndMatchByApply: a library caller gets the mapping's
// source: settings and match_by without repeating them as options.
func TestMappingSourceAndMatchByApply(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 3}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "Mail;Name\na@example.org;Ann\n")
	m, err := mapping.Parse("map.yaml", []byte("source:\n  delimiter: \";\"\nmatch_by: email\ncolumns:\n  email: Mail\n  invoice_fullname: Name\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []events.Status{events.StatusCreated, events.StatusUnchanged} {
		sum, err := Run(context.Background(), api, in, Config{Mapping: m, Report: filepath.Join(dir, fmt.Sprint(i, ".csv"))})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Counts[want] != 1 {
			t.Errorf("run %d: %v, want 1 %s (the ; delimiter and match_by from the mapping)", i+1, sum.Counts, want)
		}
	}
	assertNoDuplicates(t, srv)
}

// TestDetectedCodePageIsSaid: a CSV in windows-1250 without --encoding is
// read right, and the log, the summary and its text say how it was read.
func TestDetectedCodePageIsSaid(t *testing.T) {
	dir := t.TempDir()
	cp1250, err := charmap.Windows1250.NewEncoder().String("email;invoice_fullname;invoice_city\nl@example.org;Łukasz Wąsik;Łódź\n")
	if err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, dir, "klienci.csv", cp1250)
	var log bytes.Buffer
	sum, err := Run(context.Background(), nil, in, Config{DryRun: true, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Encoding != "windows-1250" || !strings.Contains(sum.String(), "read as windows-1250") {
		t.Errorf("summary encoding %q, text:\n%s", sum.Encoding, sum)
	}
	if !strings.Contains(log.String(), "encoding=windows-1250") {
		t.Errorf("the log does not say the code page:\n%s", log.String())
	}
	if got := byRow(t, readReport(t, sum.Report))["2"]["changes"]; !strings.Contains(got, `"Łukasz Wąsik"`) || !strings.Contains(got, `"Łódź"`) {
		t.Errorf("row 2 plans %s", got)
	}
}

// TestRerunGuard: a second real run of a file without a match key, over
// the report of a run that created clients, stops before sending anything
// and says when, how many and what to do; --again, --match-by and a dry run
// go on.
func TestRerunGuard(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 41}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("g", 6))
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil || sum.Counts[events.StatusCreated] != 6 {
		t.Fatalf("first run: %v, %v", sum.Counts, err)
	}
	before := srv.Stats().Requests
	_, err = Run(context.Background(), api, in, Config{})
	if !errors.Is(err, events.ErrBadInput) {
		t.Fatalf("second run: err = %v, want ErrBadInput", err)
	}
	for _, want := range []string{"creating 6 clients", "--resume " + sum.Report, "--match-by", "--again", "nothing was sent"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q: %v", want, err)
		}
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the refused run sent %d requests", n)
	}
	// A dry run and --match-by go on (the match key finds the clients).
	if _, err := Run(context.Background(), api, in, Config{DryRun: true}); err != nil {
		t.Errorf("dry run: %v", err)
	}
	sum2, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}})
	if err != nil || sum2.Counts[events.StatusUnchanged] != 6 {
		t.Errorf("--match-by: %v, %v; want 6 unchanged", sum2.Counts, err)
	}
	// That report holds no creates: a run without a key may go on, and
	// creates them again — so write it back to the first run's.
	sum3, err := Run(context.Background(), api, in, Config{Again: true})
	if err != nil || sum3.Counts[events.StatusCreated] != 6 || srv.Stats().Creates != 12 {
		t.Errorf("--again: %v, %v, %d creates; want 6 more", sum3.Counts, err, srv.Stats().Creates)
	}
	// A changed file is another input: no guard.
	other := writeFile(t, dir, "in.csv", genRows("h", 2))
	if _, err := Run(context.Background(), api, other, Config{}); err != nil {
		t.Errorf("another file over the same report: %v", err)
	}
}

// TestRerunGuardAfterACrash: the report of a run that was killed (its
// journal is still there) stops a fresh run too, and says so.
func TestRerunGuardAfterACrash(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 42}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("k", 4))
	sum, err := Run(context.Background(), api, in, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sum.Report+".journal", []byte{}, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), api, in, Config{})
	if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "stopped before it ended") {
		t.Fatalf("err = %v, want the guard to say the run was stopped", err)
	}
}

// TestMatchByKeysInOrder: with match_by [email, invoice_tax_id] a row
// without an email finds its client by tax ID; a row with neither is a
// create with a warning, counted in the summary.
func TestMatchByKeysInOrder(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 43}, 0, 0)
	dir := t.TempDir()
	first := writeFile(t, dir, "first.csv", "email,invoice_tax_id,invoice_city\n"+
		"a@example.org,PL5260250995,Gdańsk\nb@example.org,PL7740001454,Płock\n")
	if _, err := Run(context.Background(), api, first, Config{MatchBy: []string{"email"}}); err != nil {
		t.Fatal(err)
	}
	second := writeFile(t, dir, "second.csv", "email,invoice_tax_id,invoice_city\n"+
		"a@example.org,,Sopot\n"+ // by email
		",PL7740001454,Radom\n"+ // no email: by tax ID
		",,Kielce\n") // neither: created, and said
	sum, err := Run(context.Background(), api, second, Config{MatchBy: []string{"email", "invoice_tax_id"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	for row, want := range map[string][2]string{
		"2": {"updated", "email:a@example.org"},
		"3": {"updated", "invoice_tax_id:7740001454"}, // the key without its country prefix
		"4": {"created", ""},
	} {
		if l := lines[row]; l["status"] != want[0] || l["match_key"] != want[1] {
			t.Errorf("row %s: %s by %q, want %s by %q", row, l["status"], l["match_key"], want[0], want[1])
		}
	}
	if w := lines["4"]["warnings"]; !strings.Contains(w, "no email or invoice_tax_id: a re-run creates this client again") {
		t.Errorf("row 4 warnings %q", w)
	}
	if sum.Unkeyed != 1 || !strings.Contains(sum.String(), "1 rows were created without a match key") {
		t.Errorf("summary: Unkeyed %d\n%s", sum.Unkeyed, sum)
	}
	if n := len(srv.Clients()); n != 3 {
		t.Errorf("%d clients, want 3 (two matched, one new)", n)
	}
	assertNoDuplicates(t, srv)
}

// TestRowsOfOneClientDisagree: rows that share a match key and disagree
// are applied in file order, each with a warning naming the other rows and
// the fields in dispute; rows that repeat each other get none.
func TestRowsOfOneClientDisagree(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 44}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "email,invoice_city,phone\n"+
		"a@example.org,Gdańsk,111\n"+
		"b@example.org,Łódź,222\n"+
		"A@example.org,Sopot,111\n"+ // a's second row: the city differs
		"b@example.org,Łódź,222\n") // b repeated: no dispute
	sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	want := `row 4 shares email:a@example.org with this row, disagreeing on invoice_city (row 2 "Gdańsk", row 4 "Sopot")`
	if w := lines["2"]["warnings"]; !strings.Contains(w, want) {
		t.Errorf("row 2 warnings %q, want %q", w, want)
	}
	if w := lines["4"]["warnings"]; !strings.Contains(w, "row 2 shares email:a@example.org") {
		t.Errorf("row 4 warnings %q", w)
	}
	for _, row := range []string{"3", "5"} {
		if w := lines[row]["warnings"]; w != "" {
			t.Errorf("row %s (a repeat) warned: %q", row, w)
		}
	}
	if lines["4"]["status"] != "updated" || !strings.Contains(lines["4"]["changes"], `"Gdańsk" → "Sopot"`) {
		t.Errorf("row 4: %s %s; want the later row applied", lines["4"]["status"], lines["4"]["changes"])
	}
	if sum.Disputed != 2 || !strings.Contains(sum.String(), "2 rows share a match key with rows that disagree") {
		t.Errorf("summary: Disputed %d\n%s", sum.Disputed, sum)
	}
}

// TestNoHeaderAndExtension: a CSV without a header row is read through a
// mapping that names columns by letter and number (row 1 is data), and a
// dropped phone extension is said in the warnings and the summary.
func TestNoHeaderAndExtension(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "Jan;Kowalski;jan@example.org;22 123 45 67 wew. 15\nEwa;Nowak;ewa@example.org;601 234 567\n")
	m, err := mapping.Parse("m.yaml", []byte("source: { header_row: 0 }\ncolumns:\n  email: C\n  invoice_fullname: { template: \"{A} {B}\" }\n  phone: { column: 4, transform: digits_plus, extension: drop }\n"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), nil, in, Config{Mapping: m, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if l := lines["1"]; !strings.Contains(l["changes"], `phone: "221234567"`) || !strings.Contains(l["changes"], `invoice_fullname: "Jan Kowalski"`) ||
		!strings.Contains(l["warnings"], `phone extension dropped (extension: drop): "wew. 15"`) {
		t.Errorf("row 1: %q / %q", l["changes"], l["warnings"])
	}
	if sum.Rows != 2 || sum.Adjusted["phone extension dropped"] != 1 {
		t.Errorf("rows %d, adjusted %v", sum.Rows, sum.Adjusted)
	}
}

// TestSplitSaysWhatItLeavesOut: of a cell of several values (Google's
// " ::: "), the ones not taken are said in the warnings and the summary.
func TestSplitSaysWhatItLeavesOut(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "E-mail 1 - Value,Phone 1 - Value\njan@example.org,+48 601 234 567 ::: +48 22 123 45 67\newa@example.org,601 234 567\n")
	m, err := mapping.Parse("m.yaml", []byte("columns:\n  email: E-mail 1 - Value\n  phone: { column: Phone 1 - Value, split: \" ::: \", transform: digits_plus }\n"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), nil, in, Config{Mapping: m, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if l := lines["2"]; !strings.Contains(l["changes"], `phone: "+48601234567"`) ||
		!strings.Contains(l["warnings"], `other values of the cell not sent (split: " ::: "): "+48 22 123 45 67"`) {
		t.Errorf("row 2: %q / %q", l["changes"], l["warnings"])
	}
	if w := lines["3"]["warnings"]; w != "" {
		t.Errorf("row 3 (one value) warned: %q", w)
	}
	if sum.Adjusted["other values of a cell not sent"] != 1 || !strings.Contains(sum.String(), "other values of a cell not sent 1") {
		t.Errorf("adjusted %v\n%s", sum.Adjusted, sum)
	}
}

// TestTwoKeysOneClient: a row whose email and tax ID both find one client
// is applied (it once waited for itself).
func TestTwoKeysOneClient(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 45}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "email,invoice_tax_id,invoice_city\na@example.org,PL5260250995,Gdańsk\n")
	keys := Config{MatchBy: []string{"email", "invoice_tax_id"}}
	if _, err := Run(context.Background(), api, in, keys); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sum, err := Run(ctx, api, in, keys)
	if err != nil || sum.Counts[events.StatusUnchanged] != 1 {
		t.Fatalf("second run: %v, %v; want the row unchanged", sum.Counts, err)
	}
}
