package flock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLock: a second lock of the same file fails at once without wait and
// is granted after the first is released.
func TestLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.lock")
	open := func() *os.File {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	a, b := open(), open()
	unlock, err := Lock(a, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(b, false); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := Lock(b, false)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	_ = unlock2()
}
