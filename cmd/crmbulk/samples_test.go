package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// samplesDir is the repository's samples/, seen from this package.
const samplesDir = "../../samples"

// expectedSample is one entry of samples/expected.json.
type expectedSample struct {
	Name    string         `json:"name"`
	File    string         `json:"file"`
	Mapping string         `json:"mapping"`
	Args    []string       `json:"args"`
	Rows    int            `json:"rows"`
	Counts  map[string]int `json:"counts"`
	Exit    int            `json:"exit"`
}

func loadExpected(t *testing.T) []expectedSample {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Samples []expectedSample `json:"samples"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("samples/expected.json: %v", err)
	}
	if len(doc.Samples) < 6 {
		t.Fatalf("samples/expected.json lists %d samples, want every sample (6)", len(doc.Samples))
	}
	return doc.Samples
}

// TestSamplesDryRun runs every sample through `crmbulk import --dry-run`
// against a sandbox seeded like the demo and checks the outcome counts
// samples/expected.json (and the README) state, so the samples cannot rot.
func TestSamplesDryRun(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: samples.DemoSeed, Clients: samples.DemoClients})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	for _, s := range loadExpected(t) {
		t.Run(s.Name, func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "report.csv")
			args := append([]string{"--no-progress", "import", filepath.Join(samplesDir, s.File),
				"--mapping", filepath.Join(samplesDir, s.Mapping), "--dry-run", "--report", report}, s.Args...)
			r := runCmd(t, context.Background(), env, args...)
			if r.code != s.Exit {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, s.Exit, r.errOut)
			}
			got := reportCounts(t, report)
			total := 0
			for _, n := range got {
				total += n
			}
			if total != s.Rows {
				t.Errorf("%d report lines, want %d", total, s.Rows)
			}
			for st := range union(got, s.Counts) {
				if got[st] != s.Counts[st] {
					t.Errorf("%s: %d rows, want %d (report counts %v)", st, got[st], s.Counts[st], got)
				}
			}
		})
	}
}

func union(a, b map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// reportCounts counts the report's lines by status.
func reportCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, l := range reportByColumn(t, path) {
		out[l["status"]]++
	}
	return out
}

// reportByColumn reads the report, a map of column → value per line.
func reportByColumn(t *testing.T, path string) []map[string]string {
	t.Helper()
	rd, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	defer rd.Close()
	if !slices.Contains(rd.Header(), "status") {
		t.Fatalf("the report has no status column: %q", rd.Header())
	}
	var out []map[string]string
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading the report: %v", err)
		}
		l := map[string]string{}
		for i, h := range rd.Header() {
			l[h] = row.Cells[i]
		}
		out = append(out, l)
	}
}

// TestSamplesREADMEMirrorsExpected checks that the outcome table in
// samples/README.md says exactly what samples/expected.json says.
func TestSamplesREADMEMirrorsExpected(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(samplesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// | `shopify` | … | 15 | 13 | 0 | 0 | 2 | 1 |
	rowRE := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|[^|]*\\|[^|]*\\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\|$")
	table := map[string][]int{}
	for _, m := range rowRE.FindAllStringSubmatch(string(data), -1) {
		var ns []int
		for _, s := range m[2:] {
			n, _ := strconv.Atoi(s)
			ns = append(ns, n)
		}
		table[m[1]] = ns
	}
	for _, s := range loadExpected(t) {
		got, ok := table[s.Name]
		if !ok {
			t.Errorf("samples/README.md has no outcome row for %q", s.Name)
			continue
		}
		want := []int{s.Rows, s.Counts["created"], s.Counts["updated"], s.Counts["unchanged"], s.Counts["invalid"], s.Exit}
		if fmtInts(got) != fmtInts(want) {
			t.Errorf("README row for %s says rows/created/updated/unchanged/invalid/exit = %v, expected.json %v", s.Name, got, want)
		}
	}
}

func fmtInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, " ")
}

// guessedClean are the samples whose unedited `mapping init` guess is
// imported for real against a sandbox: every row a data fault was not
// planted in is created — codes for country names, no text mark left in
// any field, one client per row — the planted ones are invalid exactly as
// under the sample's own mapping, and a second run creates nothing but the
// rows the first said it could not find again (no match key: "a re-run
// creates this client again").
var guessedClean = []string{"shopify", "woocommerce", "woocommerce-analytics", "prestashop", "prestashop-pl",
	"polish-excel", "polish-excel-cp1250", "subiekt", "outlook", "google"}

func TestSamplesImportThroughTheGuess(t *testing.T) {
	tested := 0
	for _, s := range loadExpected(t) {
		if !slices.Contains(guessedClean, s.Name) {
			continue
		}
		tested++
		t.Run(s.Name, func(t *testing.T) {
			srv, url := sandboxtest.New(t, sandbox.Config{Seed: samples.DemoSeed})
			env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
			dir := t.TempDir()
			file := filepath.Join(samplesDir, s.File)
			m := writeGuess(t, file, dir)
			planted := plantedInvalid(t, env, s)
			valid := s.Rows - len(planted)
			unkeyed := 0
			for run := range 2 {
				report := filepath.Join(dir, fmt.Sprintf("run%d.csv", run))
				r := runCmd(t, context.Background(), env, "--no-progress", "import", file, "--mapping", m, "--report", report)
				if want := min(len(planted), 1); r.code != want {
					t.Fatalf("run %d: exit %d, want %d: %s", run+1, r.code, want, r.errOut)
				}
				if got := reportColumn(t, report, "invalid"); !slices.Equal(got, planted) {
					t.Errorf("run %d: invalid rows %v, want only the planted ones %v", run+1, got, planted)
				}
				got := reportCounts(t, report)
				if run == 0 {
					data, err := os.ReadFile(report)
					if err != nil {
						t.Fatal(err)
					}
					unkeyed = strings.Count(string(data), "a re-run creates this client again")
					if got["created"] != valid {
						t.Errorf("run 1: %v, want all %d valid rows created", got, valid)
					}
					continue
				}
				// Notes the list cannot show are sent again (see --compare-notes):
				// an update of nothing else is still "nothing changed".
				if got["created"] != unkeyed || got["unchanged"]+got["updated"] != valid-unkeyed {
					t.Errorf("run 2: %v, want %d unchanged and only the %d rows without a key created", got, valid-unkeyed, unkeyed)
				}
				for _, ch := range reportField(t, report, "updated", "changes") {
					if !notesOnly.MatchString(ch) {
						t.Errorf("run 2 changed a client: %s", ch)
					}
				}
			}
			clients := srv.Clients()
			if len(clients) != valid+unkeyed {
				t.Errorf("%d clients for %d valid rows (%d without a key, made twice)", len(clients), valid, unkeyed)
			}
			for _, c := range clients {
				checkImported(t, c)
			}
		})
	}
	if tested != len(guessedClean) {
		t.Errorf("%d of the %d samples in guessedClean are in samples/expected.json", tested, len(guessedClean))
	}
}

// writeGuess writes what `crmbulk mapping init file` proposes, unedited,
// into dir and returns its path.
func writeGuess(t *testing.T, file, dir string) string {
	t.Helper()
	guess := runCmd(t, context.Background(), nil, "mapping", "init", file)
	if guess.code != 0 {
		t.Fatalf("mapping init %s: exit %d: %s", file, guess.code, guess.errOut)
	}
	m := filepath.Join(dir, "guess.yaml")
	if err := os.WriteFile(m, []byte(guess.out), 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkImported: no field of an imported client keeps a text mark or
// glues several values of a cell together (Google's " ::: "), and its
// country codes are codes.
func checkImported(t *testing.T, c baselinker.Client) {
	t.Helper()
	for _, f := range baselinker.ListedFields() {
		v, _ := c.Get(f.Name)
		if strings.HasPrefix(v, "'") {
			t.Errorf("client %d: %s %q keeps a text mark", c.CrmClientID, f.Name, v)
		}
		if strings.Contains(v, ":::") {
			t.Errorf("client %d: %s %q holds several values", c.CrmClientID, f.Name, v)
		}
	}
	for _, f := range []string{"invoice_country_code", "delivery_country_code"} {
		if v, _ := c.Get(f); v != "" && len(v) != 2 {
			t.Errorf("client %d: %s %q is not a code", c.CrmClientID, f, v)
		}
	}
}

// plantedInvalid is the rows a sample's own mapping finds invalid in a dry
// run: the data faults planted on purpose (samples/README.md).
func plantedInvalid(t *testing.T, env map[string]string, s expectedSample) []string {
	t.Helper()
	if s.Counts["invalid"] == 0 {
		return nil
	}
	report := filepath.Join(t.TempDir(), "own.csv")
	args := append([]string{"--no-progress", "import", filepath.Join(samplesDir, s.File),
		"--mapping", filepath.Join(samplesDir, s.Mapping), "--dry-run", "--report", report}, s.Args...)
	runCmd(t, context.Background(), env, args...)
	return reportColumn(t, report, "invalid")
}

// notesOnly is the change of an update that sends only the notes, which
// the list does not show.
var notesOnly = regexp.MustCompile(`^notes: not compared \(no read\) → "[^"]*"$`)

// reportColumn lists the row numbers of the report's lines with status.
func reportColumn(t *testing.T, path, status string) []string {
	t.Helper()
	return reportField(t, path, status, "row")
}

// reportField lists a column of the report's lines with status.
func reportField(t *testing.T, path, status, column string) []string {
	t.Helper()
	var out []string
	for _, l := range reportByColumn(t, path) {
		if l["status"] == status {
			out = append(out, l[column])
		}
	}
	return out
}

// TestGuessedMappingsAreTheGuess: a sample whose mapping says it was
// proposed by `crmbulk mapping init` is that proposal, unedited.
func TestGuessedMappingsAreTheGuess(t *testing.T) {
	for _, s := range loadExpected(t) {
		data, err := os.ReadFile(filepath.Join(samplesDir, s.Mapping))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "# Mapping proposed by `crmbulk mapping init`") {
			continue
		}
		golden, err := os.ReadFile(filepath.Join("testdata", "mapping_init", s.Name+".golden.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(string(golden), samplesDir+"/", "samples/"); string(data) != want {
			t.Errorf("%s is not the unedited proposal; write it with: go run ./cmd/crmbulk mapping init samples/%s > samples/%s",
				s.Mapping, s.File, s.Mapping)
		}
	}
}
