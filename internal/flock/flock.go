// Package flock locks files between processes: the one home of the
// platform calls (flock on Unix, LockFileEx on Windows) behind an export's
// lock file and a token's shared request window.
package flock

import "errors"

// ErrLocked is returned by a non-waiting Lock when another process holds the lock.
var ErrLocked = errors.New("the file is locked by another process")
