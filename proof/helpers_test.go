package proof

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/validate"
)

// long reports whether the long form was asked for (CRMBULK_LONG=1).
func long() bool { return os.Getenv("CRMBULK_LONG") == "1" }

// pick returns short or, in the long form, long.
func pick[T any](short, longForm T) T {
	if long() {
		return longForm
	}
	return short
}

// binary is the crmbulk command built once per test binary.
type binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// crmbulkBin is written once (by binary.get) and only read after: the one
// piece of state the tests share, so the command is compiled once.
var crmbulkBin binary

func TestMain(m *testing.M) {
	if out := os.Getenv(measureEnv); out != "" {
		os.Exit(measureChild(out, os.Args[1:]))
	}
	code := m.Run()
	if crmbulkBin.dir != "" {
		_ = os.RemoveAll(crmbulkBin.dir)
	}
	os.Exit(code)
}

// bin returns the path of a freshly built crmbulk binary.
func bin(t testing.TB) string {
	t.Helper()
	b := &crmbulkBin
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "crmbulk-proof-")
		if b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "crmbulk")
		cmd := exec.Command("go", "build", "-o", b.path, "github.com/crmbulk/crmbulk/cmd/crmbulk")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatalf("building crmbulk: %v", b.err)
	}
	return b.path
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// command prepares the binary with args against the sandbox at url.
func command(ctx context.Context, t testing.TB, dir, url string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"BASELINKER_TOKEN="+sandboxtest.DefaultToken,
		"BASELINKER_API_URL="+url,
		// The runs in one folder (a run and its resumes) share the token's
		// request window, as on a real machine; other tests do not.
		"CRMBULK_STATE_DIR="+filepath.Join(dir, ".crmbulk-state"),
		"NO_COLOR=1", "TERM=dumb")
	return cmd
}

// startBin starts the binary with args against the sandbox at url, its
// standard error kept in the returned buffer; the test's end stops it.
func startBin(t testing.TB, dir, url string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	cmd := command(ctx, t, dir, url, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &errb
}

// runBin runs the binary to the end and returns its exit code and output.
func runBin(t testing.TB, dir, url string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := command(ctx, t, dir, url, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("crmbulk %v: %v", args, err)
	}
	if strings.Contains(out.String()+errb.String(), sandboxtest.DefaultToken) {
		t.Errorf("crmbulk %v printed the API token", args)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// newAPI returns a client of the sandbox at url that never sends more than
// limit requests in any window (the sandbox's own window), with short
// retry pauses so faults are retried quickly; opts add to its limiter's.
func newAPI(t testing.TB, url string, limit int, window time.Duration, opts ...pacer.Option) *baselinker.API {
	t.Helper()
	lim := pacer.New(limit, append([]pacer.Option{pacer.WithWindow(window), pacer.WithMargin(max(250*time.Millisecond, window/4)),
		pacer.WithBlockBackoff(window, 4*window), pacer.WithRecovery(window, limit)}, opts...)...)
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken),
		baselinker.WithLimiter(lim),
		baselinker.WithRetry(pacer.Backoff{Attempts: 6, Base: time.Millisecond, Max: 10 * time.Millisecond}),
		baselinker.WithBlockRetries(20),
		baselinker.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// The input every import proof uses: a shop's customer list.
var inputHeader = []string{"E-mail", "Full name", "Phone", "City", "Postcode", "Country", "Stars", "Company"}

// mappingYAML maps inputHeader to CRM fields, matched by email.
const mappingYAML = `# proof: a shop's customer list
match_by: email
columns:
  email: { column: "E-mail", transform: [trim, lower] }
  invoice_fullname: "Full name"
  phone: "Phone"
  invoice_city: "City"
  invoice_postcode: "Postcode"
  invoice_country_code: "Country"
  star: "Stars"
  invoice_company: "Company"
`

// comparedFields are the CRM fields a row sets, in inputHeader order after E-mail.
var comparedFields = []string{"invoice_fullname", "phone", "invoice_city", "invoice_postcode", "invoice_country_code", "star", "invoice_company"}

// genRow is one generated input row and what it should become.
type genRow struct {
	num    int               // spreadsheet row number (header = 1)
	cells  []string          // as written
	key    string            // normalised email
	valid  bool              // false: a rule is broken, nothing may be sent
	fields map[string]string // comparedFields → value the client must hold
}

var (
	firstNames = []string{"Anna", "Jan", "Małgorzata", "Paweł", "Zofia", "Łukasz", "Agnieszka", "Krzysztof", "Ewa", "Grzegorz", "Jürgen", "Renée", "O'Brien"}
	lastNames  = []string{"Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska", "Dąbrowski", "Müller", "Dvořák"}
	cities     = []string{"Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Bydgoszcz", "Berlin", "Praha"}
	countries  = []string{"PL", "PL", "PL", "DE", "CZ", "SK", "LT"}
	companies  = []string{"", "", "Sklep \"Pod Lipą\" Sp. z o.o.", "Hurtownia ABC, s.c.", "Zakład; Usługowy", "=SUM(A1:A2)", "Firma\nWielowierszowa"}
)

// genInput writes n rows (seeded): about 6 % repeat an earlier row's email
// in another spelling with the same values, about 5 % are invalid (star out
// of range, unknown country, postcode too long) under their own email.
func genInput(seed uint64, n int) []genRow {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	rows := make([]genRow, 0, n)
	for i := 0; i < n; i++ {
		num := i + 2
		if i > 10 && rng.IntN(100) < 6 {
			prev := rows[rng.IntN(len(rows))]
			if prev.valid {
				cells := append([]string(nil), prev.cells...)
				cells[0] = "  " + strings.ToUpper(prev.key[:1]) + prev.key[1:] + " "
				rows = append(rows, genRow{num: num, cells: cells, key: prev.key, valid: true, fields: prev.fields})
				continue
			}
		}
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		key := fmt.Sprintf("%s.%s.%d@proof.example", strings.ToLower(asciiOnly(first)), strings.ToLower(asciiOnly(last)), i)
		f := map[string]string{
			"invoice_fullname":     first + " " + last,
			"phone":                fmt.Sprintf("+48%09d", rng.IntN(1_000_000_000)),
			"invoice_city":         cities[rng.IntN(len(cities))],
			"invoice_postcode":     fmt.Sprintf("%02d-%03d", rng.IntN(100), rng.IntN(1000)),
			"invoice_country_code": countries[rng.IntN(len(countries))],
			"star":                 strconv.Itoa(rng.IntN(6)),
			"invoice_company":      companies[rng.IntN(len(companies))],
		}
		valid := true
		if i > 0 && rng.IntN(100) < 5 {
			valid = false
			switch rng.IntN(3) {
			case 0:
				f["star"] = "9"
			case 1:
				f["invoice_country_code"] = "XX"
			default:
				f["invoice_postcode"] = strings.Repeat("1", 25)
			}
		}
		cells := []string{key}
		for _, name := range comparedFields {
			cells = append(cells, f[name])
		}
		rows = append(rows, genRow{num: num, cells: cells, key: key, valid: valid, fields: f})
	}
	return rows
}

func asciiOnly(s string) string {
	r := strings.NewReplacer("ł", "l", "Ł", "L", "ó", "o", "ś", "s", "ą", "a", "ę", "e", "ż", "z", "ź", "z", "ć", "c", "ń", "n", "ü", "u", "é", "e", "ř", "r", "'", "")
	return r.Replace(s)
}

// writeInput writes rows as CSV (header first) to dir/name.
func writeInput(t testing.TB, dir, name string, rows []genRow) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(inputHeader)
	for _, r := range rows {
		_ = w.Write(r.cells)
	}
	w.Flush()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeFile writes content to dir/name.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// reportLine is one parsed line of an import report.
type reportLine map[string]string

// readReport parses a CSV import report strictly: the header is the
// importer's, and every line has as many cells.
func readReport(t testing.TB, path string) []reportLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("report %s is not valid CSV: %v", path, err)
	}
	if len(recs) == 0 || recs[0][0] != "row" || recs[0][1] != "status" {
		t.Fatalf("report %s has no report header: %q", path, recs)
	}
	out := make([]reportLine, 0, len(recs)-1)
	for _, r := range recs[1:] {
		l := reportLine{}
		for i, h := range recs[0] {
			l[h] = r[i]
		}
		out = append(out, l)
	}
	return out
}

// checkOneLinePerRow proves the report holds exactly one line per input
// row, in input order, each with a known status; it returns them by row.
func checkOneLinePerRow(t testing.TB, lines []reportLine, rows []genRow) map[int]reportLine {
	t.Helper()
	known := map[string]bool{"created": true, "updated": true, "unchanged": true, "invalid": true, "failed": true, "conflict": true, "skipped": true}
	if len(lines) != len(rows) {
		t.Errorf("report has %d lines for %d rows", len(lines), len(rows))
	}
	out := map[int]reportLine{}
	for i, l := range lines {
		n, err := strconv.Atoi(l["row"])
		if err != nil {
			t.Fatalf("report line %d: row %q is not a number", i+2, l["row"])
		}
		if _, dup := out[n]; dup {
			t.Errorf("two report lines for row %d", n)
		}
		if i < len(rows) && n != rows[i].num {
			t.Errorf("report line %d is row %d, want %d (input order)", i+2, n, rows[i].num)
		}
		if !known[l["status"]] {
			t.Errorf("row %d: unknown status %q", n, l["status"])
		}
		out[n] = l
	}
	for _, r := range rows {
		if _, ok := out[r.num]; !ok {
			t.Errorf("row %d has no report line", r.num)
		}
	}
	return out
}

// byEmail indexes clients by normalised email and fails on a duplicate.
func byEmail(t testing.TB, clients []baselinker.Client) map[string]baselinker.Client {
	t.Helper()
	out := map[string]baselinker.Client{}
	for _, c := range clients {
		k := validate.MatchKey("email", c.Email)
		if k == "" {
			continue
		}
		if o, dup := out[k]; dup {
			t.Errorf("duplicate client for %s: ids %d and %d", k, o.CrmClientID, c.CrmClientID)
		}
		out[k] = c
	}
	return out
}

// wantState is what the sandbox must hold for the valid rows: by email,
// the field values.
func wantState(rows []genRow) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, r := range rows {
		if r.valid {
			out[r.key] = r.fields
		}
	}
	return out
}

// diffClient lists the fields where c differs from want.
func diffClient(c baselinker.Client, want map[string]string) []string {
	var d []string
	for _, name := range comparedFields {
		got, _ := c.Get(name)
		if got != want[name] {
			d = append(d, fmt.Sprintf("%s=%q want %q", name, got, want[name]))
		}
	}
	return d
}

// imported returns the clients of srv whose email is on proof.example.
func imported(t testing.TB, srv *sandbox.Server) map[string]baselinker.Client {
	t.Helper()
	out := map[string]baselinker.Client{}
	for k, c := range byEmail(t, srv.Clients()) {
		if strings.HasSuffix(k, "@proof.example") {
			out[k] = c
		}
	}
	return out
}

// checkState proves the imported clients are exactly want, value for value.
func checkState(t testing.TB, got map[string]baselinker.Client, want map[string]map[string]string) {
	t.Helper()
	bad := 0
	for k, w := range want {
		c, ok := got[k]
		if !ok {
			t.Errorf("no client for %s", k)
			continue
		}
		if d := diffClient(c, w); len(d) > 0 && bad < 10 {
			bad++
			t.Errorf("client %d (%s): %s", c.CrmClientID, k, strings.Join(d, "; "))
		}
	}
	var extra []string
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%d clients no valid row asked for: %v", len(extra), extra)
	}
}
