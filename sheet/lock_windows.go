//go:build windows

package sheet

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// Lock takes an exclusive, non-blocking lock on path+".lock" so that two
// runs cannot write the same place at once.
func Lock(path string) (unlock func() error, err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the lock file %s: %w", name, err)
	}
	h := windows.Handle(f.Fd())
	ol := new(windows.Overlapped)
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol); err != nil {
		_ = f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, fmt.Errorf("%w: %s is locked (%s) — wait for the other run to finish", ErrLocked, path, name)
		}
		return nil, fmt.Errorf("locking %s: %w", name, err)
	}
	return func() error {
		err := windows.UnlockFileEx(h, 0, 1, 0, ol)
		return errors.Join(err, f.Close())
	}, nil
}
