package importer

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestResumeStartSaysEachPhase: a resume of a 50,000-row file whose report
// has a line for all but the last 5 rows says, before its first request,
// each phase of its start with its count as it goes — the input read, the
// report checked, the report checked against the input's rows, the new
// journal written — so that the screen is never blank for the seconds
// they take on a large file; and it reads the input once for all of them
// (the report is proved against the row numbers the first read kept); the
// rate it shows counts only the rows it did, not the report's.
func TestResumeStartSaysEachPhase(t *testing.T) {
	const rows, left = 50000, 5
	_, api := newAPI(t, sandbox.Config{Seed: 47}, 0, 0)
	dir := t.TempDir()
	var in, rep strings.Builder
	in.WriteString("email,invoice_city\n")
	for i := range rows {
		fmt.Fprintf(&in, "c%d@example.com,Gdańsk\n", i)
	}
	input := writeFile(t, dir, "in.csv", in.String())
	sha, _ := FileSHA(input)
	rep.WriteString(strings.Join(events.Columns(), ",") + "\n")
	for row := 2; row < rows+2-left; row++ {
		l := events.Line{Row: row, Status: events.StatusCreated, ID: int64(row + 1000)}
		rep.WriteString(strings.Join(recordCells(l, sha), ",") + "\n")
	}
	report := writeFile(t, dir, "r.csv", rep.String())
	writeFile(t, dir, "r.csv.journal", `{"ev":"start","sha":"`+sha+`","window":16}`+"\n") // its run sent nothing after
	var said events.Recorder
	start := time.Now()
	sum, err := Run(context.Background(), api, input, Config{Resume: report, Events: &said, phaseAfter: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the resume of %d rows (%d left) took %s", rows, left, time.Since(start).Round(time.Millisecond))
	if sum.Counts[events.StatusCreated] != rows {
		t.Errorf("summary %v, want every row created", sum.Counts)
	}
	for _, l := range said.Lines() { // the report's lines were done by the run before: no part of this one's rate
		if m := regexp.MustCompile(`(\d+) rows/min`).FindStringSubmatch(l); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > left {
				t.Errorf("the progress said %q: %d rows a minute, but this run did %d", l, n, left)
			}
		}
	}
	for _, want := range []string{
		"reading in.csv: 25000 rows so far",
		"reading in.csv: 50000 rows so far",
		"checking the report " + report + ": 25000 lines so far",
		"checking the report " + report + ": 49995 lines so far",
		"checking the report " + report + " against in.csv: 25000 of 50000 rows",
		"checking the report " + report + " against in.csv: 50000 of 50000 rows",
		"writing this run's journal: the rows done before it: 49995 rows so far",
	} {
		if !said.Said(want) {
			t.Errorf("the progress never said %q", want)
		}
	}
}
