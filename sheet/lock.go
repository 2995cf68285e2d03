package sheet

import (
	"errors"
	"fmt"
	"os"

	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
)

// Lock takes an exclusive, non-blocking lock on path+".lock" so that two
// runs cannot write the same place at once. The lock file is left in place
// (removing it would race); the lock itself dies with the process.
func Lock(path string) (unlock func() error, err error) {
	name := path + ".lock"
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
	return func() error { return errors.Join(release(), f.Close()) }, nil
}
