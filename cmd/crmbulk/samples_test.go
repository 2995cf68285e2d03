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
	rd, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	defer rd.Close()
	col := -1
	for i, h := range rd.Header() {
		if h == "status" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("the report has no status column: %q", rd.Header())
	}
	out := map[string]int{}
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading the report: %v", err)
		}
		out[row.Cells[col]]++
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

// guessedClean are the samples whose unedited `mapping init` guess imports
// every row: the guess is imported for real against a sandbox, every row
// created with codes for country names and no text mark left, one client
// per row, and a second run creates nothing — but the rows the first run
// said it could not find again (no match key: "a re-run creates this client
// again").
var guessedClean = []string{"subiekt"}

func TestSamplesImportThroughTheGuess(t *testing.T) {
	for _, s := range loadExpected(t) {
		if !slices.Contains(guessedClean, s.Name) {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			srv, url := sandboxtest.New(t, sandbox.Config{Seed: samples.DemoSeed})
			env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
			dir := t.TempDir()
			file := filepath.Join(samplesDir, s.File)
			guess := runCmd(t, context.Background(), nil, "mapping", "init", file)
			if guess.code != 0 {
				t.Fatalf("mapping init: exit %d: %s", guess.code, guess.errOut)
			}
			m := filepath.Join(dir, "guess.yaml")
			if err := os.WriteFile(m, []byte(guess.out), 0o600); err != nil {
				t.Fatal(err)
			}
			unkeyed := 0
			for run := range 2 {
				report := filepath.Join(dir, fmt.Sprintf("run%d.csv", run))
				r := runCmd(t, context.Background(), env, "--no-progress", "import", file, "--mapping", m, "--report", report)
				if r.code != 0 {
					t.Fatalf("run %d: exit %d: %s", run+1, r.code, r.errOut)
				}
				got := reportCounts(t, report)
				if run == 0 {
					data, err := os.ReadFile(report)
					if err != nil {
						t.Fatal(err)
					}
					unkeyed = strings.Count(string(data), "a re-run creates this client again")
					if got["created"] != s.Rows {
						t.Errorf("run 1: %v, want all %d rows created", got, s.Rows)
					}
					continue
				}
				if got["created"] != unkeyed || got["unchanged"] != s.Rows-unkeyed {
					t.Errorf("run 2: %v, want %d unchanged and only the %d rows without a key created", got, s.Rows-unkeyed, unkeyed)
				}
			}
			clients := srv.Clients()
			if len(clients) != s.Rows+unkeyed {
				t.Errorf("%d clients for %d rows (%d without a key, made twice)", len(clients), s.Rows, unkeyed)
			}
			for _, c := range clients {
				for _, f := range []string{"phone", "invoice_postcode", "invoice_tax_id"} {
					if v, _ := c.Get(f); strings.HasPrefix(v, "'") {
						t.Errorf("client %d: %s %q keeps a text mark", c.CrmClientID, f, v)
					}
				}
				if v, _ := c.Get("invoice_country_code"); v != "" && len(v) != 2 {
					t.Errorf("client %d: invoice_country_code %q is not a code", c.CrmClientID, v)
				}
			}
		})
	}
}
