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

// TestRemoveUnheldFreesBeforeRemoving: the removal of an unheld file comes
// once the sweep's lock is released and its handle closed (Windows deletes
// no file a handle without share-delete has open, the sweep's own
// included), and never for a file a live run holds.
func TestRemoveUnheldFreesBeforeRemoving(t *testing.T) {
	dir := t.TempDir()
	dead, live := filepath.Join(dir, "spool-dead.jsonl"), filepath.Join(dir, "spool-live.jsonl")
	for _, name := range []string{dead, live} {
		if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	held, err := os.OpenFile(live, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	unlock, err := flock.Lock(held, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock() }()
	var removed []string
	removeUnheld(filepath.Join(dir, "spool-*.jsonl"), func(name string) error {
		removed = append(removed, name)
		if n := openHandles(t, name); n > 0 {
			t.Errorf("%s removed with %d handle(s) of this process open on it", name, n)
		}
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		release, err := flock.Lock(f, false)
		if err != nil {
			t.Errorf("%s removed while locked: %v", name, err)
			return nil
		}
		_ = release()
		return nil
	})
	if len(removed) != 1 || removed[0] != dead {
		t.Errorf("removed %q, want only %s", removed, dead)
	}
}

// openHandles counts the descriptors of this process open on name where
// the system lists them (/proc/self/fd), else it says none.
func openHandles(t *testing.T, name string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	want, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if fi, err := os.Stat(filepath.Join("/proc/self/fd", fd.Name())); err == nil && os.SameFile(fi, want) {
			n++
		}
	}
	return n
}
