package proof

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/sandbox"
)

// asUser prepares the binary as another user of the machine would run it:
// its own HOME and cache folder, no CRMBULK_STATE_DIR — the default
// location — and a token of the test's own, so that its window file in the
// system-wide folder is the test's.
func asUser(ctx context.Context, t *testing.T, dir, url, token, home string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin(t), args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "CRMBULK_STATE_DIR" && k != "HOME" && k != "XDG_CACHE_HOME" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "BASELINKER_TOKEN="+token, "BASELINKER_API_URL="+url, "HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "NO_COLOR=1", "TERM=dumb")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &errb
}

// TestTwoHomesShareTheDefaultWindow (issue 20, item 2): two runs of one
// token by two users — two HOMEs, two cache folders, no --state-dir —
// share one window in the system-wide folder: together never over the
// limit, no block. (The warning of a run on a folder of its own while
// another user's run is live: TestTwoOSUsersShareTheDefaultWindow.)
func TestTwoHomesShareTheDefaultWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := "3004211-3011977-" + strings.ToUpper(hex.EncodeToString(b))
	none := func(string) string { return "" }
	window := filepath.Join(sharedwindow.SystemDir(none), sharedwindow.FileName(token))
	t.Cleanup(func() { _ = os.Remove(window) })
	srv, url, log := loggedSandbox(t, sandbox.Config{Token: token, Limit: limitN, Window: limitWindow, BlockFor: limitWindow,
		Latency: 5 * time.Millisecond, Seed: 5, Clients: 20})
	watched := watchWindow(window)
	dir := crashDir(t, genInput(7, 12))
	writeInput(t, dir, "data2.csv", genInput(8, 12))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var cmds []*exec.Cmd
	var errs []*bytes.Buffer
	for i, data := range []string{"data.csv", "data2.csv"} {
		c, e := asUser(ctx, t, dir, url, token, t.TempDir(), limitArgs(data, data+".report.csv")...)
		cmds, errs = append(cmds, c), append(errs, e)
		if i == 0 {
			time.Sleep(300 * time.Millisecond)
		}
	}
	for i, c := range cmds {
		_ = c.Wait()
		if code := c.ProcessState.ExitCode(); code > 1 {
			t.Errorf("run %d: exit %d\n%s", i+1, code, errs[i])
		}
	}
	starts := watched()
	if _, err := os.Stat(window); err != nil {
		t.Errorf("the window is not in the system-wide folder: %v", err)
	}
	skipWhenTheMachineHeldOne(t, srv, log, starts)
	assertNeverOverTheLimit(t, srv)
}
