// Package safefile opens the files crmbulk writes beside its inputs —
// reports, journals, lock and temporary files — without following a
// symbolic link planted at their path, and opens the files it reads
// without blocking on a FIFO or a device: a path that is not a regular
// file is refused with an error that says so.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is returned for a path that is a symbolic link, a FIFO, a
// device or a folder where a regular file was expected.
var ErrNotRegular = errors.New("not a regular file")

// Create creates or truncates the file at path for writing, with perm for
// a new file. It refuses a path that is a symbolic link (the link is not
// followed, so nothing is written where it points) or anything but a
// regular file.
func Create(path string, perm fs.FileMode) (*os.File, error) {
	return OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
}

// OpenFile is os.OpenFile that never follows a symbolic link at path and
// opens only a regular file (a hard link to one is refused by the callers
// that must not write their input: see SameFile).
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if err := CheckWritable(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|noFollow|nonBlock, perm)
	if err != nil {
		return nil, explain(path, err)
	}
	return regular(f, path)
}

// Open opens path for reading. It never blocks on a FIFO or a device (it
// opens without waiting for a writer, then refuses what is not a regular
// file), so a signal is always answered. Symbolic links are followed: an
// input may be one.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	return regular(f, path)
}

// SameFile reports whether a and b name one file (links of either kind
// included). A path that does not exist is no file.
func SameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// CheckWritable says, before any work starts, whether Create would refuse
// path: a symbolic link or a non-regular file there (no file is fine).
func CheckWritable(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return &fs.PathError{Op: "create", Path: path, Err: fmt.Errorf("%w: it is a symbolic link, which crmbulk does not follow when it writes; give the path of a plain file", ErrNotRegular)}
	case !fi.Mode().IsRegular():
		return &fs.PathError{Op: "create", Path: path, Err: fmt.Errorf("%w (%s); give the path of a plain file", ErrNotRegular, kind(fi.Mode()))}
	}
	return nil
}

// regular returns f if it is a regular file, else closes it and refuses it.
func regular(f *os.File, path string) (*os.File, error) {
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s); give the path of a plain file", ErrNotRegular, kind(fi.Mode()))}
	}
	if err == nil {
		err = clearNonBlock(f)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

// explain turns the error of an open that refused a link planted after
// CheckWritable looked into one that says so.
func explain(path string, err error) error {
	if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if e := CheckWritable(path); e != nil {
			return e
		}
	}
	return err // the link went again: the open's own error, never nil
}
