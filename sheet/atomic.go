package sheet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// AtomicFile is a temporary file next to its target that replaces the
// target only on Commit. A run that fails (Abort, or a crash before Commit)
// leaves the previous target untouched and no half-written file under the
// target's name.
type AtomicFile struct {
	f      *os.File
	target string
	done   bool
}

// CreateAtomic creates `.name.tmp-XXXX` in the directory of path.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary file next to %s: %w", path, err)
	}
	return &AtomicFile{f: f, target: path}, nil
}

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

// Name is the temporary file's path.
func (a *AtomicFile) Name() string { return a.f.Name() }

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
	err := a.f.Chmod(mode)
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.target)
	}
	if err != nil {
		_ = os.Remove(a.f.Name())
		return fmt.Errorf("saving %s (the previous file, if any, is unchanged): %w", a.target, err)
	}
	if d, derr := os.Open(filepath.Dir(a.target)); derr == nil {
		_ = d.Sync() // best effort: makes the rename durable where supported
		_ = d.Close()
	}
	return nil
}

// Abort removes the temporary file. After Commit it does nothing, so
// `defer af.Abort()` is safe.
func (a *AtomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	err := a.f.Close()
	if rerr := os.Remove(a.f.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("removing the temporary file %s: %w", a.f.Name(), rerr)
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("closing the temporary file %s: %w", a.f.Name(), err)
	}
	return nil
}
