package sheet

import (
	"errors"
	"fmt"

	"github.com/crmbulk/crmbulk/internal/runlock"
)

// Lock takes an exclusive, non-blocking lock on path+".lock" so that two
// runs cannot write the same place at once. It is a runlock: the lock dies
// with the process, and unlock removes the lock file, so none stays behind
// a run.
func Lock(path string) (unlock func() error, err error) {
	name := path + ".lock"
	l, err := runlock.Acquire(name, path, "", 0o600) // it names the holder (pid, host): for its owner only
	if errors.Is(err, runlock.ErrHeld) {
		return nil, fmt.Errorf("%w: %s is locked (%s) — wait for the other run to finish, or check that it is still alive", ErrLocked, path, name)
	}
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}
