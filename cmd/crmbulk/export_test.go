package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

func exportEnv(t *testing.T, clients int) (*sandbox.Server, map[string]string) {
	t.Helper()
	s, url := sandboxtest.New(t, sandbox.Config{Clients: clients, Seed: 21})
	return s, map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
}

func countRows(t *testing.T, path string, opt sheet.Options) (header []string, n int) {
	t.Helper()
	r, err := sheet.Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		if _, err := r.Read(); err != nil {
			break
		}
		n++
	}
	return r.Header(), n
}

func TestExportCommand(t *testing.T) {
	s, env := exportEnv(t, 230)
	dir := t.TempDir()
	for _, name := range []string{"c.xlsx", "c.csv"} {
		path := filepath.Join(dir, name)
		r := runCmd(t, context.Background(), env, "export", "--out", path, "--bom", "--delimiter", ";")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", name, r.code, r.errOut)
		}
		if !strings.Contains(r.errOut, "exported 230 clients") || strings.Contains(r.errOut, sandboxtest.DefaultToken) {
			t.Errorf("%s: summary %q", name, r.errOut)
		}
		h, n := countRows(t, path, sheet.Options{UnguardFormulas: true})
		if n != len(s.Clients()) || h[0] != "crm_client_id" || len(h) != 22 {
			t.Errorf("%s: %d rows, header %q", name, n, h)
		}
	}
	// A finished export leaves its file and nothing else (no lock file).
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the folder holds %d files after two exports, want just them: %v", len(ents), ents)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "c.csv"))
	if !strings.HasPrefix(string(b), "\uFEFFcrm_client_id;status_id;") {
		t.Errorf("CSV starts %q, want a BOM and ; delimiters", b[:min(len(b), 40)])
	}
	// The same name again is refused without --force.
	r := runCmd(t, context.Background(), env, "export", "--out", filepath.Join(dir, "c.csv"))
	if r.code != exitError || !strings.Contains(r.errOut, "--force") {
		t.Errorf("existing file: exit %d, %q", r.code, r.errOut)
	}
}

func TestExportCommandStdoutAndJSONSummary(t *testing.T) {
	_, env := exportEnv(t, 120)
	r := runCmd(t, context.Background(), env, "--log-format", "json", "export", "--out", "-",
		"--columns", "crm_client_id,email,status_name", "--filter", "email=@")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.HasPrefix(r.out, "crm_client_id,email,status_name\n") {
		t.Errorf("stdout starts %q", r.out[:min(len(r.out), 60)])
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(r.errOut), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "export finished" {
			found = true
			if m["clients"] == nil || m["requests"] == nil || m["duplicates_skipped"] == nil {
				t.Errorf("summary line lacks fields: %s", line)
			}
		}
	}
	if !found {
		t.Errorf("no JSON summary line in %q", r.errOut)
	}
}

func TestExportCommandErrors(t *testing.T) {
	_, env := exportEnv(t, 10)
	bad := map[string]string{"BASELINKER_TOKEN": "not-the-token-3000009-3000010-42", "BASELINKER_API_URL": env["BASELINKER_API_URL"]}
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown filter", env, []string{"--filter", "city=Łódź"}, "valid filters: crm_client_id, status_id"},
		{"filter without =", env, []string{"--filter", "email"}, "NAME=VALUE"},
		{"unknown column", env, []string{"--columns", "crm_client_id,emial"}, `did you mean "email"`},
		{"notes without details", env, []string{"--columns", "notes"}, "--with-details"},
		{"bad format", env, []string{"--format", "ods"}, "use csv or xlsx"},
		{"excel for an xlsx", env, []string{"--out", filepath.Join(dir, "e.xlsx"), "--excel"}, "drop --excel"},
		{"bad placeholder", env, []string{"--out", filepath.Join(dir, "c-{day}.csv")}, "{day}"},
		{"bad token", bad, nil, "token"},
		{"no token", map[string]string{"BASELINKER_API_URL": env["BASELINKER_API_URL"]}, nil, "BASELINKER_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".csv")
			args := append([]string{"export", "--out", out}, tt.args...)
			r := runCmd(t, context.Background(), tt.env, args...)
			if r.code != exitError || !strings.Contains(r.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", r.code, r.errOut, tt.want)
			}
			if strings.Contains(r.errOut, "not-the-token-42") {
				t.Errorf("the token leaked: %q", r.errOut)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed export left %s", out)
			}
		})
	}
}

// TestExportSaysWhatExcelDoesToACSV: a CSV chosen for Excel (--bom, or a
// ; delimiter) without --excel says what Excel will do to it and what
// keeps the values; with --excel it is silent, and a plain CSV too.
func TestExportSaysWhatExcelDoesToACSV(t *testing.T) {
	_, env := exportEnv(t, 5)
	dir := t.TempDir()
	for i, c := range []struct {
		args []string
		says bool
	}{
		{[]string{"--bom"}, true},
		{[]string{"--delimiter", ";"}, true},
		{[]string{"--excel", "--delimiter", ";"}, false},
		{nil, false},
	} {
		r := runCmd(t, context.Background(), env, append([]string{"--no-progress", "export", "--out", filepath.Join(dir, fmt.Sprintf("c%d.csv", i))}, c.args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", c.args, r.code, r.errOut)
		}
		if says := strings.Contains(r.errOut, "add --excel") && strings.Contains(r.errOut, ".xlsx, which keeps every value"); says != c.says {
			t.Errorf("%v: the Excel advice said: %v, want %v\n%s", c.args, says, c.says, r.errOut)
		}
	}
}
