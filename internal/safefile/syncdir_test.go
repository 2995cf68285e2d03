//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncDir: a folder is synced without error; one that is not there is
// an error that names it.
func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, dir string
		missing   bool
	}{
		{"a folder", dir, false},
		{"a folder that is not there", filepath.Join(dir, "gone"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := SyncDir(tt.dir)
			if got := errors.Is(err, fs.ErrNotExist); got != tt.missing || (err != nil && !strings.Contains(err.Error(), tt.dir)) {
				t.Errorf("SyncDir(%s) = %v, want an error naming it: %t", tt.dir, err, tt.missing)
			}
		})
	}
}
