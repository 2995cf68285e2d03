package sheet

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
)

// Lock takes an exclusive, non-blocking lock on path+".lock" so that two
// runs cannot write the same place at once. The lock dies with the
// process; unlock removes the lock file, so none stays behind a run.
//
// Removing a lock file is safe because of how it is taken: the file is
// removed while its lock is still held, and a run that gets the lock
// checks that the file it locked is still the one at that name — if the
// run before it removed it in between, it locked a file nobody else can
// see, and opens the name again. (On Windows the lock file stays, as
// harmless as before: an open file there is not removed, or its name is
// blocked until it is closed.)
func Lock(path string) (unlock func() error, err error) {
	name := path + ".lock"
	for range 10 {
		f, err := safefile.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("creating the lock file %s: %w", name, err)
		}
		release, err := flock.Lock(f, false)
		if err != nil {
			_ = f.Close()
			if errors.Is(err, flock.ErrLocked) {
				return nil, fmt.Errorf("%w: %s is locked (%s) — wait for the other run to finish, or check that it is still alive", ErrLocked, path, name)
			}
			return nil, err
		}
		held, err1 := f.Stat()
		named, err2 := os.Lstat(name)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return func() error {
				if runtime.GOOS != "windows" { // there an open file is not removed (or blocks its name until closed)
					_ = os.Remove(name) // still locked: nobody can hold it after us
				}
				return errors.Join(release(), f.Close())
			}, nil
		}
		_ = errors.Join(release(), f.Close()) // removed by the run before: open the name again
	}
	return nil, fmt.Errorf("%w: %s: its lock file %s keeps being replaced by other runs — wait for them to finish", ErrLocked, path, name)
}
