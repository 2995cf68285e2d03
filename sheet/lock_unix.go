//go:build unix

package sheet

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive, non-blocking lock on path+".lock" so that two
// runs cannot write the same place at once. The lock file is left in place
// (removing it would race); the lock itself dies with the process.
func Lock(path string) (unlock func() error, err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the lock file %s: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked (%s) — wait for the other run to finish, or check that it is still alive", ErrLocked, path, name)
		}
		return nil, fmt.Errorf("locking %s: %w", name, err)
	}
	return func() error {
		err := unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return errors.Join(err, f.Close())
	}, nil
}
