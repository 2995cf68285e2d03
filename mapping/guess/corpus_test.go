package guess_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/mapping/guess"
	"github.com/crmbulk/crmbulk/sheet"
)

// corpusDir holds exports of systems beyond samples/: headers and
// conventions from each system's code and docs (README.md there names
// them), values invented.
const corpusDir = "testdata/corpus"

// CorpusFile is one file of the corpus and the mapping a person would
// write for it: each listed column's field (the field it feeds, directly,
// in a template or as the fallback of another column); "~field" is a
// column that may feed field or nothing (one of two equal choices);
// columns not listed feed nothing.
type CorpusFile struct {
	File      string            `json:"file"`
	System    string            `json:"system"`
	Source    string            `json:"source"`
	HeaderRow int               `json:"header_row"`
	Rows      int               `json:"rows"`
	Columns   map[string]string `json:"columns"`
	Note      string            `json:"note"`
	// Holdout files were written after the guess was tuned on the others
	// and scored as written: the honest figure for data nobody tuned to.
	Holdout bool `json:"holdout"`
}

// Score is how one file's guess fared, column by column.
type Score struct {
	Columns, Right, Wrong, Missed int
	Problems                      []string
}

func loadCorpus(t testing.TB) []CorpusFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var files []CorpusFile
	if err := json.Unmarshal(data, &files); err != nil {
		t.Fatal(err)
	}
	return files
}

// target is the field a guessed column feeds: directly, by template, or
// as a fallback.
func target(g guess.Guess) string {
	switch {
	case g.Field != "":
		return g.Field
	case g.Template != "":
		return g.Template
	}
	return g.FallbackFor
}

func scoreFile(t testing.TB, f CorpusFile) (Score, guess.Input) {
	t.Helper()
	in, err := guess.ReadFile(filepath.Join(corpusDir, f.File), sheet.Options{})
	if err != nil {
		t.Fatalf("%s: %v", f.File, err)
	}
	var s Score
	if got := max(in.Source.HeaderRow, 1); got != f.HeaderRow {
		s.Problems = append(s.Problems, fmt.Sprintf("header row %d, want %d", got, f.HeaderRow))
	}
	res := guess.Header(in.Header, in.Rows)
	for _, g := range res.Columns {
		want, optional := strings.CutPrefix(f.Columns[g.Header], "~")
		got := target(g)
		switch {
		case optional && (got == "" || got == want):
			if got != "" {
				s.Columns++
				s.Right++
			}
		case want == "" && got == "":
		case got == want:
			s.Columns++
			s.Right++
		case got == "":
			s.Columns++
			s.Missed++
			s.Problems = append(s.Problems, fmt.Sprintf("missed %q (want %s): %s", g.Header, want, g.Note))
		default:
			if want != "" {
				s.Columns++
			}
			s.Wrong++
			s.Problems = append(s.Problems, fmt.Sprintf("wrong %q → %s, want %q", g.Header, got, want))
		}
	}
	return s, in
}

// TestCorpusScore scores the unedited guess on every file of the corpus
// and prints the table: columns a person would map, right, wrong, missed.
// No column may be wrong, at least minRight of them right, and the header
// row is the one the file has.
func TestCorpusScore(t *testing.T) {
	const minRight = 0.95
	files := loadCorpus(t)
	if len(files) < 20 {
		t.Fatalf("the corpus has %d files, want at least 20", len(files))
	}
	var total, held Score
	var table strings.Builder
	table.WriteString("| system | file | columns | right | wrong | missed |\n|---|---|---|---|---|---|\n")
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].Holdout != files[j].Holdout {
			return !files[i].Holdout
		}
		return files[i].File < files[j].File
	})
	for _, f := range files {
		s, _ := scoreFile(t, f)
		fmt.Fprintf(&table, "| %s | `%s` | %d | %d | %d | %d |\n", f.System, f.File, s.Columns, s.Right, s.Wrong, s.Missed)
		total.add(s)
		if f.Holdout {
			held.add(s)
		}
		for _, p := range s.Problems {
			t.Logf("%s: %s", f.File, p)
			if !strings.HasPrefix(p, "missed") {
				t.Errorf("%s: %s", f.File, p)
			}
		}
	}
	fmt.Fprintf(&table, "| **held out** | | %d | %d (%.1f %%) | %d | %d |\n", held.Columns, held.Right,
		100*float64(held.Right)/float64(max(held.Columns, 1)), held.Wrong, held.Missed)
	fmt.Fprintf(&table, "| **total** | %d files | %d | %d (%.1f %%) | %d | %d |\n", len(files), total.Columns, total.Right,
		100*float64(total.Right)/float64(total.Columns), total.Wrong, total.Missed)
	t.Log("\n" + table.String())
	if float64(total.Right) < minRight*float64(total.Columns) {
		t.Errorf("%d of %d columns right, want at least %.0f %%", total.Right, total.Columns, 100*minRight)
	}
}

func (s *Score) add(o Score) {
	s.Columns += o.Columns
	s.Right += o.Right
	s.Wrong += o.Wrong
	s.Missed += o.Missed
}
