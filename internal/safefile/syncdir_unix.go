//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// SyncDir makes the names created, renamed or removed in dir durable
// (fsync of the folder): a rename into place survives a power cut once it
// returns. A file system that cannot sync a folder (EINVAL, ENOTSUP) is
// not an error: there is nothing more to do on it.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing the folder %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("syncing the folder %s: %w", dir, err)
	}
	return nil
}
