package ui

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
)

//go:embed static
var staticFiles embed.FS

// Config is one `crmbulk ui` server.
type Config struct {
	// NewAPI builds the API client for a token, as the command line builds
	// it (endpoint, the token's shared request window, logger, timeouts).
	// The page's runs, reads and exports all use the client it returns.
	NewAPI func(token baselinker.Token) (*baselinker.API, error)
	// Token is the token found in the usual places (--token-file,
	// BASELINKER_TOKEN); "" = the page asks for one.
	Token baselinker.Token
	// TokenFrom says where Token came from, for the page: TokenFromEnv or
	// TokenFromFile (never the token).
	TokenFrom string
	// WorkDir is the session's work folder: uploads, corrected copies,
	// reports, exports. "" = a new temporary folder, removed by Close.
	WorkDir string
	// StateDir is the state directory (sharedwindow.Dir) the runs lock
	// their inputs in, as the command line's runs do ("" = no locks).
	StateDir string
	// Logger gets the server's notes (nil: discarded). The token never
	// reaches it.
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// MaxUpload bounds one uploaded input file in bytes (<= 0:
	// DefaultMaxUpload).
	MaxUpload int64
}

// Where the session's token came from (Config.TokenFrom, sessionInfo).
const (
	TokenFromEnv  = "env"  // BASELINKER_TOKEN
	TokenFromFile = "file" // --token-file
	TokenFromPage = "page" // pasted in the page
)

// Server is the page's HTTP server: one session, made by New.
type Server struct {
	cfg     Config
	secret  string // the session secret: in the first URL, then the cookie
	sess    *Session
	tempDir bool         // WorkDir was made by New and is removed by Close
	exp     *exportState // the export flow (export.go)
}

// New checks cfg and makes the session (its secret, its work folder).
func New(cfg Config) (*Server, error) {
	if cfg.NewAPI == nil {
		return nil, errors.New("ui: Config.NewAPI is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	s := &Server{cfg: cfg}
	if cfg.WorkDir == "" {
		dir, err := os.MkdirTemp("", "crmbulk-ui-")
		if err != nil {
			return nil, fmt.Errorf("ui: a work folder for the session: %w", err)
		}
		s.cfg.WorkDir, s.tempDir = dir, true
	} else if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("ui: work folder: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("ui: session secret: %w", err)
	}
	s.secret = hex.EncodeToString(b[:])
	s.sess = newSession(s.cfg.WorkDir, cfg.Token, cfg.TokenFrom, s.cfg.Logger)
	return s, nil
}

// Close stops the page's runs (as Ctrl-C does) and removes the work
// folder New made (a WorkDir given in Config stays).
func (s *Server) Close() error {
	s.StopRuns()
	if s.tempDir {
		return os.RemoveAll(s.cfg.WorkDir)
	}
	return nil
}

// StopRuns stops the session's runs as Ctrl-C stops a command's (the
// requests in flight may finish) and waits for them: their event streams
// end, so that a server shut down after it is not held by an open page.
func (s *Server) StopRuns() { s.sess.runs.close() }

// WorkDir is the session's work folder.
func (s *Server) WorkDir() string { return s.cfg.WorkDir }

// URL is the address to open for a server listening on addr (host:port):
// it carries the session secret, which the page trades for its cookie.
func (s *Server) URL(addr string) string {
	return "http://" + addr + "/?" + secretParam + "=" + s.secret
}

// Handler is the whole page: the static files and the JSON API under
// /api/, behind the security rules (security.go).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static") // cannot fail: the folder is embedded
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, static, "index.html")
	})
	mux.HandleFunc("GET /api/session", s.handleSession)
	mux.HandleFunc("POST /api/token", s.handleToken)
	mux.HandleFunc("DELETE /api/token", s.handleForgetToken)
	mux.HandleFunc("GET /api/account", s.handleAccount)
	for _, add := range []func(*http.ServeMux){s.importRoutes, s.runRoutes, s.exportRoutes} {
		add(mux)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("%s %s: no such request; reload the page (crmbulk may have been updated)", r.Method, r.URL.Path)})
	})
	return s.secure(mux)
}

// apiError is every error the API answers, in words with the fix.
type apiError struct {
	Error string `json:"error"`           // what went wrong and what to do
	Field string `json:"field,omitempty"` // the field or control it concerns
	Row   int    `json:"row,omitempty"`   // the input row it concerns
	// Note is the error in the page's words when crmbulk's (Error) tell
	// the user to use a command line flag (pageError): the page shows it.
	Note *pageNote `json:"note,omitempty"`
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away: nothing to tell it
}

// writeError answers e with status (a 4xx or 5xx).
func writeError(w http.ResponseWriter, status int, e apiError) { writeJSON(w, status, e) }

// maxJSONBody bounds a JSON request body: a mapping is at most
// mapping.MaxFileBytes as YAML, and its JSON form is of the same order.
const maxJSONBody = 1 << 20

// readJSON decodes r's body (at most maxJSONBody bytes, one JSON value,
// no unknown fields) into v. Its error is in words, for the page.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("the request is not JSON (Content-Type %q); reload the page", ct)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("the request is larger than %d KB; send less at once", maxJSONBody>>10)
		}
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			// Not named: a key is the sender's text (a token pasted in the wrong place).
			return errors.New("the request has a field this page does not know; reload the page")
		}
		return fmt.Errorf("the request is not valid JSON (%w); reload the page", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("the request holds more than one JSON value; reload the page")
	}
	return nil
}

// badRequest answers a request readJSON refused.
func badRequest(w http.ResponseWriter, err error) {
	writeError(w, http.StatusBadRequest, apiError{Error: err.Error()})
}

// sessionInfo is what the page learns about the session: never the token.
type sessionInfo struct {
	Token     bool   `json:"token"`               // a token is known
	TokenFrom string `json:"tokenFrom,omitempty"` // where it came from: TokenFromEnv, TokenFromFile, TokenFromPage
	WorkDir   string `json:"workDir"`             // where the session's files go
}

func (s *Server) handleSession(w http.ResponseWriter, _ *http.Request) {
	_, from := s.sess.token()
	writeJSON(w, http.StatusOK, sessionInfo{Token: from != "", TokenFrom: from, WorkDir: s.cfg.WorkDir})
}

// handleToken takes a token pasted in the page: checked by building the
// API client with it, kept in memory only, never answered back.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := readJSON(w, r, &in); err != nil {
		badRequest(w, err)
		return
	}
	tok := baselinker.Token(strings.TrimSpace(in.Token))
	api, err := s.cfg.NewAPI(tok)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "token"})
		return
	}
	s.sess.setToken(tok, TokenFromPage, api)
	s.handleSession(w, r)
}

// handleForgetToken drops a pasted token (one from the environment or a
// token file comes back: it is where the user put it).
func (s *Server) handleForgetToken(w http.ResponseWriter, r *http.Request) {
	s.sess.setToken(s.cfg.Token, s.cfg.TokenFrom, nil)
	s.handleSession(w, r)
}

// errNoToken is the words for a request that needs the API without a token.
var errNoToken = errors.New("no API token: paste your token in the box at the top of the page " +
	"(from your Base account's API settings), or start crmbulk ui with BASELINKER_TOKEN set or --token-file")

// apiClient returns the session's API client, built once per token with
// Config.NewAPI; errNoToken (in words) when no token is known yet. Every
// handler that talks to the API (reads, runs, undo, export) gets it here.
func (s *Server) apiClient() (*baselinker.API, error) {
	return s.sess.client(s.cfg.NewAPI)
}

// readAccount returns the account's statuses and extra fields
// (baselinker.ReadAccount), read once per token and kept in the session.
func (s *Server) readAccount(ctx context.Context) (baselinker.Account, error) {
	if acc, ok := s.sess.account(); ok {
		return acc, nil
	}
	api, err := s.apiClient()
	if err != nil {
		return baselinker.Account{}, err
	}
	acc, err := api.ReadAccount(ctx)
	if err != nil {
		return baselinker.Account{}, err
	}
	s.sess.setAccount(acc)
	return acc, nil
}

// handleAccount answers the account's statuses and extra fields in the
// JSON `crmbulk account --format json` prints (baselinker.Account).
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	acc, err := s.readAccount(r.Context())
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, errNoToken) {
			status = http.StatusUnauthorized
		}
		writeError(w, status, apiError{Error: err.Error(), Field: "token"})
		return
	}
	writeJSON(w, http.StatusOK, acc)
}
