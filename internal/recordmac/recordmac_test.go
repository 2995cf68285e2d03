package recordmac

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestKey: runs that make the key at once agree on it; the file is 0600
// and named without the account itself.
func TestKey(t *testing.T) {
	dir := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := Key(dir, "acc123")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) || len(k) != keyBytes {
			t.Fatalf("keys differ: %x vs %x", k, keys[0])
		}
	}
	fi, err := os.Stat(filepath.Join(dir, FileName("acc123")))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if other, _ := Key(dir, "other"); bytes.Equal(other, keys[0]) {
		t.Error("two accounts share a key")
	}
}

// TestSum: a MAC checks its own cells and no others (a cell changed, cells
// shifted between columns, another key).
func TestSum(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	cells := []string{"2", "created", "17", "", "a,b"}
	mac := Sum(k1, cells)
	if len(mac) != 16 || !Verify(k1, cells, mac) {
		t.Fatalf("mac %q does not verify", mac)
	}
	for name, c := range map[string][]string{
		"status edited": {"2", "failed", "17", "", "a,b"},
		"cells shifted": {"2", "created", "17", "a", ",b"},
		"cell dropped":  {"2", "created", "17", "a,b"},
	} {
		if Verify(k1, c, mac) {
			t.Errorf("%s: verifies", name)
		}
	}
	if Verify(k2, cells, mac) {
		t.Error("another key's MAC verifies")
	}
}

// TestKeyPlanted: a key file another user planted under the account's name
// in the shared folder (mode others may read, or another owner) is refused,
// not used: its maker would know the key and could forge report lines.
func TestKeyPlanted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix modes and owners")
	}
	planted := strings.Repeat("ab", keyBytes) + "\n"
	t.Run("readable by others", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName("acc123"))
		if err := os.WriteFile(path, []byte(planted), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		k, err := Key(dir, "acc123")
		if err == nil || !strings.Contains(err.Error(), "not this user's own") {
			t.Fatalf("planted key taken: %x, %v", k, err)
		}
	})
	t.Run("group bits of a volume's fsGroup", func(t *testing.T) {
		dir := t.TempDir()
		want, err := Key(dir, "acc123")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, FileName("acc123")), 0o660); err != nil {
			t.Fatal(err)
		}
		if k, err := Key(dir, "acc123"); err != nil || !bytes.Equal(k, want) {
			t.Fatalf("own key with group bits: %x, %v", k, err)
		}
	})
	t.Run("another owner", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("only root can give a file to another user")
		}
		dir := t.TempDir()
		path := filepath.Join(dir, FileName("acc123"))
		if err := os.WriteFile(path, []byte(planted), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		k, err := Key(dir, "acc123")
		if err == nil || !strings.Contains(err.Error(), "another user") {
			t.Fatalf("planted key taken: %x, %v", k, err)
		}
	})
}

// TestKeyDirError: a state directory Key cannot make is a *DirError
// naming it, its words the command line's, unchanged.
func TestKeyDirError(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "state")
	_, err := Key(dir, "acct")
	var de *DirError
	if !errors.As(err, &de) || de.Dir != dir || !strings.HasPrefix(err.Error(), "the state directory "+dir+": ") {
		t.Fatalf("%v (%T): want a *DirError of %s", err, err, dir)
	}
	// A symbolic link at the key's path is the file's fault, not the
	// folder's: said as it is, not as a folder to make writable.
	state := t.TempDir()
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(state, FileName("acct"))); err != nil {
		t.Skip(err)
	}
	_, err = Key(state, "acct")
	if errors.As(err, &de) || !strings.Contains(fmt.Sprint(err), "symbolic link") {
		t.Errorf("a symlinked key: %v (%T); want its own words, not a *DirError", err, err)
	}
}
