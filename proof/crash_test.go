package proof

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// crashSeed seeds the interruption points; CRMBULK_PROOF_SEED overrides it
// to replay or vary a run.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("CRMBULK_PROOF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CRMBULK_PROOF_SEED=%q: %v", s, err)
		}
		return v
	}
	return 20240611
}

// crashSandbox is slow enough (latency 20–50 ms per request) that an
// interrupt lands while writes are in flight, with a limit the run never
// reaches.
func crashSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	return sandboxtest.New(t, crashConfig())
}

// crashConfig is crashSandbox's configuration.
func crashConfig() sandbox.Config {
	return sandbox.Config{
		Limit: 50000, Latency: 35 * time.Millisecond, Jitter: 15 * time.Millisecond,
		Seed: 5, Clients: 20,
	}
}

const crashRate = "40000" // requests per minute: never the bottleneck

const crashTimeout = "2s" // --request-timeout: far above the sandbox's answers

func importArgs(report string, extra ...string) []string {
	// --request-timeout: the sandbox answers in at most 50 ms; a resume
	// waits this long after a killed run's last send before it looks up.
	return append([]string{"import", "data.csv", "--mapping", "m.yaml", "--match-by", "email",
		"--report", report, "--rate", crashRate, "--no-progress", "--request-timeout", crashTimeout}, extra...)
}

// crashDir writes the input and mapping into a fresh directory.
func crashDir(t *testing.T, rows []genRow) string {
	dir := t.TempDir()
	writeInput(t, dir, "data.csv", rows)
	writeFile(t, dir, "m.yaml", mappingYAML)
	return dir
}

// TestCrashAndResume interrupts the real binary at seeded random points
// with SIGINT and with SIGKILL, resumes until it finishes, and proves the
// sandbox ends exactly as after a clean run, with no duplicate and a report
// that accounts for every row.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary for several seconds")
	}
	rows := genInput(3, 500)
	bin(t) // build before anything is timed

	// The clean run: what every interrupted sequence must end as.
	clean, cleanURL := crashSandbox(t)
	dir := crashDir(t, rows)
	start := time.Now()
	res := runBin(t, dir, cleanURL, importArgs("r.csv")...)
	took := time.Since(start)
	if res.code != 1 { // the file has invalid rows
		t.Fatalf("clean run: exit %d, want 1\n%s", res.code, res.stderr)
	}
	t.Logf("clean run %s: %s", took.Round(time.Millisecond), res.stderr)
	checkFinished(t, filepath.Join(dir, "r.csv"), rows)
	want := imported(t, clean)
	checkState(t, want, wantState(rows))

	rng := rand.New(rand.NewPCG(crashSeed(t), 1))
	points := pick(2, 10)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		for i := range points {
			// Interrupt somewhere in the first 60 % of a clean run: the
			// clean run is timed alone, the interrupted ones run side by
			// side on a machine others share, and a run of the same rows
			// may well be faster than the timed one (a point at 90 % once
			// came after the run had ended: nothing was interrupted).
			at := time.Duration(float64(took) * (0.05 + 0.55*rng.Float64())).Round(time.Millisecond)
			t.Run(fmt.Sprintf("%s/%d-at-%s", sigName(sig), i, at), func(t *testing.T) {
				t.Parallel()
				crashOnce(t, rows, sig, at, want)
			})
		}
	}
}

func sigName(s syscall.Signal) string {
	if s == syscall.SIGKILL {
		return "SIGKILL"
	}
	return "SIGINT"
}

// crashOnce runs the import, sends sig after at, then resumes to the end
// and compares the sandbox with want.
func crashOnce(t *testing.T, rows []genRow, sig syscall.Signal, at time.Duration, want map[string]baselinker.Client) {
	srv, url := crashSandbox(t)
	dir := crashDir(t, rows)
	report := filepath.Join(dir, "r.csv")

	cmd, errb := startBin(t, dir, url, importArgs("r.csv")...)
	timer := time.AfterFunc(at, func() { _ = cmd.Process.Signal(sig) })
	_ = cmd.Wait()
	fired := !timer.Stop()
	code := cmd.ProcessState.ExitCode()
	t.Logf("%s after %s: exit %d, sandbox %d creates %d updates so far", sigName(sig), at, code, srv.Stats().Creates, srv.Stats().Updates)
	if !fired {
		t.Fatalf("the run ended (exit %d) before the signal at %s; the point is too late\n%s", code, at, errb.String())
	}
	switch sig {
	case syscall.SIGINT:
		if code != 130 {
			t.Errorf("SIGINT: exit %d, want 130\n%s", code, errb.String())
		}
		// The report an interrupted run leaves is whole: a line per row.
		lines := checkOneLinePerRow(t, readReport(t, report), rows)
		skipped := 0
		for _, l := range lines {
			if l["status"] == "skipped" {
				skipped++
				if l["error_code"] != "INTERRUPTED" {
					t.Errorf("row %s skipped with %q, want INTERRUPTED", l["row"], l["error_code"])
				}
			}
		}
		t.Logf("SIGINT report: %d of %d rows skipped", skipped, len(rows))
	case syscall.SIGKILL:
		if code != -1 {
			t.Errorf("SIGKILL: exit %d, want killed (-1)", code)
		}
	}

	for round := 1; ; round++ {
		res := runBin(t, dir, url, importArgs("r.csv", "--resume", "r.csv")...)
		if res.code == 2 || res.code > 100 {
			t.Fatalf("resume %d: exit %d\n%s", round, res.code, res.stderr)
		}
		if unfinished(t, report) == 0 {
			t.Logf("resume %d: exit %d: %s", round, res.code, res.stderr)
			break
		}
		if round >= 3 {
			t.Fatalf("%d rows unfinished after %d resumes\n%s", unfinished(t, report), round, res.stderr)
		}
	}
	checkFinished(t, report, rows)
	if b, _ := os.ReadFile(report); bytes.Contains(b, []byte(sandboxtest.DefaultToken)) || bytes.Contains(errb.Bytes(), []byte(sandboxtest.DefaultToken)) {
		t.Errorf("the token is in the report or the interrupted run's stderr")
	}
	got := imported(t, srv)
	assertSameClients(t, got, want)
	checkState(t, got, wantState(rows))
}

// assertSameClients: the imported clients are those of a clean run, field by field.
func assertSameClients(t testing.TB, got, want map[string]baselinker.Client) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d imported clients, a clean run made %d", len(got), len(want))
	}
	for k, w := range want {
		c, ok := got[k]
		if !ok {
			t.Errorf("no client for %s (a clean run has %d)", k, w.CrmClientID)
			continue
		}
		if d := diffClient(c, fieldsOf(w)); len(d) > 0 {
			t.Errorf("client %s differs from a clean run: %v", k, d)
		}
	}
}

// unfinished counts the rows of the report that are neither done nor invalid.
func unfinished(t *testing.T, report string) int {
	n := 0
	for _, l := range readReport(t, report) {
		switch l["status"] {
		case "created", "updated", "unchanged", "invalid":
		default:
			n++
		}
	}
	return n
}

// checkFinished proves the report has a line per row and every row its
// final status: valid rows done, invalid rows invalid.
func checkFinished(t *testing.T, report string, rows []genRow) {
	t.Helper()
	lines := checkOneLinePerRow(t, readReport(t, report), rows)
	for _, r := range rows {
		s := lines[r.num]["status"]
		switch {
		case !r.valid && s != "invalid":
			t.Errorf("row %d breaks a rule but is %q", r.num, s)
		case r.valid && s != "created" && s != "updated" && s != "unchanged":
			t.Errorf("row %d is %q (%s)", r.num, s, lines[r.num]["error_message"])
		}
	}
}

// fieldsOf returns the compared fields of c.
func fieldsOf(c baselinker.Client) map[string]string {
	out := map[string]string{}
	for _, name := range comparedFields {
		out[name], _ = c.Get(name)
	}
	return out
}
