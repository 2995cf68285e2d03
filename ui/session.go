package ui

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sheet"
)

// Session is the state of the one page a server serves: its uploaded
// files, its mapping, its token (memory only) and what it read of the
// account. Every field is guarded by mu; handlers use the methods.
type Session struct {
	mu  sync.Mutex
	dir string // the work folder: uploads/ID/NAME, reports, corrected copies

	// checked remembers the XLSX files read whole and found sound, so that
	// the guess, the preview, the plan and the fixes of one upload read it
	// whole once.
	checked sheet.Checked

	tok     baselinker.Token // never written, never sent back
	tokFrom string           // where tok came from, in words ("" = no token)
	cli     *baselinker.API  // built from tok on first use

	files map[string]*Upload // uploaded inputs by ID

	// The account's statuses and extra fields once read.
	acc     baselinker.Account
	accRead bool

	imp importState // the import flow's current file and mapping (import.go)

	runs *runManager // the page's imports and undos (runs.go); not guarded by mu
}

// Upload is one uploaded file in the work folder.
type Upload struct {
	ID   string // random, in URLs
	Name string // the safe base name the file was saved under
	Path string // WorkDir/uploads/ID/Name
	Size int64
}

func newSession(dir string, tok baselinker.Token, from string, log *slog.Logger) *Session {
	if tok == "" {
		from = ""
	}
	return &Session{dir: dir, tok: tok, tokFrom: from, files: map[string]*Upload{}, runs: newRunManager(log)}
}

// token is the session's token and where it came from ("" = none).
func (s *Session) token() (baselinker.Token, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, s.tokFrom
}

// setToken replaces the token; cli, if not nil, is its client already built.
func (s *Session) setToken(tok baselinker.Token, from string, cli *baselinker.API) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok == "" {
		from = ""
	}
	if tok != s.tok {
		s.acc, s.accRead = baselinker.Account{}, false // another token may be another account
	}
	s.tok, s.tokFrom, s.cli = tok, from, cli
}

// client returns the API client of the session's token, made with newAPI
// on first use.
func (s *Session) client(newAPI func(baselinker.Token) (*baselinker.API, error)) (*baselinker.API, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == "" {
		return nil, errNoToken
	}
	if s.cli == nil {
		cli, err := newAPI(s.tok)
		if err != nil {
			return nil, err
		}
		s.cli = cli
	}
	return s.cli, nil
}

// newID is a random identifier for URLs (files, runs).
func newID() string {
	var b [9]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather)
	return hex.EncodeToString(b[:])
}

// addUpload makes the folder of a new upload named name (already a safe
// base name, see safeName) and returns it, not yet listed: the caller
// writes the file, then lists it with keepUpload.
func (s *Session) addUpload(name string) (*Upload, error) {
	id := newID()
	dir := filepath.Join(s.dir, "uploads", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("the work folder %s: %w", s.dir, err)
	}
	return &Upload{ID: id, Name: name, Path: filepath.Join(dir, name)}, nil
}

// keepUpload lists u, written whole.
func (s *Session) keepUpload(u *Upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[u.ID] = u
}

// account is the account's statuses and extra fields, ok when read.
func (s *Session) account() (baselinker.Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acc, s.accRead
}

// setAccount keeps what readAccount read.
func (s *Session) setAccount(acc baselinker.Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acc, s.accRead = acc, true
}

// currentUpload is the import's file, nil before one is chosen.
func (s *Session) currentUpload() *Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imp.input
}
