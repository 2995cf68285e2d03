// Package sharedwindow keeps a token's request window where every crmbulk
// process on the machine sees it, whoever runs it: the limit belongs to the
// token, not to one run or one user, so a dry run and the import after it,
// an interrupted run and its --resume, a systemd unit under its own user
// and an admin's manual run share one sliding window.
//
// The window is a small JSON file per token — the start times still inside
// the window and the end of a block one run met — named by a hash of the
// token (never the token), in a folder every user of the machine shares
// (SystemDir: /var/tmp/crmbulk, sticky and world-writable like /tmp) or one
// given, read and written in place under a file lock. Anyone may write the
// file, so it is never trusted: start times in the future, a pause longer
// than an hour and anything that is not a state file are warned about and
// replaced, and waiting for its lock ends with the run's context. A Store
// implements pacer.Shared.
package sharedwindow

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
)

// DirEnv names the environment variable that overrides the directory.
const DirEnv = "CRMBULK_STATE_DIR"

// maxFileBytes bounds what a state file may hold: a window of the largest
// limit is a few tens of KB; anything bigger is not ours and is replaced.
const maxFileBytes = 1 << 20

// Sanity bounds of what a state file may say, against the clock of the run
// that reads it.
const (
	// MaxSkew is how far in the future a start may lie: two runs read
	// their clocks before they take the lock, and a shared volume's
	// machines differ a little. A start further ahead would hold a slot
	// for as long; it is dropped.
	MaxSkew = 5 * time.Second
	// MaxPause is the longest pause a file may hold: the API's blocks last
	// about 10 minutes; a pause until the year 2100 would stall every run.
	MaxPause = time.Hour
)

// dirMode is the system-wide folder's mode: everyone may create files,
// only their owner may remove or rename them (the sticky bit, as /tmp).
const dirMode = 0o777 | fs.ModeSticky

// fileMode is a window file's mode, whatever the umask: every user's runs
// update it in place.
const fileMode = 0o666

// SystemDir is the default folder of the shared windows: one for every
// user of the machine — /var/tmp/crmbulk, or %ProgramData%\crmbulk on
// Windows.
func SystemDir(getenv func(string) string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(cmp.Or(getenv("ProgramData"), `C:\ProgramData`), "crmbulk")
	}
	return "/var/tmp/crmbulk"
}

// Dir is where the state files go: dir when given, else $CRMBULK_STATE_DIR
// (getenv), else SystemDir, created (sticky, world-writable) when missing.
func Dir(dir string, getenv func(string) string) (string, error) {
	if d := cmp.Or(dir, getenv(DirEnv)); d != "" {
		return d, nil
	}
	d := SystemDir(getenv)
	if err := ensureShared(d); err != nil {
		return "", fmt.Errorf("no folder for the shared request window (give --state-dir or set %s): %w", DirEnv, err)
	}
	return d, nil
}

// ensureShared makes the system-wide folder: every user's runs create their
// files in it. A folder that exists is taken as it is, a link refused, and
// so is one every user may write to that is not sticky: there any user
// could remove or replace another's lock and key files.
func ensureShared(d string) error {
	fi, err := os.Lstat(d)
	switch {
	case err == nil && fi.IsDir() && fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 && runtime.GOOS != "windows":
		return fmt.Errorf("%s lets every user write in it but is not sticky (mode %v), so any user could remove or replace the others' lock and key files: make it sticky (chmod 1777 %s) or remove it", d, fi.Mode(), d)
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("%s is not a folder (%s): remove it", d, fi.Mode().Type())
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(d, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	} else if err == nil && runtime.GOOS != "windows" {
		return os.Chmod(d, dirMode) // the umask took bits away from Mkdir's mode
	}
	return nil
}

// FileName is the state file's name for token: a hash, so that the file
// tells nothing of the token.
func FileName(token string) string {
	sum := sha256.Sum256([]byte("crmbulk request window\x00" + token))
	return "window-" + hex.EncodeToString(sum[:8]) + ".json"
}

// Store is the shared window of one token. Its methods lock the file for
// the few microseconds they read and write it; the pacer calls them one at
// a time.
type Store struct {
	path string
	warn func(string) // told when the file is replaced, once per kind (nil: no one)
	said map[string]bool
}

// Open returns the store of token in dir, creating dir (0700) if needed.
func Open(dir, token string, warn func(string)) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("the shared request window: %w", err)
	}
	return &Store{path: filepath.Join(dir, FileName(token)), warn: warn, said: map[string]bool{}}, nil
}

// Path is the state file's path.
func (s *Store) Path() string { return s.path }

// state is the file's content.
type state struct {
	Version     int     `json:"version"`
	Starts      []int64 `json:"starts"`       // Unix milliseconds, oldest first
	PausedUntil int64   `json:"paused_until"` // Unix milliseconds; 0 = none
	// Users holds the latest start of each user's runs (uid → Unix
	// milliseconds), so that a run on another folder can tell another
	// user's run is live (LiveOther).
	Users map[string]int64 `json:"users,omitempty"`
}

// Take implements pacer.Shared: it records a start at now unless limit
// starts already lie within span before now (then next is when one
// leaves), or a block a run met is not over (then next is its end, and
// paused).
func (s *Store) Take(ctx context.Context, now time.Time, limit int, span time.Duration) (next time.Time, ok, paused bool, err error) {
	err = s.update(ctx, now, func(st *state) bool {
		st.Starts = slices.DeleteFunc(st.Starts, func(ms int64) bool { return !time.UnixMilli(ms).Add(span).After(now) })
		if until := time.UnixMilli(st.PausedUntil); st.PausedUntil != 0 && until.After(now) {
			next, paused = until, true
			return true
		}
		if len(st.Starts) >= limit {
			next = time.UnixMilli(st.Starts[len(st.Starts)-limit]).Add(span)
			return true
		}
		ms := now.UnixMilli()
		i, _ := slices.BinarySearch(st.Starts, ms)
		st.Starts = slices.Insert(st.Starts, i, ms)
		maps.DeleteFunc(st.Users, func(_ string, last int64) bool { return !time.UnixMilli(last).Add(span).After(now) })
		if st.Users == nil {
			st.Users = map[string]int64{}
		}
		st.Users[runner()] = ms
		ok = true
		return true
	})
	return next, ok, paused, err
}

// Pause implements pacer.Shared. A pause beyond MaxPause is cut to it.
func (s *Store) Pause(ctx context.Context, now, until time.Time) error {
	if limit := now.Add(MaxPause); until.After(limit) {
		until = limit
	}
	return s.update(ctx, now, func(st *state) bool {
		if ms := until.UnixMilli(); ms > st.PausedUntil {
			st.PausedUntil = ms
			return true
		}
		return false
	})
}

// LiveOther reports whether another user's run used the window lately: a
// start within span before now by a user other than this process's. It
// only reads (a run on another folder looks whether it would overrun one
// in this one) and never waits for the lock.
func (s *Store) LiveOther(now time.Time, span time.Duration) bool {
	f, err := safefile.Open(s.path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, _, err := readState(f)
	if err != nil || st.Version != 1 {
		return false
	}
	s.sane(&st, now)
	me := runner()
	for who, ms := range st.Users {
		if who != me && time.UnixMilli(ms).Add(span).After(now) {
			return true
		}
	}
	return false
}

// SystemLive reports whether another user's run sends on the token with
// its window in the system-wide folder (SystemDir) while this run keeps
// its window in dir, another folder: the two together may then go over
// the limit. It returns the file it looked at.
func SystemLive(dir, token string, getenv func(string) string, now time.Time, span time.Duration) (string, bool) {
	sys := SystemDir(getenv)
	if a, err := filepath.Abs(dir); err == nil && (a == filepath.Clean(sys) || safefile.SameFile(a, sys)) {
		return "", false
	}
	s := &Store{path: filepath.Join(sys, FileName(token))}
	return s.path, s.LiveOther(now, span)
}

// maxUsers bounds the users a state file remembers (the latest start of
// each, for LiveOther); more are not one machine's crmbulk runs.
const maxUsers = 64

// runner names the user this process runs as: its uid, or on Windows its
// SID; "" when it cannot tell.
func runner() string {
	if uid := os.Getuid(); uid >= 0 {
		return strconv.Itoa(uid)
	}
	if u, err := user.Current(); err == nil {
		return u.Uid
	}
	return ""
}

// sane drops what a state file may not say at now: starts further ahead
// than MaxSkew, a pause longer than MaxPause. It reports what it dropped.
func (s *Store) sane(st *state, now time.Time) string {
	var dropped []string
	ahead := now.Add(MaxSkew).UnixMilli()
	n := len(st.Starts)
	st.Starts = slices.DeleteFunc(st.Starts, func(ms int64) bool { return ms > ahead })
	if k := n - len(st.Starts); k > 0 {
		dropped = append(dropped, fmt.Sprintf("%d start times more than %s in the future (a clock set wrong, or a machine sharing the folder)", k, MaxSkew))
	}
	maps.DeleteFunc(st.Users, func(_ string, ms int64) bool { return ms > ahead })
	if len(st.Users) > maxUsers {
		st.Users = nil // not one machine's runs: forgotten, the starts still count
	}
	if st.PausedUntil > now.Add(MaxPause).UnixMilli() {
		dropped = append(dropped, fmt.Sprintf("a pause until %s, more than %s ahead (the API's blocks last minutes)",
			time.UnixMilli(st.PausedUntil).UTC().Format(time.RFC3339), MaxPause))
		st.PausedUntil = 0
	}
	return strings.Join(dropped, " and ")
}

// warnOnce tells the user once per kind of trouble, not once per request.
func (s *Store) warnOnce(kind, msg string) {
	if s.warn != nil && !s.said[kind] {
		s.said[kind] = true
		s.warn(msg)
	}
}

// update reads the state under the file lock, lets fn change it and writes
// it back, in place, when fn says so. A file that is not a state file, or
// says what it may not (sane), is replaced or mended, with a warning.
func (s *Store) update(ctx context.Context, now time.Time, fn func(*state) (changed bool)) error {
	f, err := s.openFile()
	if err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	release, err := s.lock(ctx, f) // f is lock's to close from here
	if err != nil {
		return err
	}
	defer release()
	st, b, err := readState(f)
	if err != nil {
		return fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	mended := false
	if len(b) > 0 && st.Version != 1 {
		s.warnOnce("garbage", fmt.Sprintf("the shared request window %s was not readable; it was replaced (runs of the last minute on this token are not counted)", s.path))
		st, mended = state{}, true
	}
	if dropped := s.sane(&st, now); dropped != "" {
		s.warnOnce("insane", fmt.Sprintf("the shared request window %s held %s; they were removed", s.path, dropped))
		mended = true
	}
	st.Version = 1
	slices.Sort(st.Starts) // runs read their clocks before they take the lock
	if !fn(&st) && len(b) > 0 && !mended {
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

// readState reads a state file: its bytes, and the state they hold — with
// Version 0 when they are not a state file (larger than maxFileBytes, not
// JSON).
func readState(r io.Reader) (st state, b []byte, err error) {
	b, err = io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil || len(b) > maxFileBytes || json.Unmarshal(b, &st) != nil {
		return state{}, b, err
	}
	return st, b, nil
}

// openFile opens the state file, creating it readable and writable by
// every user whatever the umask: runs of other users update it in place
// (in a sticky folder a file of another user cannot be replaced).
func (s *Store) openFile() (*os.File, error) {
	f, err := safefile.OpenFile(s.path, os.O_CREATE|os.O_EXCL|os.O_RDWR, fileMode)
	if errors.Is(err, fs.ErrExist) {
		return safefile.OpenFile(s.path, os.O_RDWR, fileMode)
	}
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(fileMode); err != nil && runtime.GOOS != "windows" {
		f.Close()
		return nil, err
	}
	return f, nil
}

// lockSaid is how long a wait for the lock lasts before it is said.
const lockSaid = time.Second

// lock takes the file's lock. While another process holds it, it waits
// until the lock frees or ctx ends (an interrupt, or the run's --max-wait);
// a wait of more than lockSaid is said once. It owns f from then on: it
// closes f itself (release), after the lock is given back or, when the
// wait was given up, once the abandoned wait returns.
func (s *Store) lock(ctx context.Context, f *os.File) (release func(), err error) {
	if unlock, err := flock.Lock(f, false); err == nil {
		return func() { _ = unlock(); _ = f.Close() }, nil
	} else if !errors.Is(err, flock.ErrLocked) {
		_ = f.Close()
		return nil, fmt.Errorf("the shared request window %s: %w", s.path, err)
	}
	var unlock func() error // set before got says how the lock ended
	got := make(chan error, 1)
	go func() { // a blocking lock: it ends when the holder lets go (or dies)
		u, err := flock.Lock(f, true)
		unlock = u
		got <- err
	}()
	start := time.Now()
	said := time.NewTimer(lockSaid)
	defer said.Stop()
	for {
		select {
		case err := <-got:
			if err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("the shared request window %s: %w", s.path, err)
			}
			return func() { _ = unlock(); _ = f.Close() }, nil
		case <-said.C:
			s.warnOnce("lock", fmt.Sprintf("waiting for another run's lock on the shared request window %s (held for %s so far; Ctrl-C stops, --max-wait bounds the wait)",
				s.path, time.Since(start).Round(time.Second)))
		case <-ctx.Done():
			go func() { // the wait goes on in the kernel: give the lock back when it comes
				if err := <-got; err == nil {
					_ = unlock()
				}
				_ = f.Close()
			}()
			return nil, fmt.Errorf("waiting for another run's lock on the shared request window %s: %w", s.path, context.Cause(ctx))
		}
	}
}
