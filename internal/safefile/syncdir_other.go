//go:build !unix

package safefile

// SyncDir does nothing where a folder cannot be synced (Windows has no
// fsync of a folder: a handle to one is never opened for writing).
func SyncDir(string) error { return nil }
