package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/iostreams"
)

// result is what one crmbulk invocation produced.
type result struct {
	code        int
	out, errOut string
}

// runCmd runs crmbulk in-process with the given environment.
func runCmd(t *testing.T, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	stateDir := testStateDir(t) // each test's runs share a window, no two tests do
	getenv := func(k string) string {
		if v, ok := env[k]; ok || k != "CRMBULK_STATE_DIR" {
			return v
		}
		return stateDir
	}
	code := runWith(ctx, args, ios, getenv)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// stateDirs holds one shared-window directory per test (by name).
var stateDirs sync.Map

func testStateDir(t *testing.T) string {
	if d, ok := stateDirs.Load(t.Name()); ok {
		return d.(string)
	}
	d, _ := stateDirs.LoadOrStore(t.Name(), t.TempDir())
	return d.(string)
}

func TestHelpListsEverySubcommand(t *testing.T) {
	r := runCmd(t, context.Background(), nil, "--help")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, c := range []string{"version", "fields", "account", "export", "import", "mapping", "demo", "sandbox", "ui"} {
		if !strings.Contains(r.out, "\n  "+c+" ") {
			t.Errorf("--help does not list %q:\n%s", c, r.out)
		}
	}
	// The benchmark suite is a developer's tool (go run ./bench/cmd/crmbulk-bench),
	// not one of the user's commands.
	if strings.Contains(r.out, "\n  bench ") {
		t.Errorf("--help lists bench:\n%s", r.out)
	}
	if b := runCmd(t, context.Background(), nil, "bench", "--quick"); b.code != exitError || !strings.Contains(b.errOut, `unknown command "bench"`) {
		t.Errorf("crmbulk bench: exit %d, %s", b.code, b.errOut)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := [][]string{
		{"fields", "--format", "yaml"},
		{"fields", "--no-such-flag"},
		{"--rate", "0", "fields"},
		{"--rate", "10000000000", "fields"},
		{"import", "x.csv", "--workers", "1000000"},
		{"undo", "x.report.csv", "--workers", "65"},
		{"--log-format", "xml", "fields"},
		{"fields", "extra-arg"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCmd(t, context.Background(), nil, args...)
			if r.code != exitError {
				t.Errorf("exit %d, want %d; stderr %q", r.code, exitError, r.errOut)
			}
			if !strings.Contains(r.errOut, "crmbulk: ") {
				t.Errorf("no error message on stderr: %q", r.errOut)
			}
		})
	}
}

func TestFieldsFormats(t *testing.T) {
	r := runCmd(t, context.Background(), nil, "fields", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var rows []fieldRow
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatalf("fields --format json is not JSON: %v", err)
	}
	if len(rows) != 24 || rows[0].Name != "crm_client_id" || rows[13].Name != "invoice_country_code" {
		t.Fatalf("unexpected rows: %d, first %q", len(rows), rows[0].Name)
	}
	if rows[10].MaxLen != 20 || rows[10].Name != "invoice_postcode" {
		t.Errorf("invoice_postcode row = %+v", rows[10])
	}
	md := runCmd(t, context.Background(), nil, "fields", "--format", "markdown")
	if !strings.Contains(md.out, "| `invoice_postcode` | varchar(20) | 20 chars |") {
		t.Errorf("markdown row missing:\n%s", md.out)
	}
	txt := runCmd(t, context.Background(), nil, "fields")
	if !strings.Contains(txt.out, "star") || !strings.Contains(txt.out, "0–5") {
		t.Errorf("text output lacks star range:\n%s", txt.out)
	}
}

func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result)
	go func() {
		done <- runCmd(t, ctx, nil, "sandbox", "--token", "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "--addr", "127.0.0.1:0", "--clients", "3")
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	r := <-done
	if r.code != exitInterrupted {
		t.Fatalf("exit %d, want %d: %s", r.code, exitInterrupted, r.errOut)
	}
	if !strings.Contains(r.out, "sandbox serving http://127.0.0.1:") {
		t.Errorf("no URL printed: %q", r.out)
	}
	if strings.Contains(r.out+r.errOut, " t\n") {
		t.Errorf("token printed: %q", r.out)
	}
	for _, args := range [][]string{
		{"sandbox", "--addr", "127.0.0.1:0"},                                                     // no token
		{"sandbox", "--token", "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "--addr", "0.0.0.0:0"}, // not loopback
		{"sandbox", "--token", "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "--fault-rate", "2"},   // out of range
	} {
		if r := runCmd(t, context.Background(), nil, args...); r.code != exitError {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

func TestAPIClientSettings(t *testing.T) {
	dir := t.TempDir()
	tokenFile := dir + "/token"
	if err := os.WriteFile(tokenFile, []byte("file-token-3000005-3000006-ABCDEFGHIJ\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		a       app
		env     map[string]string
		wantErr string
	}{
		{"no token", app{rate: 100}, nil, "BASELINKER_TOKEN"},
		{"env token", app{rate: 100}, map[string]string{"BASELINKER_TOKEN": "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y"}, ""},
		{"token file", app{rate: 100, tokenFile: tokenFile}, nil, ""},
		{"missing token file", app{rate: 100, tokenFile: dir + "/nope"}, nil, "token file"},
		// --token-file wins: a broken BASELINKER_TOKEN beside it is not even read.
		{"token file over env", app{rate: 100, tokenFile: tokenFile}, map[string]string{"BASELINKER_TOKEN": "bad\x01token"}, ""},
		{"plain http refused", app{rate: 100, apiURL: "http://example.com/connector.php"}, map[string]string{"BASELINKER_TOKEN": "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y"}, "unencrypted"},
		{"loopback http ok", app{rate: 100}, map[string]string{"BASELINKER_TOKEN": "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "BASELINKER_API_URL": "http://127.0.0.1:9/connector.php"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			a.getenv = func(k string) string { return tt.env[k] }
			_, err := a.apiClient()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
			if exitCode(context.Background(), err) != exitError {
				t.Errorf("configuration error must exit 2")
			}
			if strings.Contains(err.Error(), "file-token") {
				t.Errorf("token leaked into error: %v", err)
			}
		})
	}
}

// TestVersion: crmbulk version says the version, the commit, the build
// date and the toolchain, also for a build without release ldflags.
func TestVersion(t *testing.T) {
	r := runCmd(t, context.Background(), nil, "version")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if r.code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "crmbulk ") || !strings.HasPrefix(lines[1], "commit ") ||
		!strings.HasPrefix(lines[2], "built ") || !strings.HasPrefix(lines[3], "go1.") {
		t.Errorf("crmbulk version: exit %d\n%s", r.code, r.out)
	}
}
