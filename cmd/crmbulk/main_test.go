package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
	getenv := func(k string) string { return env[k] }
	code := run(ctx, args, ios, getenv)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

func TestHelpListsEverySubcommand(t *testing.T) {
	r := runCmd(t, context.Background(), nil, "--help")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, c := range []string{"version", "fields"} {
		if !strings.Contains(r.out, "\n  "+c+" ") {
			t.Errorf("--help does not list %q:\n%s", c, r.out)
		}
	}
}

func TestVersion(t *testing.T) {
	r := runCmd(t, context.Background(), nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.out, "crmbulk ") {
		t.Fatalf("version: exit %d, out %q", r.code, r.out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := [][]string{
		{"fields", "--format", "yaml"},
		{"fields", "--no-such-flag"},
		{"--rate", "0", "fields"},
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
