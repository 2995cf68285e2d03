package iostreams

import "testing"

func TestTestStreamsAreNotTerminals(t *testing.T) {
	s, in, out, errOut := Test()
	if s.IsStderrTTY() {
		t.Fatal("test streams claim to be terminals: commands would draw progress bars into buffers")
	}
	if s.In != in || s.Out != out || s.ErrOut != errOut {
		t.Fatal("streams are not the returned buffers")
	}
	if w := s.TerminalWidth(); w != 80 {
		t.Errorf("width of a non-terminal = %d, want the 80 default", w)
	}
	s.SetStderrTTY(true)
	if !s.IsStderrTTY() {
		t.Error("SetStderrTTY(true) did not stick")
	}
}

func TestSystemInCIHasNoProgressBar(t *testing.T) {
	env := map[string]string{"CI": "true"}
	s := System(func(k string) string { return env[k] })
	if s.IsStderrTTY() {
		t.Error("under CI=true stderr must not count as a terminal (log lines, not a redrawn bar)")
	}
}
