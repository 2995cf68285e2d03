package main

import (
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/undo"
)

// TestRecordTextSaysEachStatusOnce: `undo --list` said "conflict 2" twice
// for a record with conflicts, because the undo's conflict is the import's
// status.
func TestRecordTextSaysEachStatusOnce(t *testing.T) {
	r := importer.Record{Lines: 9, InputSHA: "abc", Counts: map[run.Status]int{
		run.StatusCreated: 3, run.StatusConflict: 2, undo.StatusDeleted: 3, undo.StatusRestored: 1,
	}}
	got := recordText(r)
	want := "9 lines: created 3, conflict 2, deleted 3, restored 1; input_sha256 abc"
	if got != want {
		t.Errorf("recordText = %q\nwant          %q", got, want)
	}
	if n := strings.Count(got, "conflict"); n != 1 {
		t.Errorf("%q says conflict %d times", got, n)
	}
}
