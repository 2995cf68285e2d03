package ui

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// pageWords is the page's text of key in lang (en, pl) with vars filled
// in, as t() says it, read from the page's scripts; a key the scripts do
// not have fails the test.
func pageWords(t *testing.T, key, lang string, vars map[string]string) string {
	t.Helper()
	re := regexp.MustCompile(`'` + regexp.QuoteMeta(key) + `': \{ en: '((?:[^'\\]|\\.)*)', pl: '((?:[^'\\]|\\.)*)' \}`)
	scripts, _ := fs.Glob(staticFiles, "static/*.js")
	for _, s := range scripts {
		b, err := staticFiles.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		if m := re.FindStringSubmatch(string(b)); m != nil {
			text := m[1]
			if lang == "pl" {
				text = m[2]
			}
			for k, v := range vars {
				text = strings.ReplaceAll(text, "{"+k+"}", v)
			}
			return text
		}
	}
	t.Fatalf("the page has no text %s in both languages", key)
	return ""
}

// checkPageError checks that an ended run's error is said in the page's
// words (want: its key and facts), that those words exist in English and
// in Polish and name no command line flag, and that crmbulk's own words
// (the CLI's, flag included: byte-identical) still name cliFlag.
func checkPageError(t *testing.T, st runState, want pageNote, cliFlag string) {
	t.Helper()
	if st.State != stateFailed {
		t.Fatalf("the run ended %s, want failed: %+v", st.State, st)
	}
	if !strings.Contains(st.Error, cliFlag) {
		t.Errorf("crmbulk's words changed: %q does not say %q", st.Error, cliFlag)
	}
	if st.ErrorNote == nil || st.ErrorNote.Key != want.Key || !mapsEqual(st.ErrorNote.Vars, want.Vars) {
		t.Fatalf("the page's words for %q: %+v, want %+v", st.Error, st.ErrorNote, want)
	}
	key := want.Key
	if key == errKeyToken {
		key += "." + TokenFromEnv // the pages of these tests were started with BASELINKER_TOKEN's
	}
	for _, lang := range []string{"en", "pl"} {
		said := pageWords(t, key, lang, want.Vars)
		if strings.Contains(said, "--") || strings.Contains(said, "{") {
			t.Errorf("%s (%s) says %q", key, lang, said)
		}
		if v := want.Vars["dir"]; v != "" && !strings.Contains(said, v) {
			t.Errorf("%s (%s) does not name the folder %s: %q", key, lang, v, said)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestExportErrorsInPageWords: an export the API stops — a wrong token,
// blocks longer than the run waits, the account's statuses not given for
// the status name column — ends with crmbulk's words unchanged (they name
// --token-file, --max-wait, --status-names) and the page's own, in both
// languages, which name no flag.
func TestExportErrorsInPageWords(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     sandbox.Config
		token   baselinker.Token
		maxWait time.Duration
		key     string
		cliFlag string
	}{
		{"a wrong token", sandbox.Config{Clients: 3}, "0123456789abcdef0123456789abcdef-not-the-token", 0, errKeyToken, "--token-file"},
		{"blocks longer than the wait", sandbox.Config{Clients: 3, Limit: 1, BlockFor: time.Hour}, "", time.Second, errKeyWaited, "--max-wait"},
		{"the statuses not given", sandbox.Config{Clients: 3, ReadErrors: 1}, "", 0, errKeyStatusNames, "--status-names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := cmp.Or(tc.token, sandboxtest.DefaultToken)
			var opts []pacer.Option
			if tc.maxWait > 0 {
				opts = append(opts, pacer.WithMaxWait(tc.maxWait))
			}
			p := newExportPageWith(t, tc.cfg, token, 100000, opts...)
			end, _ := p.exportToEnd(choices(schedule.Default()))
			checkPageError(t, end, pageNote{Key: tc.key}, tc.cliFlag)
			if !strings.Contains(end.Error, "nothing was saved") {
				t.Errorf("error %q", end.Error)
			}
		})
	}
}

// TestStateDirInPageWords: an import, or an undo, whose state folder
// cannot be made (a file is in its way) is refused before it sends
// anything, and the page names the folder and says it must be writable,
// in its words — crmbulk's name --state-dir (the import's guard).
func TestStateDirInPageWords(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		words string // crmbulk's words, unchanged
	}{
		{kindImport, "(give a writable --state-dir)"},
		{kindUndo, "the state directory "},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			e := newAPIEnv(t, sandbox.Config{})
			blocker := filepath.Join(t.TempDir(), "not-a-folder")
			if err := os.WriteFile(blocker, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			state := filepath.Join(blocker, "state")
			e.upload("klienci.csv", "email,invoice_fullname\nanna@example.com,Anna Nowak\n")
			e.plan()
			if tc.kind == kindImport {
				e.srv.cfg.StateDir = state
			}
			var started runView
			if code, body := e.do("POST", "/api/runs", runRequest{}, &started); code != http.StatusAccepted {
				t.Fatalf("start: %d %s", code, body)
			}
			end := e.follow(started.ID, ended)
			if tc.kind == kindUndo {
				if end.State != stateDone {
					t.Fatalf("the import ended %+v", end)
				}
				e.srv.cfg.StateDir = state
				if code, body := e.do("POST", "/api/runs/"+started.ID+"/undo", undoRequest{Confirm: true}, &started); code != http.StatusAccepted {
					t.Fatalf("undo: %d %s", code, body)
				}
				end = e.follow(started.ID, ended)
			}
			clients := len(e.sandbox.Clients())
			checkPageError(t, end.runState, pageNote{Key: errKeyStateDir, Vars: map[string]string{"dir": state}}, tc.words)
			if want := map[string]int{kindImport: 0, kindUndo: 1}[tc.kind]; clients != want {
				t.Errorf("%d clients, want %d: the %s sent something", clients, want, tc.kind)
			}
			// The state the page reads carries the page's words.
			var got runView
			if code, body := e.do("GET", "/api/runs/"+started.ID, nil, &got); code != http.StatusOK || got.ErrorNote == nil || got.ErrorNote.Key != errKeyStateDir {
				t.Errorf("GET the run: %d %s", code, body)
			}
		})
	}
}

// TestPageErrorKeysHaveBothLanguages: every text pageError names (the
// token's for each place it comes from, the export's ending words) is in
// the page's scripts in English and in Polish, and none names a flag.
func TestPageErrorKeysHaveBothLanguages(t *testing.T) {
	for _, k := range pageErrorKeys() {
		for _, lang := range []string{"en", "pl"} {
			if said := pageWords(t, k, lang, nil); said == "" || strings.Contains(said, "--") {
				t.Errorf("%s (%s): %q", k, lang, said)
			}
		}
	}
}

// TestPageError: the page's words are chosen by the error's type or
// sentinel however deep it is wrapped, the folder first, then the token,
// the wait, the statuses; an error with none of them keeps crmbulk's
// words (nil); an export's kept details are said beside.
func TestPageError(t *testing.T) {
	auth := &baselinker.APIError{Code: "ERROR_BAD_TOKEN", Message: "invalid token"}
	waited := fmt.Errorf("pacer: %w (more than 1s in all)", pacer.ErrWaitedTooLong)
	dir := &run.StateDirError{Dir: "/srv/state", Err: errors.New("the state directory /srv/state (give a writable --state-dir)")}
	for _, tc := range []struct {
		name string
		err  error
		want *pageNote
	}{
		{"none", nil, nil},
		{"another error", errors.New("reading x.csv, row 3: --match-by"), nil},
		{"the token", fmt.Errorf("export: %w", auth), &pageNote{Key: errKeyToken}},
		{"the wait, kept details", fmt.Errorf("export: %w; nothing was saved; %w", waited, errDetailsKept), &pageNote{Key: errKeyWaited, Vars: map[string]string{"kept": "yes"}}},
		{"the folder before the token", fmt.Errorf("%w: %w", dir, auth), &pageNote{Key: errKeyStateDir, Vars: map[string]string{"dir": "/srv/state"}}},
		{"the token before the statuses", &exporter.StatusNamesError{Err: fmt.Errorf("reading the client statuses: %w", auth)}, &pageNote{Key: errKeyToken}},
		{"the statuses", fmt.Errorf("export: %w", &exporter.StatusNamesError{Err: errors.New("ERROR_INTERNAL")}), &pageNote{Key: errKeyStatusNames}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pageError(tc.err)
			if (got == nil) != (tc.want == nil) || got != nil && (got.Key != tc.want.Key || !mapsEqual(got.Vars, tc.want.Vars)) {
				t.Errorf("pageError(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
}

// TestPlanWrongTokenInPageWords: the import's plan with a token the API
// refuses is refused with the page's words beside crmbulk's, which name
// --match-by (the clients it reads): the page says those (note).
func TestPlanWrongTokenInPageWords(t *testing.T) {
	e := newAPIEnvToken(t, sandbox.Config{}, "0123456789abcdef0123456789abcdef-not-the-token")
	e.upload("klienci.csv", "email,invoice_fullname\nanna@example.com,Anna Nowak\n")
	code, body := e.do("POST", "/api/import/plan", e.doc, nil)
	var got apiError
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusBadRequest {
		t.Fatalf("plan: %d %s", code, body)
	}
	if got.Note == nil || got.Note.Key != errKeyToken || !strings.Contains(got.Error, "ERROR_BAD_TOKEN") {
		t.Errorf("plan refused with %+v, want the page's words %s", got, errKeyToken)
	}
}
