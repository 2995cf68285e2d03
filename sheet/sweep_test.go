package sheet

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/crmbulk/crmbulk/internal/flock"
)

// TestRemoveUnheld: of the files the pattern matches, one whose lock a
// live run holds stays and one nobody holds (a dead run's) goes; a file
// the pattern does not match stays whatever its lock. The removal comes
// once the sweep's lock is released and its handle closed (Windows
// deletes no file a handle without share-delete has open, the sweep's own
// included).
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
	var removed []string
	removeUnheld(path("spool-*.jsonl"), func(name string) error {
		removed = append(removed, filepath.Base(name))
		if n := openHandles(t, name); n > 0 {
			t.Errorf("%s removed with %d handle(s) of this process open on it", name, n)
		}
		if err := lockable(name); err != nil {
			t.Errorf("%s removed while locked: %v", name, err)
		}
		return os.Remove(name)
	})
	if len(removed) != 1 || removed[0] != "spool-dead.jsonl" {
		t.Errorf("removed %q, want only spool-dead.jsonl", removed)
	}
	for name, want := range map[string]bool{"spool-held.jsonl": true, "spool-dead.jsonl": false, "other.jsonl": true} {
		if _, err := os.Stat(path(name)); (err == nil) != want {
			t.Errorf("%s: stat %v, want it there: %t", name, err, want)
		}
	}
}

// lockable says whether a new handle on name gets its lock now.
func lockable(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	release, err := flock.Lock(f, false)
	if err != nil {
		return err
	}
	return release()
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
