package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

type result struct {
	code        int
	out, errOut string
}

// runCmd runs crmbulk-bench in-process; with no binary to start as a
// child, the export memory figure's sandbox runs in-process and says so.
func runCmd(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut, "")
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// TestBenchQuick runs the fast parts of the suite end to end so that the
// command and its table do not rot. Throughput figures depend on the
// machine's load, so only the exit code (0 met, 1 missed) is checked for
// them; the per-row and memory figures are exact or generous.
func TestBenchQuick(t *testing.T) {
	for _, format := range []string{"text", "markdown"} {
		t.Run(format, func(t *testing.T) {
			r := runCmd(t, context.Background(), "--quick", "--rows", "2000",
				"--only", "perrow,throughput,memory", "--format", format, "--log-level", "warn")
			if r.code != exitOK && r.code != exitMissed {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			wantLines := []string{
				`^machine: .*\d+ cores, go1\.\d+`,
				`SCALED \(--quick\)`,
				`addCrmClient per changed row .*1\.0000 \(2000 for 2000 rows\).*≤ 1\.01 .*ok`,
				`addCrmClient per unchanged row .*0\.0000 \(0 for 2000 rows\).* 0 .*ok`,
				`dry run csv 2000 rows .*encoding/csv`,
				`dry run xlsx 200 rows .*excelize Rows\(\)`,
				`memory dry-run import 100 → 2000 rows .*peak heap`,
				`memory export 400 → 1600 clients .*sandbox IN-PROCESS`,
			}
			for _, w := range wantLines {
				if !regexp.MustCompile(`(?m)` + w).MatchString(r.out) {
					t.Errorf("no line matching %q in:\n%s", w, r.out)
				}
			}
			if strings.Contains(r.out, "rate import") {
				t.Errorf("--only without rate ran the rate scenario:\n%s", r.out)
			}
			if format == "markdown" && !strings.Contains(r.out, "| Scenario | Measure | Value | Target |") {
				t.Errorf("no markdown table:\n%s", r.out)
			}
			missed := strings.Contains(r.out, "MISSED")
			if missed != (r.code == exitMissed) {
				t.Errorf("exit %d but MISSED in the table is %v", r.code, missed)
			}
		})
	}
}

func TestBenchUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--only", "rate,speed"}, `unknown scenario "speed": choose among rate, perrow, blocks, throughput, memory`},
		{[]string{"--format", "html"}, `--format "html": use text or markdown`},
		{[]string{"--rows", "-5"}, `--rows -5`},
		{[]string{"extra"}, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCmd(t, context.Background(), tt.args...)
			if r.code != exitError {
				t.Errorf("exit %d, want %d", r.code, exitError)
			}
			if !strings.Contains(r.errOut, tt.want) {
				t.Errorf("stderr %q does not say %q", r.errOut, tt.want)
			}
		})
	}
}
