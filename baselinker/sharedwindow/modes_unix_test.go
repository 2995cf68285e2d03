//go:build unix

package sharedwindow

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSharedFolderModes: the system-wide folder is made sticky and
// world-writable, a window file readable and writable by all, whatever the
// umask: another user's run updates it in place.
func TestSharedFolderModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	d := filepath.Join(t.TempDir(), "var", "crmbulk")
	if err := ensureShared(d); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(d); err != nil || fi.Mode()&(fs.ModeSticky|fs.ModePerm) != fs.ModeSticky|0o777 {
		t.Fatalf("folder mode %v (%v), want sticky 0777", fi.Mode(), err)
	}
	if err := ensureShared(d); err != nil { // there already: taken as it is
		t.Fatal(err)
	}
	s := open(t, d, nil)
	if _, _, err := take(s, time.Now(), 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(s.Path()); err != nil || fi.Mode().Perm() != 0o666 {
		t.Fatalf("file mode %v (%v), want 0666 under umask 077", fi.Mode(), err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(d, link); err != nil {
		t.Fatal(err)
	}
	if err := ensureShared(link); err == nil {
		t.Error("a link in place of the folder was taken")
	}
	// Made by someone else, writable by all but not sticky: anyone could
	// remove the others' lock files, or swap their record keys.
	loose := filepath.Join(t.TempDir(), "crmbulk")
	if err := os.Mkdir(loose, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := ensureShared(loose); err == nil || !strings.Contains(err.Error(), "chmod 1777") {
		t.Errorf("a world-writable folder without the sticky bit was taken: %v", err)
	}
}
