// Package iostreams is the one place crmbulk decides what its standard
// streams are: whether stdout/stderr are terminals (and so whether a
// progress bar may be drawn), and a Test constructor with buffers so every
// command can be run inside a test.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams of one command run.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stderrTTY   bool
	interactive bool // stdin and stderr are terminals (--no-progress aside)
	width       int
}

// System returns the process's streams, with terminal detection.
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stderrTTY = term.IsTerminal(int(os.Stderr.Fd()))
	s.interactive = s.stderrTTY && term.IsTerminal(int(os.Stdin.Fd()))
	if getenv("TERM") == "dumb" || getenv("CI") != "" {
		// CI logs and dumb terminals get log lines, not redrawn bars.
		s.stderrTTY = false
	}
	if s.stderrTTY {
		if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil {
			s.width = w
		}
	}
	return s
}

// Test returns streams backed by buffers; nothing is a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStderrTTY reports whether standard error is a terminal: progress bars
// are drawn only then.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// IsInteractive reports whether a person sits at the run: standard input
// and standard error are both terminals (not cron, CI, a pipe or a test).
// A command that changes data without being asked to then shows its plan
// first (crmbulk undo).
// --no-progress does not change it.
func (s *IOStreams) IsInteractive() bool { return s.interactive }

// SetInteractive overrides IsInteractive's terminal detection (tests).
func (s *IOStreams) SetInteractive(v bool) { s.interactive = v }

// SetStderrTTY overrides terminal detection (tests, --no-progress).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// TerminalWidth is the width of the terminal on stderr, 80 when unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	return 80
}
