//go:build !unix

package main

import (
	"fmt"
	"os"

	"golang.org/x/term"
)

// inForeground says whether f is a console: a Ctrl-C typed there reaches
// crmbulk.
func inForeground(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// stopOther is how to stop this process from elsewhere.
func stopOther(pid int) string { return fmt.Sprintf("stop it with: Stop-Process -Id %d", pid) }
