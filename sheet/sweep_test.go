package sheet

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/crmbulk/crmbulk/internal/flock"
)

// TestRemoveUnheld: of the files the pattern matches, one whose lock a
// live run holds stays and one nobody holds (a dead run's) goes; a file
// the pattern does not match stays whatever its lock.
func TestRemoveUnheld(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	for _, name := range []string{"spool-held.jsonl", "spool-dead.jsonl", "other.jsonl"} {
		if err := os.WriteFile(path(name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	held, err := os.OpenFile(path("spool-held.jsonl"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	unlock, err := flock.Lock(held, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock() }()
	RemoveUnheld(path("spool-*.jsonl"))
	for name, want := range map[string]bool{"spool-held.jsonl": true, "spool-dead.jsonl": false, "other.jsonl": true} {
		if _, err := os.Stat(path(name)); (err == nil) != want {
			t.Errorf("%s: stat %v, want it there: %t", name, err, want)
		}
	}
}
