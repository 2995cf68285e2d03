//go:build unix

package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCreateJournalSyncsItsFolder: a synced journal's rename into place is
// made durable by syncing its folder. A folder the run may write in but
// not list (mode 0300) lets the journal be created and renamed but not the
// folder be opened to sync it, so the call shows as its error; without
// Sync the folder is not synced and the journal is made.
func TestCreateJournalSyncsItsFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root opens a folder whatever its mode")
	}
	for _, sync := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "state")
		if err := os.Mkdir(dir, 0o300); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		path := filepath.Join(dir, "r.csv.journal")
		j, err := CreateJournal(path, JournalStart{Sync: sync})
		if sync != (err != nil) || (err != nil && !strings.Contains(err.Error(), "syncing the folder "+dir)) {
			t.Errorf("Sync %t: err = %v, want the folder's sync tried (and failing here): %t", sync, err, sync)
		}
		if j != nil {
			_, _ = j.Close(false)
		}
	}
}
