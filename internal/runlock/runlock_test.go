package runlock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

// TestAcquire: a second lock is refused naming the holder; after release
// the file is gone and the lock is free; a file a dead run left (no OS
// lock on it) is taken over and its holder reported as stale.
func TestAcquire(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.csv.lock")
	a, err := Acquire(p, "the report r.csv", "crmbulk import in.csv", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(p, "the report r.csv", "crmbulk import in.csv --report r.csv", 0o644)
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrHeld) {
		t.Fatalf("second lock: %v, want a HeldError", err)
	}
	if held.Holder == nil || held.Holder.PID != os.Getpid() || held.Holder.Command != "crmbulk import in.csv" || held.Holder.Since.IsZero() {
		t.Fatalf("holder %+v", held.Holder)
	}
	for _, want := range []string{"the report r.csv is in use", "pid", "crmbulk import in.csv", "since", "nothing was sent"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file stays after release: %v", err)
	}
	b, err := Acquire(p, "x", "second", 0o644)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if b.Stale != nil {
		t.Errorf("a fresh file has a stale holder %+v", b.Stale)
	}
	// A dead run's file: its holder is written, no OS lock holds it.
	_ = b.f.Close()
	c, err := Acquire(p, "x", "third", 0o644)
	if err != nil {
		t.Fatalf("taking over a dead run's lock: %v", err)
	}
	defer c.Release()
	if c.Stale == nil || c.Stale.Command != "second" {
		t.Errorf("stale holder %+v, want the dead run's", c.Stale)
	}
	if h := readHolder(p); h == nil || h.Command != "third" {
		t.Errorf("the file names %+v, want the new holder", h)
	}
}

// FuzzHolder: whatever a lock file holds (the state folder is shared by
// every user), reading its holder never panics, and a holder read back
// names a process.
func FuzzHolder(f *testing.F) {
	f.Add([]byte("\n{\"pid\":42,\"host\":\"h\",\"command\":\"crmbulk import a.csv\",\"since\":\"2026-12-06T12:00:00Z\"}\n"))
	f.Add([]byte("\n{\"pid\":0}"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "x.lock")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if h := readHolder(p); h != nil && h.PID == 0 {
			t.Fatalf("holder without a pid: %+v", h)
		}
	})
}

// TestHolderHostile: the holder of a lock in the shared state folder may be
// another user's file: a FIFO there does not hang the run that reads it,
// and an escape sequence in it is not passed to the terminal.
func TestHolderHostile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.lock")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan *Holder, 1)
	go func() { done <- readHolder(fifo) }()
	select {
	case h := <-done:
		if h != nil {
			t.Errorf("holder %+v from a FIFO", h)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading the holder of a FIFO hangs")
	}

	p := filepath.Join(dir, "evil.lock")
	if err := os.WriteFile(p, []byte("\n{\"pid\":7,\"host\":\"h\\u001b]0;x\\u0007\",\"command\":\"crmbulk \\u001b[2J import\"}\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	h := readHolder(p)
	if h == nil || strings.ContainsFunc(h.String(), unicode.IsControl) {
		t.Fatalf("holder %+v carries control characters", h)
	}
	if !strings.Contains(h.Command, `\x1b[2J`) {
		t.Errorf("command %q: the escape is not shown", h.Command)
	}
}
