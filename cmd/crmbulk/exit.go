package main

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, the same for every command.
const (
	exitOK          = 0   // success
	exitRowsFailed  = 1   // finished, but some rows were invalid or failed
	exitError       = 2   // usage, configuration, input or fatal API error
	exitInterrupted = 130 // SIGINT / SIGTERM
)

// errRowsFailed is returned by a command that finished but had rows that
// were invalid or failed; its summary has already been printed.
var errRowsFailed = errors.New("some rows were invalid or failed")

// rowsFailedError is errRowsFailed with the import's counts, for callers
// that tell invalid rows from refused ones (the demo).
type rowsFailedError struct{ invalid, failed, conflict int }

func (e rowsFailedError) Error() string {
	if e.conflict > 0 {
		return fmt.Sprintf("%s: %d invalid, %d failed, %d in conflict", errRowsFailed, e.invalid, e.failed, e.conflict)
	}
	return fmt.Sprintf("%s: %d invalid, %d failed", errRowsFailed, e.invalid, e.failed)
}

func (e rowsFailedError) Is(target error) bool { return target == errRowsFailed }

// errInterrupted is returned when a signal stopped the run; its words are
// the user's (never Go's "context canceled").
var errInterrupted = errors.New("stopped by Ctrl-C or SIGTERM")

// usageError marks a mistake in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode maps the error a command returned (and whether the run was
// interrupted) to the process exit code.
func exitCode(ctx context.Context, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return exitInterrupted
	case errors.Is(err, errRowsFailed):
		return exitRowsFailed
	}
	return exitError
}
