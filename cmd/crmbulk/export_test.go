package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
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
		// The default columns: every listed field, and status_name after status_id.
		if n != len(s.Clients()) || h[0] != "crm_client_id" || len(h) != 23 || h[2] != "status_name" {
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

// TestExportStatusNames: the export names each client's status by default
// with one getCrmClientStatuses request (said in the log; shared with
// --filter status=NAME), --status-names=false leaves the column and the
// request out, and a status_id the account does not list gets an empty
// name that the log and the summary count.
func TestExportStatusNames(t *testing.T) {
	s, env := exportEnv(t, 150)
	api, err := baselinker.New(env["BASELINKER_API_URL"], baselinker.Token(sandboxtest.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	// Two clients whose status the account does not list (deleted since).
	for _, email := range []string{"gone1@example.com", "gone2@example.com"} {
		if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: map[string]string{"email": email, "status_id": "987"}}); err != nil {
			t.Fatal(err)
		}
	}
	names := map[string]string{}
	for _, st := range s.Statuses() {
		names[strconv.FormatInt(st.ID, 10)] = st.Name
	}
	first := s.Statuses()[0]
	tests := []struct {
		name         string
		args         []string
		wantColumn   bool
		wantRequests int    // getCrmClientStatuses
		wantUnnamed  string // in the summary; "" = none
	}{
		{"default", nil, true, 1, "2 clients hold a status_id the account does not list (987)"},
		{"off", []string{"--status-names=false"}, false, 0, ""},
		{"filter by name shares the request", []string{"--filter", "status=" + first.Name}, true, 1, ""},
		{"filter by name, names off", []string{"--filter", "status=" + first.Name, "--status-names=false"}, false, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Stats().ByMethod["getCrmClientStatuses"]
			out := filepath.Join(t.TempDir(), "c.csv")
			r := runCmd(t, context.Background(), env, append([]string{"--no-progress", "export", "--out", out}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			if got := s.Stats().ByMethod["getCrmClientStatuses"] - before; got != tt.wantRequests {
				t.Errorf("%d getCrmClientStatuses requests, want %d", got, tt.wantRequests)
			}
			if said := strings.Contains(r.errOut, "client statuses of the account"); said != tt.wantColumn {
				t.Errorf("the log says the statuses read: %v, want %v\n%s", said, tt.wantColumn, r.errOut)
			}
			if tt.wantUnnamed == "" && strings.Contains(r.errOut, "does not list") ||
				tt.wantUnnamed != "" && !strings.Contains(r.errOut, tt.wantUnnamed) {
				t.Errorf("stderr %q, want the unnamed statuses as %q", r.errOut, tt.wantUnnamed)
			}
			if tt.wantUnnamed != "" && !strings.Contains(r.errOut, "status_id 987 (2 clients)") {
				t.Errorf("no warning naming status_id 987 in %q", r.errOut)
			}
			h, _ := countRows(t, out, sheet.Options{})
			col := slices.Index(h, "status_name")
			if (col == 2) != tt.wantColumn || (col < 0) == tt.wantColumn {
				t.Fatalf("header %q: status_name at %d, want it after status_id: %v", h, col, tt.wantColumn)
			}
			if col < 0 {
				return
			}
			for _, row := range reportLines(t, out) { // the CSV's rows after its header
				want := names[row[1]]
				if row[col] != want || want == "" && row[1] != "987" {
					t.Errorf("client %s: status_id %s named %q, want %q", row[0], row[1], row[col], want)
				}
			}
		})
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

// TestExportJSONLines: --out NAME.jsonl and --out - --format jsonl write
// one JSON object a client, keyed by the columns; --help names the format;
// --excel is refused for it.
func TestExportJSONLines(t *testing.T) {
	s, env := exportEnv(t, 30)
	path := filepath.Join(t.TempDir(), "clients.jsonl")
	for _, args := range [][]string{{"--out", path}, {"--out", "-", "--format", "jsonl"}} {
		r := runCmd(t, context.Background(), env, append([]string{"export", "--columns", "crm_client_id,email"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%q: exit %d: %s", args, r.code, r.errOut)
		}
		text := r.out
		if args[1] != "-" {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(lines) != len(s.Clients()) {
			t.Fatalf("%q: %d lines, want %d clients", args, len(lines), len(s.Clients()))
		}
		var first struct {
			ID    int64  `json:"crm_client_id"`
			Email string `json:"email"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.ID != int64(s.Clients()[0].CrmClientID) || first.Email != s.Clients()[0].Email {
			t.Errorf("%q: first line %s (%v), want client %d", args, lines[0], err, s.Clients()[0].CrmClientID)
		}
	}
	if r := runCmd(t, context.Background(), env, "export", "--out", path, "--force", "--excel"); r.code != exitError || !strings.Contains(r.errOut, "drop --excel") {
		t.Errorf("--excel with jsonl: exit %d: %s", r.code, r.errOut)
	}
	if r := runCmd(t, context.Background(), nil, "export", "--help"); !strings.Contains(r.out, ".jsonl  JSON Lines") || !strings.Contains(r.out, "csv, xlsx, jsonl") {
		t.Errorf("export --help does not name JSON Lines:\n%s", r.out)
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
		{"bad format", env, []string{"--format", "ods"}, "use csv, xlsx or jsonl"},
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

// TestExportResumeOfAListExport: an export that reads only the list (no
// notes or extra fields) keeps nothing to go on from, so --resume is
// refused — exit 2, naming the flag and what to run instead — before any
// request, the statuses of --filter status=NAME included; with
// --with-details it goes ahead.
func TestExportResumeOfAListExport(t *testing.T) {
	s, env := exportEnv(t, 5)
	dir := t.TempDir()
	status := s.Statuses()[0].Name
	for _, args := range [][]string{
		{"--resume"},
		{"--resume", "--filter", "status=" + status},
		{"--resume", "--with-details", "--columns", "crm_client_id,email"},
	} {
		out := filepath.Join(dir, "c.csv")
		r := runCmd(t, context.Background(), env, append([]string{"export", "--out", out}, args...)...)
		if r.code != exitError || !strings.Contains(r.errOut, "--resume goes on from") || !strings.Contains(r.errOut, "run it without --resume") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying --resume has nothing to go on from", args, r.code, r.errOut)
		}
		if again := "crmbulk export --out " + out; !strings.Contains(r.errOut, again) || strings.Contains(r.errOut, again+" --resume") {
			t.Errorf("%v: stderr %q does not give the command without --resume", args, r.errOut)
		}
		if n := s.Stats().Requests; n != 0 {
			t.Errorf("%v: %d requests sent", args, n)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: a refused export wrote %s", args, out)
		}
	}
	r := runCmd(t, context.Background(), env, "export", "--out", filepath.Join(dir, "d.csv"), "--with-details", "--resume")
	if r.code != 0 || !strings.Contains(r.errOut, "exported 5 clients") {
		t.Errorf("--with-details --resume with nothing kept: exit %d, %q; want it to run whole", r.code, r.errOut)
	}
}
