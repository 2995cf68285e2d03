//go:build !unix

package main

import (
	"os"
	"syscall"
)

// procAttr: the release archive is run as another user on Unix only
// (unpackRelease skips elsewhere).
func (u *osUser) procAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func endGroup(p *os.Process) { _ = p.Kill() }
