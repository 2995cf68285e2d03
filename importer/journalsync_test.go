package importer

import (
	"path/filepath"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
)

// TestJournalSyncsEachSend: a real import's journal puts each send and try
// on the disk before the request goes (as an undo's does): a power loss
// after a create went out but before its send reached the disk would let a
// keyless --resume send it again, a duplicate. A dry run has no journal.
// (A power loss cannot be simulated: the test checks what the run asks for.)
func TestJournalSyncsEachSend(t *testing.T) {
	t.Parallel()
	for _, dry := range []bool{false, true} {
		dir := t.TempDir()
		r := &run{cfg: Config{Report: filepath.Join(dir, "in.report.csv"), DryRun: dry}.withDefaults(filepath.Join(dir, "in.csv")),
			stop: make(chan struct{}), tally: newTally()}
		r.ev = events.NewAggregator(events.AggregatorConfig{Command: "import", Statuses: statusNames()})
		rw, err := r.createReport(0)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.jnl.Synced(); got == dry {
			t.Errorf("dry run %v: the journal syncs each send: %v (journal %q); want %v", dry, got, r.jnl.Path(), !dry)
		}
		if err := rw.close(); err != nil {
			t.Fatal(err)
		}
		if _, err := r.jnl.Close(true); err != nil {
			t.Fatal(err)
		}
	}
}
