//go:build !unix && !windows

package flock

import (
	"errors"
	"fmt"
	"os"
)

// Lock is not available on this platform.
func Lock(f *os.File, wait bool) (unlock func() error, err error) {
	return nil, fmt.Errorf("locking %s: %w", f.Name(), errors.ErrUnsupported)
}
