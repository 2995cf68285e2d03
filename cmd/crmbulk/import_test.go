package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

func importEnv() map[string]string {
	return map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken}
}

func writeInput(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func reportLines(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

func manyRows(n int) []string {
	lines := []string{"email,invoice_fullname"}
	for i := range n {
		lines = append(lines, fmt.Sprintf("c%03d@example.com,Client %d", i, i))
	}
	return lines
}

func TestImportExitCodes(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
	ok := writeInput(t, "ok.csv", "email,invoice_country_code", "a@example.com,PL", "b@example.com,DE")
	bad := writeInput(t, "bad.csv", "email,invoice_country_code", "c@example.com,PL", "d@example.com,XK")
	ragged := writeInput(t, "ragged.csv", "email,invoice_country_code", "e@example.com,PL", `"f@example.com,DE`)
	mapFile := writeInput(t, "map.yaml", "columns:", "  email: Mail")
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string
		creates  int // sandbox creates after this case, cumulative
		noReport bool
	}{
		{"all ok", []string{"import", ok, "--match-by", "email"}, exitOK, "created 2", 2, false},
		{"same again is unchanged", []string{"import", ok, "--match-by", "email"}, exitOK, "unchanged 2", 2, false},
		{"one invalid row", []string{"import", bad}, exitRowsFailed, "invalid 1", 3, false},
		{"broken file sends nothing", []string{"import", ragged}, exitError, "ragged.csv: row 3", 3, true},
		{"unknown match key", []string{"import", ok, "--match-by", "fax"}, exitError, `--match-by "fax"`, 3, true},
		{"mapping column missing", []string{"import", ok, "--mapping", mapFile}, exitError, `"Mail"`, 3, true},
		{"match key not mapped", []string{"import", bad, "--match-by", "phone"}, exitError, "does not map the field phone", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, context.Background(), importEnv(), append([]string{"--api-url", url, "--no-progress"}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.errOut)
			}
			if !strings.Contains(r.errOut, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.errOut)
			}
			if got := srv.Stats().Creates; got != tt.creates {
				t.Errorf("%d creates in the sandbox, want %d", got, tt.creates)
			}
			if strings.Contains(r.errOut, sandboxtest.DefaultToken) {
				t.Errorf("the token is on stderr")
			}
		})
	}
}

// TestImportResumeOfAnotherFilesReport: --resume with the report of
// another file is bad input — exit 2, nothing sent, as an undo's resume
// with another report's journal — and says what to do, with the command.
func TestImportResumeOfAnotherFilesReport(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
	ok := writeInput(t, "ok.csv", "email", "a@example.com", "b@example.com")
	other := writeInput(t, "other.csv", "email", "c@example.com")
	if r := runCmd(t, context.Background(), importEnv(), "--api-url", url, "--no-progress", "import", ok); r.code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.errOut)
	}
	before := srv.Stats().Requests
	report := strings.TrimSuffix(ok, ".csv") + ".report.csv"
	r := runCmd(t, context.Background(), importEnv(), "--api-url", url, "--no-progress", "import", other, "--resume", report)
	if r.code != exitError {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitError, r.errOut)
	}
	for _, want := range []string{report + " was made from", other + " has", "nothing was sent", "give --resume the report of other.csv", "--match-by email"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the refused resume sent %d requests", n)
	}
}

func TestImportFatalAuthSkipsTheRest(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
	in := writeInput(t, "in.csv", manyRows(20)...)
	env := map[string]string{"BASELINKER_TOKEN": "wrong-token-3000007-3000008-XYZ"}
	r := runCmd(t, context.Background(), env, "--api-url", url, "--no-progress", "import", in, "--workers", "1")
	if r.code != exitError {
		t.Fatalf("exit %d, want 2; stderr:\n%s", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, "wrong-token-3000007-3000008-XYZ") {
		t.Fatal("the token is on stderr")
	}
	if b, err := os.ReadFile(strings.TrimSuffix(in, ".csv") + ".report.csv"); err != nil || strings.Contains(string(b), "wrong-token-3000007-3000008-XYZ") {
		t.Fatalf("the token is in the report (or no report: %v)", err)
	}
	lines := reportLines(t, strings.TrimSuffix(in, ".csv")+".report.csv")
	if len(lines) != 20 {
		t.Fatalf("%d report lines, want 20", len(lines))
	}
	if lines[0][1] != "failed" || lines[0][3] != sandbox.CodeBadToken {
		t.Errorf("first line %v, want failed %s", lines[0], sandbox.CodeBadToken)
	}
	for _, l := range lines[1:] {
		if l[1] != "skipped" || l[3] != "NOT_ATTEMPTED" {
			t.Fatalf("line %v, want skipped NOT_ATTEMPTED", l)
		}
	}
	if srv.Stats().Creates != 0 || srv.Stats().AuthFailures != 1 {
		t.Errorf("sandbox stats %+v: want 1 auth failure, no create", srv.Stats())
	}
}

func TestImportInterruptExit130(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Latency: 100 * time.Millisecond})
	in := writeInput(t, "in.csv", manyRows(40)...)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(250*time.Millisecond, cancel)
	r := runCmd(t, ctx, importEnv(), "--api-url", url, "--no-progress", "import", in, "--workers", "2")
	if r.code != exitInterrupted {
		t.Fatalf("exit %d, want 130; stderr:\n%s", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "--resume "+strings.TrimSuffix(in, ".csv")+".report.csv") {
		t.Errorf("stderr does not say how to resume:\n%s", r.errOut)
	}
	if !strings.Contains(r.errOut, "stopped by Ctrl-C or SIGTERM") || strings.Contains(r.errOut, "context canceled") {
		t.Errorf("the interrupt is not said in words:\n%s", r.errOut)
	}
	lines := reportLines(t, strings.TrimSuffix(in, ".csv")+".report.csv")
	if len(lines) != 40 {
		t.Fatalf("%d report lines, want 40", len(lines))
	}
	created, skipped := 0, 0
	for _, l := range lines {
		switch {
		case l[1] == "created":
			created++
		case l[1] == "skipped" && l[3] == "INTERRUPTED":
			skipped++
		default:
			t.Errorf("unexpected line %v", l)
		}
	}
	if skipped == 0 || created == 0 || created != srv.Stats().Creates {
		t.Errorf("created %d (sandbox %d), skipped %d", created, srv.Stats().Creates, skipped)
	}
	// Resume finishes the rest without creating any client twice.
	r = runCmd(t, context.Background(), importEnv(), "--api-url", url, "--no-progress", "import", in,
		"--resume", strings.TrimSuffix(in, ".csv")+".report.csv")
	if r.code != exitOK {
		t.Fatalf("resume: exit %d; stderr:\n%s", r.code, r.errOut)
	}
	if n := len(srv.Clients()); n != 40 {
		t.Errorf("%d clients after resume, want 40", n)
	}
}

func TestImportDryRunNeedsNoToken(t *testing.T) {
	in := writeInput(t, "in.csv", "email,star", "a@example.com,3", "b@example.com,9")
	r := runCmd(t, context.Background(), nil, "--no-progress", "import", in, "--dry-run")
	if r.code != exitRowsFailed {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "dry run") {
		t.Errorf("summary does not say dry run:\n%s", r.errOut)
	}
}

// TestImportJSONSummary: with --log-format json the summary is a JSON log
// line like every other, not a text line among them; its request count is
// the client's (retries included).
func TestImportJSONSummary(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
	in := writeInput(t, "in.csv", "email", "a@example.com", "b@example.com")
	r := runCmd(t, context.Background(), importEnv(), "--api-url", url, "--no-progress", "--log-format", "json", "import", in)
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.errOut)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(r.errOut), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if rec["msg"] == "import finished" {
			found = true
			if rec["created"] != float64(2) || rec["requests"] != float64(2) {
				t.Errorf("summary %v: want created 2, requests 2", rec)
			}
		}
	}
	if !found {
		t.Errorf("no \"import finished\" line:\n%s", r.errOut)
	}
}
