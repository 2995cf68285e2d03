//go:build !unix && !windows

package sheet

import (
	"errors"
	"fmt"
)

// Lock is not available on this platform.
func Lock(path string) (unlock func() error, err error) {
	return nil, fmt.Errorf("locking %s: %w", path, errors.ErrUnsupported)
}
