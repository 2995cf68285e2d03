package sheet

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
)

// AtomicFile is a temporary file next to its target that replaces the
// target only on Commit. A run that fails (Abort, or a crash before Commit)
// leaves the previous target untouched and no half-written file under the
// target's name.
type AtomicFile struct {
	f      *os.File
	target string
	done   bool
	unlock func() error
}

// CreateAtomic creates `.name.tmp-XXXX` (mode 0600 until Commit) in the
// directory of path and holds a lock on it until Commit or Abort, so that
// SweepTemps tells it from the temporary file of a run that died. The
// temporary files a dead run left for path are removed first.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	dir = cmp.Or(dir, ".")
	SweepTemps(dir, base)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*") // O_EXCL: no planted link is followed
	if err != nil {
		return nil, fmt.Errorf("creating a temporary file next to %s: %w", path, err)
	}
	unlock, err := flock.Lock(f, false)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("locking the temporary file %s: %w", f.Name(), err)
	}
	return &AtomicFile{f: f, target: path, unlock: unlock}, nil
}

// SweepTemps removes the temporary files CreateAtomic made for names
// matching glob (a file name, or a pattern such as "clients-*.csv") in dir
// that no live run holds: those of runs that were killed.
func SweepTemps(dir, glob string) { RemoveUnheld(filepath.Join(dir, "."+glob+".tmp-*")) }

// RemoveUnheld removes the files matching pattern (filepath.Glob) whose
// lock no live run holds: a run holds a lock on the temporary file it
// writes (CreateAtomic's, an export's details spool) until it is done, so
// one without is a dead run's. A file it cannot open or lock stays.
func RemoveUnheld(pattern string) { removeUnheld(pattern, os.Remove) }

// removeUnheld is RemoveUnheld with its removal given. The lock taken
// proves no live run holds the file; it is then released and the file
// closed before remove, because Windows refuses to delete a file while any
// handle to it is open without FILE_SHARE_DELETE, which Go never asks for
// (our own handle included: removed under it, nothing was ever swept
// there). A live run keeps its file open all along, so the removal still
// fails on a file it holds. On unix (flock: the lock is the open file's,
// and a name is removed whoever has it open) a run opens its temporary
// file only by creating it (O_EXCL, a new name) and locks it at once, so
// the lock released here can be taken only by a run caught between the
// two, whose file a removal under the lock took from it just the same.
func removeUnheld(pattern string, remove func(name string) error) {
	names, _ := filepath.Glob(pattern)
	for _, name := range names {
		f, err := safefile.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		unlock, err := flock.Lock(f, false)
		if err == nil {
			_ = unlock()
		}
		_ = f.Close()
		if err == nil {
			_ = remove(name)
		}
	}
}

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

// Commit syncs the temporary file, gives it the old target's mode (0644 for
// a new one) and renames it over the target, then syncs the directory.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("committing %s: %w", a.target, fs.ErrClosed)
	}
	a.done = true
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(a.target); err == nil {
		mode = fi.Mode().Perm()
	}
	err := cmp.Or(a.f.Chmod(mode), a.f.Sync())
	_ = a.unlock()
	if err = cmp.Or(err, a.f.Close()); err == nil {
		err = os.Rename(a.f.Name(), a.target)
	}
	if err != nil {
		_ = os.Remove(a.f.Name())
		return fmt.Errorf("saving %s (the previous file, if any, is unchanged): %w", a.target, err)
	}
	_ = safefile.SyncDir(filepath.Dir(a.target)) // best effort: the file is saved; this makes the rename durable
	return nil
}

// Abort removes the temporary file. After Commit it does nothing, so
// `defer af.Abort()` is safe.
func (a *AtomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	_ = a.unlock()
	err := a.f.Close()
	if rerr := os.Remove(a.f.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("removing the temporary file %s: %w", a.f.Name(), rerr)
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("closing the temporary file %s: %w", a.f.Name(), err)
	}
	return nil
}
