package proof

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// The real limit, scaled so a test takes seconds: 10 requests in any 5 s
// window, and the 11th blocks the token (ERROR_BLOCKED_TOKEN) for 5 s.
const (
	limitN      = 10
	limitWindow = 5 * time.Second
)

// limitSandbox is the sandbox of the limit proofs, its arrivals noted.
func limitSandbox(t *testing.T) (*sandbox.Server, string, *arrivalLog) {
	t.Helper()
	return loggedSandbox(t, sandbox.Config{Limit: limitN, Window: limitWindow, BlockFor: limitWindow,
		Latency: 5 * time.Millisecond, Seed: 5, Clients: 20})
}

// watchStateDir watches the window file the binary's runs in dir share
// (runBin's CRMBULK_STATE_DIR), as watchWindow does.
func watchStateDir(dir string) (stop func() []int64) {
	return watchWindow(filepath.Join(dir, ".crmbulk-state", sharedwindow.FileName(sandboxtest.DefaultToken)))
}

// skipWhenTheMachineHeldOne skips the test, saying why, when the sandbox
// saw more than the limit in a window only because the machine held a
// request past the limiter's margin, by one request (overLimitExcuse);
// assertNeverOverTheLimit, after it, fails every other run over the
// limit. starts are the runs' limiter starts (watchWindow).
func skipWhenTheMachineHeldOne(t *testing.T, srv *sandbox.Server, log *arrivalLog, starts []int64) {
	t.Helper()
	spread, err := spreadOf(starts, log.arrivals())
	t.Logf("the delays from a request's start to its arrival spread %s (%v)", spread.Round(time.Millisecond), err)
	if srv.Stats().Blocked == 0 && srv.MaxInWindow(limitWindow) <= limitN {
		return
	}
	why, err := overLimitExcuse(srv, log.arrivals(), starts, limitWindow, limitN)
	if err != nil {
		t.Error(err)
		return
	}
	t.Skipf("%s: this run proves nothing of the client", why)
}

// limitArgs imports data (a CSV of the folder) at the sandbox's limit.
func limitArgs(data, report string, extra ...string) []string {
	return append([]string{"import", data, "--mapping", "m.yaml", "--match-by", "email", "--report", report,
		"--rate", "10", "--rate-window", "5s", "--no-progress"}, extra...)
}

// assertNeverOverTheLimit: no blocked answer, and never more than the
// limit in any window at the sandbox.
func assertNeverOverTheLimit(t *testing.T, srv *sandbox.Server) {
	t.Helper()
	st := srv.Stats()
	if st.Blocked != 0 || st.TimesBlocked != 0 {
		t.Errorf("the token was blocked: %d blocked answers (%d blocks)", st.Blocked, st.TimesBlocked)
	}
	if n := srv.MaxInWindow(limitWindow); n > limitN {
		t.Errorf("%d requests in one %s window at the sandbox, limit %d", n, limitWindow, limitN)
	}
	t.Logf("%d requests, at most %d in a window", st.Requests, srv.MaxInWindow(limitWindow))
}

// TestBackToBackRunsShareTheWindow: a dry run, the import after it and a
// second import, each starting as the last ends, share the token's window:
// no block, never over the limit. Each run alone would start with a full
// budget and, together with the run before it, go over.
func TestBackToBackRunsShareTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	srv, url, log := limitSandbox(t)
	dir := crashDir(t, genInput(7, 14))
	watched := watchStateDir(dir)
	for i, args := range [][]string{
		limitArgs("data.csv", "dry.csv", "--dry-run"),
		limitArgs("data.csv", "r.csv"),
		limitArgs("data.csv", "r2.csv"),
	} {
		if res := runBin(t, dir, url, args...); res.code > 1 {
			t.Fatalf("run %d: exit %d\n%s", i+1, res.code, res.stderr)
		}
	}
	skipWhenTheMachineHeldOne(t, srv, log, watched())
	assertNeverOverTheLimit(t, srv)
}

// TestConcurrentRunsShareTheWindow: two imports of one token started at
// once share its window.
func TestConcurrentRunsShareTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	srv, url, log := limitSandbox(t)
	dir := crashDir(t, genInput(7, 12))
	writeInput(t, dir, "data2.csv", genInput(8, 12))
	watched := watchStateDir(dir)
	var cmds []*exec.Cmd
	var errs []*bytes.Buffer
	for _, data := range []string{"data.csv", "data2.csv"} {
		c, b := startBin(t, dir, url, limitArgs(data, data+".report.csv")...)
		cmds, errs = append(cmds, c), append(errs, b)
	}
	for i, c := range cmds {
		_ = c.Wait()
		if code := c.ProcessState.ExitCode(); code > 1 {
			t.Errorf("run %d: exit %d\n%s", i+1, code, errs[i])
		}
	}
	skipWhenTheMachineHeldOne(t, srv, log, watched())
	assertNeverOverTheLimit(t, srv)
}

// TestInterruptAndResumeShareTheWindow: Ctrl-C, then --resume at once: the
// resume counts the interrupted run's requests.
func TestInterruptAndResumeShareTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	srv, url, log := limitSandbox(t)
	dir := crashDir(t, genInput(7, 14))
	watched := watchStateDir(dir)
	c, errb := startBin(t, dir, url, limitArgs("data.csv", "r.csv")...)
	start := time.Now()
	time.AfterFunc(time.Second, func() { _ = c.Process.Signal(syscall.SIGINT) }) // in the first window, after its burst
	_ = c.Wait()
	// Requests in flight may finish, but none starts after the interrupt:
	// workers waiting for the limiter's next slot (at 5 s) stop at once.
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the run interrupted at 1 s ended after %s: requests started after the interrupt", took.Round(time.Millisecond))
	}
	if code := c.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("interrupted run: exit %d, want 130\n%s", code, errb.String())
	}
	if res := runBin(t, dir, url, limitArgs("data.csv", "r.csv", "--resume", "r.csv")...); res.code > 1 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	skipWhenTheMachineHeldOne(t, srv, log, watched())
	assertNeverOverTheLimit(t, srv)
}

// TestSecondInterruptQuitsAtOnce: the first Ctrl-C lets the requests in
// flight finish; a second one ends the run at once (exit 130). The
// requests it abandoned stay open in the journal, and --resume settles
// them: every row ends once, no client twice.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 5, Clients: 20, Latency: 3 * time.Second})
	rows := genInput(9, 12)
	dir := crashDir(t, rows)
	slow := []string{"--request-timeout", "5s"} // above the 3 s latency: the last --request-timeout wins
	c, errb := startBin(t, dir, url, importArgs("r.csv", append(slow, "--workers", "4")...)...)
	time.Sleep(4 * time.Second) // the index page answered; creates in flight
	_ = c.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	second := time.Now()
	_ = c.Process.Signal(syscall.SIGINT)
	_ = c.Wait()
	if took := time.Since(second); took > time.Second {
		t.Errorf("the second Ctrl-C took %s to end the run", took.Round(time.Millisecond))
	}
	if code := c.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d after two interrupts, want 130\n%s", code, errb.String())
	}
	for round := 1; round <= 3; round++ {
		res := runBin(t, dir, url, importArgs("r.csv", append(slow, "--resume", "r.csv")...)...)
		if res.code <= 1 && unfinished(t, filepath.Join(dir, "r.csv")) == 0 {
			break
		}
		if round == 3 {
			t.Fatalf("unfinished after 3 resumes: exit %d\n%s", res.code, res.stderr)
		}
	}
	checkFinished(t, filepath.Join(dir, "r.csv"), rows)
	checkState(t, imported(t, srv), wantState(rows))
}
