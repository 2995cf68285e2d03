package recordmac

import (
	"bytes"
	"os"
	"path/filepath"
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
