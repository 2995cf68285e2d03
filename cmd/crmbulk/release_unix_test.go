//go:build unix

package main

import (
	"os"
	"syscall"
)

// procAttr runs a process as u (nil: as the test's own user), in a process
// group of its own when newGroup.
func (u *osUser) procAttr(newGroup bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: newGroup}
	if u != nil {
		attr.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{}}
	}
	return attr
}

// endGroup ends p's process group (p and what it started in the background).
func endGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGTERM) }
