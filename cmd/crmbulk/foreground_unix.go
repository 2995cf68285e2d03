//go:build unix

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// inForeground says whether f is a terminal whose foreground process group
// is this process's: only then does a Ctrl-C typed there reach crmbulk.
// Started with & (or from a script, a service) it does not.
func inForeground(f *os.File) bool {
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

// stopOther is how to stop this process from elsewhere.
func stopOther(pid int) string { return fmt.Sprintf("stop it with: kill %d", pid) }
