package sheet

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/internal/flock"
)

func TestAtomicFile(t *testing.T) {
	tests := []struct {
		name   string
		old    bool
		commit bool
		want   string
	}{
		{"commit replaces the old file", true, true, "new"},
		{"commit creates a new file", false, true, "new"},
		{"abort keeps the old file", true, false, "old"},
		{"abort leaves nothing", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "clients.xlsx")
			if tt.old {
				if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			af, err := CreateAtomic(target)
			if err != nil {
				t.Fatal(err)
			}
			defer af.Abort()
			if temps, _ := filepath.Glob(filepath.Join(dir, ".clients.xlsx.tmp-*")); len(temps) != 1 {
				t.Errorf("temporary files %q, want one .clients.xlsx.tmp-* in the same directory", temps)
			}
			if _, err := af.Write([]byte("new")); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(target); tt.old && string(got) != "old" {
				t.Errorf("target changed before Commit: %q", got)
			}
			if tt.commit {
				err = af.Commit()
			} else {
				err = af.Abort()
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(target)
			if tt.want == "" {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("target exists after abort: %q, %v", got, err)
				}
			} else if string(got) != tt.want {
				t.Errorf("target = %q, want %q", got, tt.want)
			}
			if tt.old && tt.commit {
				if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
					t.Errorf("mode = %v, want the old file's 0640", fi.Mode().Perm())
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("temporary file left behind: %s", e.Name())
				}
			}
			if err := af.Abort(); err != nil {
				t.Errorf("second Abort: %v", err)
			}
		})
	}
}

func TestLock(t *testing.T) {
	target := filepath.Join(t.TempDir(), "clients.csv")
	unlock, err := Lock(target)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(target)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "clients.csv.lock") {
		t.Fatalf("second Lock: err = %v, want ErrLocked naming the lock file", err)
	}
	// The lock file names its holder (pid, host): it is its owner's alone.
	if fi, err := os.Stat(target + ".lock"); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the lock file's mode is %v, want -rw-------", fi.Mode().Perm())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := Lock(target)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := unlock2(); err != nil {
		t.Fatal(err)
	}
}

// TestLockLeavesNoFile: unlock removes the lock file; a run that opened
// the file before it was removed holds a lock nobody sees, and two new
// runs still exclude each other.
func TestLockLeavesNoFile(t *testing.T) {
	target := filepath.Join(t.TempDir(), "clients.csv")
	unlock, err := Lock(target)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := os.Open(target + ".lock") // a run that opened it, not yet locked
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(target + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the lock file stays after unlock: %v", err)
	}
	release, err := flock.Lock(stale, false) // it gets the lock of the removed file…
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	unlock2, err := Lock(target) // …which excludes nobody: the name is a new file
	if err != nil {
		t.Fatalf("Lock after a stale holder: %v", err)
	}
	if _, err := Lock(target); !errors.Is(err, ErrLocked) {
		t.Errorf("a second Lock while the first holds: %v, want ErrLocked", err)
	}
	if err := unlock2(); err != nil {
		t.Fatal(err)
	}
}
