//go:build !unix

package safefile

import "os"

// Windows has no O_NOFOLLOW: Create checks the path with Lstat first. It
// has no FIFOs that an open would block on either.
const (
	noFollow = 0
	nonBlock = 0
)

func clearNonBlock(*os.File) error { return nil }
