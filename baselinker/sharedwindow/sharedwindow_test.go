package sharedwindow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/crmbulk/crmbulk/internal/flock"
	"strings"
	"testing"
	"time"
)

const token = "3-12345-67890-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"

// take is Take with the grant as the values the tests compare.
func take(s *Store, now time.Time, limit int, span time.Duration) (next time.Time, ok bool, err error) {
	next, ok, _, err = s.Take(context.Background(), now, limit, span)
	return next, ok, err
}

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
		if _, ok, err := take(s, t0.Add(time.Duration(i)*time.Second), 3, span); !ok || err != nil {
			t.Fatalf("start %d: ok %v, %v", i, ok, err)
		}
	}
	next, ok, err := take(b, t0.Add(3*time.Second), 3, span)
	if ok || err != nil || !next.Equal(t0.Add(span)) {
		t.Fatalf("a fourth start in the window: ok %v next %v (%v), want refused until %v", ok, next, err, t0.Add(span))
	}
	if _, ok, _ := take(a, t0.Add(span), 3, span); !ok {
		t.Fatal("the first start left the window, but no slot freed")
	}
}

// TestPauseIsShared: a block one run met stops the others until its end.
func TestPauseIsShared(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir, nil), open(t, dir, nil)
	t0 := time.UnixMilli(1_800_000_000_000)
	until := t0.Add(10 * time.Minute)
	if err := a.Pause(context.Background(), t0, until); err != nil {
		t.Fatal(err)
	}
	if err := a.Pause(context.Background(), t0, t0.Add(time.Minute)); err != nil { // an earlier end does not shorten it
		t.Fatal(err)
	}
	if next, ok, _ := take(b, t0.Add(time.Second), 100, time.Minute); ok || !next.Equal(until) {
		t.Fatalf("during the block: ok %v next %v, want refused until %v", ok, next, until)
	}
	if _, ok, _ := take(b, until, 100, time.Minute); !ok {
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
	if _, ok, err := take(s, time.UnixMilli(1_800_000_000_000), 1, time.Minute); !ok || err != nil {
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
	if _, _, err := take(s, time.Now(), 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.Path())
	if strings.Contains(s.Path(), token[:10]) || strings.Contains(string(b), token[:10]) {
		t.Fatalf("the token shows in %s: %s", s.Path(), b)
	}
	if FileName(token) == FileName(token+"x") {
		t.Error("two tokens share a file")
	}
	if fi, err := os.Stat(s.Path()); err != nil || fi.Mode().Perm() != 0o666 {
		t.Errorf("file mode %v, %v; want 0666 whatever the umask (other users' runs update it in place)", fi.Mode(), err)
	}
}

// TestDir: an explicit directory wins, then the environment, then the
// system-wide folder, whoever runs crmbulk (HOME plays no part).
func TestDir(t *testing.T) {
	env := map[string]string{DirEnv: "/from/env"}
	if d, _ := Dir("/given", func(k string) string { return env[k] }); d != "/given" {
		t.Errorf("Dir(given) = %q", d)
	}
	if d, _ := Dir("", func(k string) string { return env[k] }); d != "/from/env" {
		t.Errorf("Dir(env) = %q", d)
	}
	none := func(string) string { return "" }
	if d, err := Dir("", none); err == nil && d != SystemDir(none) {
		t.Errorf("Dir() = %q, want %q", d, SystemDir(none))
	}
	if runtime.GOOS != "windows" && SystemDir(none) != "/var/tmp/crmbulk" {
		t.Errorf("SystemDir = %q", SystemDir(none))
	}
}

// TestStateFileSanity: what a state file may not say — start times in the
// future beyond MaxSkew, a pause more than MaxPause ahead — is removed with
// one warning, and the run goes on; what it may say is kept. The clock is
// the now each call is given.
func TestStateFileSanity(t *testing.T) {
	now := time.UnixMilli(1_800_000_000_000)
	ms := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	for _, tc := range []struct {
		name    string
		file    string
		ok      bool
		next    time.Time
		warning string
	}{
		{name: "starts an hour ahead (clock skew) hold no slot",
			file: fmt.Sprintf(`{"version":1,"starts":[%d,%d],"paused_until":0}`, ms(time.Hour), ms(time.Hour+time.Second)),
			ok:   true, warning: "2 start times more than 5s in the future"},
		{name: "a pause until 2100 is dropped",
			file: fmt.Sprintf(`{"version":1,"starts":[],"paused_until":%d}`, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()),
			ok:   true, warning: "a pause until 2100-01-01T00:00:00Z, more than 1h0m0s ahead"},
		{name: "a start within the skew counts",
			file: fmt.Sprintf(`{"version":1,"starts":[%d],"paused_until":0}`, ms(2*time.Second)),
			next: now.Add(2*time.Second + time.Minute)},
		{name: "a pause of 30 minutes is a block",
			file: fmt.Sprintf(`{"version":1,"starts":[],"paused_until":%d}`, ms(30*time.Minute)),
			next: now.Add(30 * time.Minute)},
		{name: "garbage is replaced", file: "\x00\xffnot a window", ok: true, warning: "was not readable; it was replaced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var warned []string
			s := open(t, t.TempDir(), func(m string) { warned = append(warned, m) })
			if err := os.WriteFile(s.Path(), []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			for i := range 2 { // twice: the file as found, then as mended (said once)
				at := now.Add(time.Duration(i) * time.Minute) // the first take's start has left the window
				next, ok, err := take(s, at, 1, time.Minute)
				if err != nil || ok != tc.ok || !tc.ok && !next.Equal(tc.next) {
					t.Fatalf("take %d: ok %v next %v (%v); want ok %v next %v", i+1, ok, next, err, tc.ok, tc.next)
				}
			}
			if tc.warning == "" && len(warned) != 0 || tc.warning != "" && (len(warned) != 1 || !strings.Contains(warned[0], tc.warning)) {
				t.Errorf("warnings %q, want one saying %q", warned, tc.warning)
			}
		})
	}
}

// TestLockWaitEnds: a lock another process holds is waited for until the
// context ends, not for ever; once it is let go the window goes on.
func TestLockWaitEnds(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	if _, _, err := take(s, time.Now(), 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	other, err := os.OpenFile(s.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	unlock, err := flock.Lock(other, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, _, err = s.Take(ctx, time.Now(), 10, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("take under a held lock: %v after %s, want the context's end after 200ms", err, time.Since(start))
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := take(s, time.Now(), 10, time.Minute); !ok || err != nil {
		t.Fatalf("after the lock was let go: ok %v, %v", ok, err)
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
		if _, _, err := take(s, time.UnixMilli(1_800_000_000_000), 5, time.Minute); err != nil {
			t.Fatalf("take: %v", err)
		}
		b, _ := os.ReadFile(s.Path())
		if !strings.HasPrefix(string(b), `{"version":1,`) {
			t.Fatalf("file after the take: %q", b)
		}
	})
}

// TestLiveOther: a window is live for a run on another folder when another
// user's run started within the span; this user's own runs, old starts and
// users in the future (a file that lies) do not count.
func TestLiveOther(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name  string
		users string
		live  bool
	}{
		{"another user, a second ago", fmt.Sprintf(`{"another-user":%d}`, now.Add(-time.Second).UnixMilli()), true},
		{"this user only", fmt.Sprintf(`{%q:%d}`, runner(), now.Add(-time.Second).UnixMilli()), false},
		{"another user, two minutes ago", fmt.Sprintf(`{"another-user":%d}`, now.Add(-2*time.Minute).UnixMilli()), false},
		{"another user, an hour ahead", fmt.Sprintf(`{"another-user":%d}`, now.Add(time.Hour).UnixMilli()), false},
		{"no users", `{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, t.TempDir(), nil)
			if err := os.WriteFile(s.Path(), []byte(`{"version":1,"starts":[],"paused_until":0,"users":`+tc.users+`}`), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := s.LiveOther(now, time.Minute); got != tc.live {
				t.Errorf("LiveOther = %v, want %v", got, tc.live)
			}
		})
	}
	// A take records this user, so that the others can tell.
	s := open(t, t.TempDir(), nil)
	if _, _, err := take(s, now, 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.Path())
	if !strings.Contains(string(b), fmt.Sprintf(`"users":{%q:`, runner())) {
		t.Errorf("the file after a take: %s", b)
	}
}
