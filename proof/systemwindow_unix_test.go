//go:build unix

package proof

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestTwoOSUsersShareTheDefaultWindow (issue 20, item 2): where the test
// may make a user (root, useradd), two runs of one token under two OS
// users share the window in the system-wide folder: the second user's run
// updates in place the file the first one created (a sticky folder lets
// no one replace another user's file), and together they stay under the
// limit; and a run of the first user told to keep its window in a folder
// of its own says, before it sends, that another user's run is live.
// Elsewhere it is skipped; TestTwoHomesShareTheDefaultWindow runs.
func TestTwoOSUsersShareTheDefaultWindow(t *testing.T) {
	if testing.Short() || os.Geteuid() != 0 {
		t.Skip("needs root to add a user")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "crmbulkp" + hex.EncodeToString(b)
	if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	_, _ = rand.Read(b)
	token := "3004211-3011977-OSUSERS" + strings.ToUpper(hex.EncodeToString(b)) + "0123456789ABCDEF"
	none := func(string) string { return "" }
	window := filepath.Join(sharedwindow.SystemDir(none), sharedwindow.FileName(token))
	t.Cleanup(func() { _ = os.Remove(window) })
	srv, url := sandboxtest.New(t, sandbox.Config{Token: token, Limit: limitN, Window: limitWindow, BlockFor: limitWindow,
		Latency: 5 * time.Millisecond, Seed: 5, Clients: 20})
	dir := crashDir(t, genInput(7, 12))
	writeInput(t, dir, "data2.csv", genInput(8, 12))
	open := []string{dir, filepath.Dir(dir), filepath.Dir(bin(t))} // the other user runs the binary and works in the folder
	ins, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, p := range append(open, ins...) {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Root's run makes the window file (root's from now on); the other
	// user's run, started right after, updates it in place.
	if err := os.WriteFile(window, nil, 0o600); err != nil || os.Chmod(window, 0o666) != nil { // as crmbulk makes it
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin(t), limitArgs("data2.csv", "data2.csv.report.csv")...)
	cmd.Dir = dir
	cmd.Env = []string{"BASELINKER_TOKEN=" + token, "BASELINKER_API_URL=" + url, "HOME=/nonexistent", "PATH=/usr/bin:/bin", "NO_COLOR=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	first, e1 := asUser(ctx, t, dir, url, token, t.TempDir(), limitArgs("data.csv", "data.csv.report.csv")...)
	// While the other user's run sends, a run of root's told to keep its
	// window in a folder of its own says so before it sends (against a
	// sandbox of its own: its requests are not the test's).
	time.Sleep(time.Second)
	_, url2 := sandboxtest.New(t, sandbox.Config{Token: token, Seed: 5, Clients: 20})
	private, e3 := asUser(ctx, t, dir, url2, token, t.TempDir(), "export", "--out", "x.csv", "--rate", "1", "--rate-window", "5s",
		"--no-progress", "--state-dir", filepath.Join(t.TempDir(), "private"))
	_ = private.Wait()
	if !strings.Contains(e3.String(), "another user's crmbulk run is sending on this token") {
		t.Errorf("the run on a private folder did not say another user's run was live:\n%s", e3)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); err != nil && code > 1 || code < 0 {
		t.Errorf("the other user's run: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "not shared") || strings.Contains(out.String(), "window failed") {
		t.Errorf("the other user's run could not use the shared window:\n%s", out.String())
	}
	_ = first.Wait()
	if code := first.ProcessState.ExitCode(); code > 1 {
		t.Errorf("root's run: exit %d\n%s", code, e1)
	}
	if fi, err := os.Stat(window); err != nil || fi.Mode().Perm() != 0o666 {
		t.Errorf("the window file: %v (%v), want 0666", fi, err)
	}
	assertNeverOverTheLimit(t, srv)
}
