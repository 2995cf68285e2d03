//go:build !unix

package runlock

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs") }
