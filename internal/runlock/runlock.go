// Package runlock keeps two crmbulk runs from working on one thing at once:
// an import's report and journal, the input it imports into an account, an
// undo's report. A lock is an OS file lock (internal/flock) on a small file
// that names its holder — pid, host, command and since when — so that a
// second run can say who holds it. The OS lock dies with its process, so a
// file left by a run that was killed is simply taken over (and said so).
package runlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
)

// ErrHeld is wrapped by the error of a lock another live run holds.
var ErrHeld = errors.New("another crmbulk run holds it")

// Holder is who holds a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// String is "pid 4242 on host web1 (crmbulk import clients.csv), since 2026-12-06 12:30:01".
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d on host %s", h.PID, h.Host)
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	if !h.Since.IsZero() {
		s += ", since " + h.Since.Local().Format("2006-01-02 15:04:05")
	}
	return s
}

// HeldError says what is locked and by whom.
type HeldError struct {
	What   string  // what the lock guards, for people: "the report r.csv"
	Path   string  // the lock file
	Holder *Holder // nil when the holder has not written its name yet
}

func (e *HeldError) Error() string {
	who := "another crmbulk run (it has not written its name yet)"
	if e.Holder != nil {
		who = "another crmbulk run: " + e.Holder.String()
	}
	return fmt.Sprintf("%s is in use by %s — wait for that run to end, or stop it; nothing was sent (lock file %s)", e.What, who, e.Path)
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a lock this process holds.
type Lock struct {
	path    string
	f       *os.File
	release func() error
	// Stale is the holder a dead run left in the file, when it left one:
	// the lock was taken over from it.
	Stale *Holder
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// The holder is written after a first byte, which is the one byte the lock
// covers on Windows (LockFileEx locks a range, which others cannot read):
// another process reads the holder from offset 1.
const holderOffset = 1

// Acquire takes the lock file at path without waiting: another live run
// holding it is a *HeldError (errors.Is ErrHeld) naming it. what names the
// guarded thing for messages; command is written as the holder's command
// (say the command as the user typed it, never a secret). mode is the
// file's mode when it is created (0o666 in a shared folder, so other users'
// runs can lock it too; the umask is ignored for it).
func Acquire(path, what, command string, mode os.FileMode) (*Lock, error) {
	for range 5 {
		l, retry, err := try(path, what, command, mode)
		if !retry {
			return l, err
		}
	}
	return nil, fmt.Errorf("locking %s: the lock file kept being replaced while it was taken; try again", path)
}

func try(path, what, command string, mode os.FileMode) (l *Lock, retry bool, err error) {
	f, err := safefile.OpenFile(path, os.O_CREATE|os.O_RDWR, mode)
	if err != nil {
		return nil, false, fmt.Errorf("opening the lock file of %s: %w", what, err)
	}
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
		_ = f.Chmod(mode) // created now: the mode asked for, whatever the umask
	}
	release, err := flock.Lock(f, false)
	if err != nil {
		_ = f.Close()
		if errors.Is(err, flock.ErrLocked) {
			return nil, false, &HeldError{What: what, Path: path, Holder: readHolder(path)}
		}
		return nil, false, fmt.Errorf("locking %s: %w", what, err)
	}
	// The run that held it may have removed the file before letting go:
	// then this lock is on a file nobody else will see, so take it again.
	fi, err1 := f.Stat()
	pi, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
		_ = release()
		_ = f.Close()
		return nil, true, nil
	}
	l = &Lock{path: path, f: f, release: release, Stale: holderOf(f)}
	if err := l.write(command); err != nil {
		_ = l.Release()
		return nil, false, fmt.Errorf("writing the lock file of %s: %w", what, err)
	}
	return l, false, nil
}

func (l *Lock) write(command string) error {
	host, _ := os.Hostname()
	b, err := json.Marshal(Holder{PID: os.Getpid(), Host: host, Command: command, Since: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err = l.f.WriteAt(append(append([]byte{'\n'}, b...), '\n'), 0)
	return err
}

// Release removes the lock file (while it is still held, so that no run
// can take a lock on a file about to vanish; where the system does not
// let an open file be removed it stays, unlocked) and lets the lock go.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = os.Remove(l.path)
	err := errors.Join(l.release(), l.f.Close())
	l.f = nil
	return err
}

// readHolder reads the holder of a lock another run holds. The file may be
// another user's (a lock in the shared state folder is), so it is opened
// without blocking on a FIFO planted at its path.
func readHolder(path string) *Holder {
	f, err := safefile.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return holderOf(f)
}

// holderOf reads the holder written in f, nil when there is none.
func holderOf(f *os.File) *Holder {
	b, err := io.ReadAll(io.NewSectionReader(f, holderOffset, 4096))
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h) != nil || h.PID == 0 {
		return nil
	}
	// Anyone may have written it: no escape sequence reaches the terminal.
	h.Host, h.Command = printable(h.Host), printable(h.Command)
	return &h
}

// Set is the locks of one run, released together.
type Set []*Lock

// Release lets every lock go.
func (s Set) Release() error {
	var errs []error
	for i := len(s) - 1; i >= 0; i-- {
		errs = append(errs, s[i].Release())
	}
	return errors.Join(errs...)
}

// printable is s with its control characters shown as %q shows them.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
