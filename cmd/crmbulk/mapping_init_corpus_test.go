package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// corpusDir is the corpus of other systems' exports mapping/guess scores
// its guesses on (TestCorpusScore); README.md there names each source.
const corpusDir = "../../mapping/guess/testdata/corpus"

// TestCorpusImportsThroughTheGuess: every file of the corpus imports clean
// through its unedited `mapping init` proposal — every row created, none
// invalid — and a second run creates no client, except in a file with no
// column that names one client (the proposal says "No match_by", the
// file's note says so) or a row the first run said has no key ("a re-run
// creates this client again").
func TestCorpusImportsThroughTheGuess(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var files []struct {
		File string `json:"file"`
		Rows int    `json:"rows"`
		Note string `json:"note"`
	}
	if err := json.Unmarshal(data, &files); err != nil {
		t.Fatal(err)
	}
	clean, again := 0, 0
	var lines []string
	for _, f := range files {
		t.Run(f.File, func(t *testing.T) {
			srv, url := sandboxtest.New(t, sandbox.Config{Seed: samples.DemoSeed})
			env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
			dir := t.TempDir()
			file := filepath.Join(corpusDir, f.File)
			m := writeGuess(t, file, dir)
			proposal, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			keyless := strings.Contains(string(proposal), "# No match_by:")
			var created [2]int
			unkeyed := 0
			for run := range 2 {
				report := filepath.Join(dir, fmt.Sprintf("run%d.csv", run))
				r := runCmd(t, context.Background(), env, "--no-progress", "import", file, "--mapping", m, "--report", report)
				if r.code != 0 {
					t.Fatalf("run %d: exit %d: %s", run+1, r.code, r.errOut)
				}
				got := reportCounts(t, report)
				created[run] = got["created"]
				if run == 0 {
					raw, err := os.ReadFile(report)
					if err != nil {
						t.Fatal(err)
					}
					unkeyed = strings.Count(string(raw), "a re-run creates this client again")
					if got["created"] != f.Rows || got["invalid"] != 0 {
						t.Errorf("run 1: %v, want all %d rows created", got, f.Rows)
					}
					continue
				}
				switch {
				case keyless && got["created"] != f.Rows:
					t.Errorf("run 2 without a key: %v, want all %d rows created again", got, f.Rows)
				case !keyless && got["created"] != unkeyed:
					t.Errorf("run 2: %v, want only the %d rows without a key created", got, unkeyed)
				}
				for _, ch := range reportField(t, report, "updated", "changes") {
					if !notesOnly.MatchString(ch) {
						t.Errorf("run 2 changed a client: %s", ch)
					}
				}
			}
			if (unkeyed > 0 || keyless) && !strings.Contains(f.Note, "no match key") {
				t.Errorf("rows have no key, but the file's note does not say the file has none")
			}
			for _, c := range srv.Clients() {
				checkImported(t, c)
			}
			if !t.Failed() {
				clean++
			}
			if created[1] > 0 {
				again++
			}
			lines = append(lines, fmt.Sprintf("%s: run 1 created %d, run 2 created %d", f.File, created[0], created[1]))
		})
	}
	t.Logf("%d of %d files import clean through the unedited guess; %d create clients again on a second run (no key):\n%s",
		clean, len(files), again, strings.Join(lines, "\n"))
}
