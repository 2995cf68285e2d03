package sharedwindow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const token = "3-12345-67890-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"

func open(t *testing.T, dir string, warn func(string)) *Store {
	t.Helper()
	s, err := Open(dir, token, warn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTwoRunsShareTheWindow: starts of one run count against another's,
// and a slot frees when its start leaves the window.
func TestTwoRunsShareTheWindow(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir, nil), open(t, dir, nil)
	t0 := time.UnixMilli(1_800_000_000_000)
	span := 10 * time.Second
	for i, s := range []*Store{a, a, b} {
		if _, ok, err := s.Take(t0.Add(time.Duration(i)*time.Second), 3, span); !ok || err != nil {
			t.Fatalf("start %d: ok %v, %v", i, ok, err)
		}
	}
	next, ok, err := b.Take(t0.Add(3*time.Second), 3, span)
	if ok || err != nil || !next.Equal(t0.Add(span)) {
		t.Fatalf("a fourth start in the window: ok %v next %v (%v), want refused until %v", ok, next, err, t0.Add(span))
	}
	if _, ok, _ := a.Take(t0.Add(span), 3, span); !ok {
		t.Fatal("the first start left the window, but no slot freed")
	}
}

// TestPauseIsShared: a block one run met stops the others until its end.
func TestPauseIsShared(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir, nil), open(t, dir, nil)
	t0 := time.UnixMilli(1_800_000_000_000)
	until := t0.Add(10 * time.Minute)
	if err := a.Pause(until); err != nil {
		t.Fatal(err)
	}
	if err := a.Pause(t0.Add(time.Minute)); err != nil { // an earlier end does not shorten it
		t.Fatal(err)
	}
	if next, ok, _ := b.Take(t0.Add(time.Second), 100, time.Minute); ok || !next.Equal(until) {
		t.Fatalf("during the block: ok %v next %v, want refused until %v", ok, next, until)
	}
	if _, ok, _ := b.Take(until, 100, time.Minute); !ok {
		t.Fatal("refused after the block's end")
	}
}

// TestCorruptFileReplaced: a file that is not a state file is replaced,
// with a warning, and the window goes on.
func TestCorruptFileReplaced(t *testing.T) {
	dir := t.TempDir()
	var warned []string
	s := open(t, dir, func(m string) { warned = append(warned, m) })
	if err := os.WriteFile(s.Path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Take(time.UnixMilli(1_800_000_000_000), 1, time.Minute); !ok || err != nil {
		t.Fatalf("take after corruption: ok %v, %v", ok, err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "replaced") {
		t.Errorf("warnings %q, want one about the replaced file", warned)
	}
	b, _ := os.ReadFile(s.Path())
	if !strings.HasPrefix(string(b), `{"version":1,`) {
		t.Errorf("file after the take: %s", b)
	}
}

// TestTokenNotInTheFile: the file is named by a hash; neither its name nor
// its content holds the token; another token has another file.
func TestTokenNotInTheFile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)
	if _, _, err := s.Take(time.Now(), 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.Path())
	if strings.Contains(s.Path(), token[:10]) || strings.Contains(string(b), token[:10]) {
		t.Fatalf("the token shows in %s: %s", s.Path(), b)
	}
	if FileName(token) == FileName(token+"x") {
		t.Error("two tokens share a file")
	}
	if fi, err := os.Stat(s.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v; want 0600", fi.Mode(), err)
	}
}

// TestDir: an explicit directory wins, then the environment, then the cache.
func TestDir(t *testing.T) {
	env := map[string]string{DirEnv: "/from/env"}
	if d, _ := Dir("/given", func(k string) string { return env[k] }); d != "/given" {
		t.Errorf("Dir(given) = %q", d)
	}
	if d, _ := Dir("", func(k string) string { return env[k] }); d != "/from/env" {
		t.Errorf("Dir(env) = %q", d)
	}
	if d, err := Dir("", func(string) string { return "" }); err == nil && filepath.Base(d) != "crmbulk" {
		t.Errorf("Dir() = %q", d)
	}
}

// FuzzStateFile: whatever a state file holds (it is a file anyone may
// edit), a take neither fails nor panics, and leaves a state file.
func FuzzStateFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"starts":[3,1,2],"paused_until":0}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"version":1,"starts":[-9223372036854775808,9223372036854775807]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := open(t, t.TempDir(), func(string) {})
		if err := os.WriteFile(s.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Take(time.UnixMilli(1_800_000_000_000), 5, time.Minute); err != nil {
			t.Fatalf("take: %v", err)
		}
		b, _ := os.ReadFile(s.Path())
		if !strings.HasPrefix(string(b), `{"version":1,`) {
			t.Fatalf("file after the take: %q", b)
		}
	})
}
