// Package sharedwindow keeps a token's request window where every crmbulk
// process on the machine sees it: the limit belongs to the token, not to
// one run, so a dry run and the import after it, an interrupted run and
// its --resume, and two runs started at once share one sliding window.
//
// The window is a small JSON file per token — the start times still inside
// the window and the end of a block one run met — named by a hash of the
// token (never the token), in the user's cache directory or one given, and
// read and written under a file lock. A Store implements pacer.Shared.
package sharedwindow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
)

// DirEnv names the environment variable that overrides the directory.
const DirEnv = "CRMBULK_STATE_DIR"

// maxFileBytes bounds what a state file may hold: a window of the largest
// limit is a few tens of KB; anything bigger is not ours and is replaced.
const maxFileBytes = 1 << 20

// Dir is where the state files go: dir when given, else $CRMBULK_STATE_DIR
// (getenv), else the user's cache directory + "/crmbulk".
func Dir(dir string, getenv func(string) string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if v := getenv(DirEnv); v != "" {
		return v, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no directory for the shared request window (set %s): %w", DirEnv, err)
	}
	return filepath.Join(base, "crmbulk"), nil
}

// FileName is the state file's name for token: a hash, so that the file
// tells nothing of the token.
func FileName(token string) string {
	sum := sha256.Sum256([]byte("crmbulk request window\x00" + token))
	return "window-" + hex.EncodeToString(sum[:8]) + ".json"
}

// Store is the shared window of one token. Its methods lock the file for
// the few microseconds they read and write it.
type Store struct {
	path string
	warn func(string) // told when a corrupt file is replaced
}

// Open returns the store of token in dir, creating dir (0700) if needed.
func Open(dir, token string, warn func(string)) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("the shared request window: %w", err)
	}
	s := &Store{path: filepath.Join(dir, FileName(token)), warn: warn}
	if warn == nil {
		s.warn = func(string) {}
	}
	return s, nil
}

// Path is the state file's path.
func (s *Store) Path() string { return s.path }

// state is the file's content.
type state struct {
	Version     int     `json:"version"`
	Starts      []int64 `json:"starts"`       // Unix milliseconds, oldest first
	PausedUntil int64   `json:"paused_until"` // Unix milliseconds; 0 = none
}

// Take implements pacer.Shared.
func (s *Store) Take(now time.Time, limit int, span time.Duration) (next time.Time, ok bool, err error) {
	err = s.update(func(st *state) bool {
		st.Starts = slices.DeleteFunc(st.Starts, func(ms int64) bool { return !time.UnixMilli(ms).Add(span).After(now) })
		if until := time.UnixMilli(st.PausedUntil); st.PausedUntil != 0 && until.After(now) {
			next = until
			return true
		}
		if len(st.Starts) >= limit {
			next = time.UnixMilli(st.Starts[len(st.Starts)-limit]).Add(span)
			return true
		}
		ms := now.UnixMilli()
		i, _ := slices.BinarySearch(st.Starts, ms)
		st.Starts = slices.Insert(st.Starts, i, ms)
		ok = true
		return true
	})
	return next, ok, err
}

// Pause implements pacer.Shared.
func (s *Store) Pause(until time.Time) error {
	return s.update(func(st *state) bool {
		if ms := until.UnixMilli(); ms > st.PausedUntil {
			st.PausedUntil = ms
			return true
		}
		return false
	})
}

// update reads the state under the file lock, lets fn change it and writes
// it back when fn says so. A file that is not a state file is replaced.
func (s *Store) update(fn func(*state) (changed bool)) error {
	f, err := safefile.OpenFile(s.path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	defer f.Close()
	unlock, err := flock.Lock(f, true)
	if err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	defer unlock()
	var st state
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	if len(b) > 0 {
		if len(b) > maxFileBytes || json.Unmarshal(b, &st) != nil || st.Version != 1 {
			s.warn(fmt.Sprintf("the shared request window %s was not readable; it was replaced (runs of the last minute on this token are not counted)", s.path))
			st = state{}
		}
	}
	st.Version = 1
	slices.Sort(st.Starts) // runs read their clocks before they take the lock
	if !fn(&st) && len(b) > 0 {
		return nil
	}
	out, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(out, 0); err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	if err := f.Truncate(int64(len(out))); err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	return nil
}
