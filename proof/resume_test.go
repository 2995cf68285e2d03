package proof

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/validate"
)

// The resume's attacks (issue 14, part 1): crashes of a run without a match
// key, a full disk, a lost or cut journal, edited reports. Each ends with
// no client created twice, or is refused before a request is sent.

// uniqueRows drops the rows that repeat an earlier row's email: without a
// match key each row creates its own client, so a repeat would be a
// duplicate by design.
func uniqueRows(rows []genRow) []genRow {
	seen := map[string]bool{}
	var out []genRow
	for _, r := range rows {
		if !seen[r.key] {
			seen[r.key] = true
			r.num = len(out) + 2
			out = append(out, r)
		}
	}
	return out
}

// noKeyDir is crashDir with a mapping that has no match key.
func noKeyDir(t *testing.T, rows []genRow) string {
	dir := t.TempDir()
	writeInput(t, dir, "data.csv", rows)
	writeFile(t, dir, "m.yaml", strings.Replace(mappingYAML, "match_by: email\n", "", 1))
	return dir
}

func noKeyArgs(extra ...string) []string {
	return append([]string{"import", "data.csv", "--mapping", "m.yaml", "--report", "r.csv",
		"--rate", crashRate, "--no-progress", "--workers", "8", "--request-timeout", crashTimeout}, extra...)
}

// clientsPerKey counts the sandbox's clients per proof email.
func clientsPerKey(srv *sandbox.Server) map[string]int {
	n := map[string]int{}
	for _, c := range srv.Clients() {
		if k := validate.MatchKey("email", c.Email); strings.HasSuffix(k, "@proof.example") {
			n[k]++
		}
	}
	return n
}

// checkOnePerRow: every valid row made exactly one client, no invalid row one.
func checkOnePerRow(t *testing.T, srv *sandbox.Server, rows []genRow) {
	t.Helper()
	n := clientsPerKey(srv)
	dups := 0
	for _, r := range rows {
		switch {
		case r.valid && n[r.key] > 1:
			dups += n[r.key] - 1
		case r.valid && n[r.key] == 0:
			t.Errorf("row %d (%s) made no client", r.num, r.key)
		case !r.valid && n[r.key] > 0:
			t.Errorf("invalid row %d made a client", r.num)
		}
	}
	if dups > 0 {
		t.Errorf("%d duplicate clients", dups)
	}
}

// resumeToEnd resumes (with extra flags) until the report is finished.
func resumeToEnd(t *testing.T, dir, url string, rows []genRow, extra ...string) {
	t.Helper()
	for round := 1; ; round++ {
		res := runBin(t, dir, url, noKeyArgs(append([]string{"--resume", "r.csv"}, extra...)...)...)
		if res.code == 2 || res.code > 100 {
			t.Fatalf("resume %d: exit %d\n%s", round, res.code, res.stderr)
		}
		if unfinished(t, filepath.Join(dir, "r.csv")) == 0 {
			break
		}
		if round >= 3 {
			t.Fatalf("%d rows unfinished after %d resumes\n%s", unfinished(t, filepath.Join(dir, "r.csv")), round, res.stderr)
		}
	}
	checkFinished(t, filepath.Join(dir, "r.csv"), rows)
}

// killOnRequest starts an import against a sandbox of cfg of its own and
// kills it (SIGKILL) when the at-th request of method (of any method if
// method is "") reaches the sandbox: a point of the run's own progress,
// whatever the machine's load. That request waits for the kill before the
// sandbox takes it, so the run cannot end first. It returns the sandbox
// (still serving) and its URL.
func killOnRequest(t *testing.T, dir string, cfg sandbox.Config, method string, at int64, args ...string) (*sandbox.Server, string) {
	t.Helper()
	cfg.Token = sandboxtest.DefaultToken
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var arrived atomic.Int64
	proc := make(chan *os.Process, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (method == "" || methodOf(r) == method) && arrived.Add(1) == at {
			_ = (<-proc).Signal(syscall.SIGKILL)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
	})
	url := ts.URL + "/connector.php"
	cmd, errb := startBin(t, dir, url, args...)
	proc <- cmd.Process
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the run ended (exit %d) after %d requests (method %q), not killed at the %d-th\n%s",
			cmd.ProcessState.ExitCode(), arrived.Load(), method, at, errb)
	}
	return srv, url
}

// methodOf is the API method r calls; r's body is left whole for the
// sandbox to read.
func methodOf(r *http.Request) string {
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	form, _ := neturl.ParseQuery(string(b))
	return form.Get("method")
}

// TestKillWithoutMatchKey: SIGKILL at points spread over a run with no
// match key (rows finish out of order: 8 workers, jittered latency), then
// --resume: no row creates a second client. The points are requests (10%
// to 90% of a clean run's), not times: under a changing load a run timed
// once may be over before a kill timed from it.
func TestKillWithoutMatchKey(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(7, 300))
	bin(t)
	clean, url := crashSandbox(t)
	dir := noKeyDir(t, rows)
	if res := runBin(t, dir, url, noKeyArgs()...); res.code != 1 {
		t.Fatalf("clean run: exit %d\n%s", res.code, res.stderr)
	}
	total := clean.Stats().Requests
	n := pick(4, 12)
	for i := range n {
		at := int64(float64(total) * (0.1 + 0.8*float64(i)/float64(n)))
		t.Run(fmt.Sprintf("kill-at-request-%d-of-%d", at, total), func(t *testing.T) {
			t.Parallel()
			dir := noKeyDir(t, rows)
			srv, url := killOnRequest(t, dir, crashConfig(), "", at, noKeyArgs()...)
			t.Logf("killed at request %d of %d with %d creates", at, total, srv.Stats().Creates)
			startedAfresh(t, srv, dir, url)
			resumeToEnd(t, dir, url, rows)
			checkOnePerRow(t, srv, rows)
		})
	}
}

// TestFullDisk: the report cannot be written past a file-size limit (the
// shell's ulimit -f: the writes fail as on a full disk). The run stops,
// keeps its journal, and the resume settles every row without a duplicate.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(8, 200))
	srv, url := crashSandbox(t)
	dir := noKeyDir(t, rows)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args := append([]string{"-c", `ulimit -f 24; exec "$0" "$@"`, bin(t)}, noKeyArgs()...)
	cmd := command(ctx, t, dir, url)
	cmd.Path, cmd.Args = "/bin/sh", append([]string{"sh"}, args...)
	out, _ := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if code == 0 || !strings.Contains(string(out), "too large") {
		t.Fatalf("exit %d with a full disk; want a failure naming the write\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.csv.journal")); err != nil {
		t.Fatalf("the journal is gone after the report failed: %v\n%s", err, out)
	}
	t.Logf("full disk: exit %d after %d creates\n%s", code, srv.Stats().Creates, out)
	resumeToEnd(t, dir, url, rows)
	checkOnePerRow(t, srv, rows)
}

// TestJournalLoss: after a SIGKILL the journal is deleted, or cut in the
// middle of a line. Deleted: the resume without a match key is refused
// before any request (nothing can prove which rows were in flight), and
// with --match-by email it finishes. Cut: the rows that may have been in
// flight are looked up first. Either way no client is made twice.
func TestJournalLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(9, 200))
	for _, loss := range []string{"deleted", "cut"} {
		t.Run(loss, func(t *testing.T) {
			t.Parallel()
			dir := noKeyDir(t, rows)
			// Killed as its 60th create goes (of 186): the report
			// and the journal are written, rows are left.
			srv, url := killOnRequest(t, dir, crashConfig(), "addCrmClient", 60, noKeyArgs()...)
			if _, err := os.Stat(filepath.Join(dir, "r.csv")); err != nil {
				t.Fatalf("no report after the kill: %v", err)
			}
			jpath := filepath.Join(dir, "r.csv.journal")
			b, err := os.ReadFile(jpath)
			if err != nil {
				t.Fatal(err)
			}
			switch loss {
			case "deleted":
				_ = os.Remove(jpath)
				before := srv.Stats().Requests
				res := runBin(t, dir, url, noKeyArgs("--resume", "r.csv")...)
				if res.code != 2 || !strings.Contains(res.stderr, "no journal") {
					t.Fatalf("resume without the journal: exit %d, want 2 naming the journal\n%s", res.code, res.stderr)
				}
				if n := srv.Stats().Requests - before; n != 0 {
					t.Errorf("the refused resume sent %d requests", n)
				}
				resumeToEnd(t, dir, url, rows, "--match-by", "email")
			case "cut":
				rng := rand.New(rand.NewPCG(uint64(len(b)), 3))
				cut := len(b)/2 + rng.IntN(len(b)/2)
				for cut < len(b) && b[cut-1] == '\n' {
					cut++ // mid-line
				}
				if err := os.WriteFile(jpath, b[:cut], 0o600); err != nil {
					t.Fatal(err)
				}
				resumeToEnd(t, dir, url, rows)
			}
			checkOnePerRow(t, srv, rows)
		})
	}
}

// startedAfresh: a run killed before it wrote its report or journal sent
// nothing, and its --resume says there is nothing to resume (exit 2, no
// request) with the command that starts afresh; that command (without
// --resume) then runs, so the resumes that follow have a report.
func startedAfresh(t *testing.T, srv *sandbox.Server, dir, url string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "r.csv")); err == nil {
		return
	} else if _, err := os.Stat(filepath.Join(dir, "r.csv.journal")); err == nil {
		return
	}
	if c := srv.Stats().Creates; c != 0 {
		t.Fatalf("no report and no journal, but %d creates were sent", c)
	}
	res := runBin(t, dir, url, noKeyArgs("--resume", "r.csv")...)
	if res.code != 2 || !strings.Contains(res.stderr, "nothing to resume") {
		t.Fatalf("resume of a run that never started: exit %d, want 2 saying there is nothing to resume\n%s", res.code, res.stderr)
	}
	if c := srv.Stats().Creates; c != 0 {
		t.Fatalf("the refused resume sent %d creates", c)
	}
	if res := runBin(t, dir, url, noKeyArgs()...); res.code == 2 || res.code > 100 {
		t.Fatalf("the run started afresh: exit %d\n%s", res.code, res.stderr)
	}
}
