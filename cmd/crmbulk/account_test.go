package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/internal/iostreams"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestAccountCommand: crmbulk account lists the account's statuses (with
// the filter that picks each) and extra fields, as text and as JSON.
func TestAccountCommand(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 5})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	r := runCmd(t, context.Background(), env, "account")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, want := range []string{"\n2          Stały klient  --filter 'status=Stały klient'\n", "\nextra_15     Rabat               number", "select    VIP, B2B, hurt"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the listing lacks %q:\n%s", want, r.out)
		}
	}
	r = runCmd(t, context.Background(), env, "account", "--format", "json")
	var info struct {
		Statuses []struct {
			ID   int64
			Name string
		}
		ExtraFields []struct{ ID int64 } `json:"extra_fields"`
	}
	if err := json.Unmarshal([]byte(r.out), &info); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v\n%s", r.code, err, r.out)
	}
	if len(info.Statuses) != 5 || info.Statuses[1].Name != "Stały klient" || info.Statuses[1].ID != 2 || len(info.ExtraFields) != 6 {
		t.Errorf("json: %+v", info)
	}
}

// TestExportFilterByStatusName: --filter status=NAME (or status_id=NAME)
// exports the clients of that status; a name the account does not have
// stops before any client is read, naming the close one and the command
// that lists them.
func TestExportFilterByStatusName(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 60})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	want := 0
	for _, c := range srv.Clients() {
		if c.StatusID == 2 {
			want++
		}
	}
	for _, filter := range []string{"status=Stały klient", "status_id= stały  KLIENT", "status_name=Stały klient"} {
		r := runCmd(t, context.Background(), env, "--no-progress", "export", "--out", "-", "--filter", filter, "--columns", "crm_client_id,status_id")
		lines := strings.Split(strings.TrimSpace(r.out), "\n")[1:]
		if r.code != 0 || len(lines) != want || want == 0 {
			t.Fatalf("--filter %s: exit %d, %d clients, want %d\n%s", filter, r.code, len(lines), want, r.errOut)
		}
		for _, l := range lines {
			if !strings.HasSuffix(l, ",2") {
				t.Errorf("--filter %s: %s is not of status 2", filter, l)
			}
		}
	}
	before := srv.Stats().ByMethod["getCrmClients"]
	r := runCmd(t, context.Background(), env, "export", "--out", "-", "--filter", "status=Staly klent")
	if r.code != exitError || !strings.Contains(r.errOut, `did you mean "Stały klient"?`) || !strings.Contains(r.errOut, "\n  crmbulk account\n") {
		t.Errorf("an unknown status: exit %d, want 2 with did-you-mean and the listing command\n%s", r.code, r.errOut)
	}
	if srv.Stats().ByMethod["getCrmClients"] != before {
		t.Error("clients were read for an unknown status")
	}
}

// TestImportStatusByName: a status_id column that holds the statuses'
// names (as a spreadsheet says them) is sent as their IDs, and the report
// says so; a name the account lacks makes its row invalid, naming the
// close one.
func TestImportStatusByName(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 3})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	in := writeInput(t, "statusy.csv", "email,status_id", "a@example.com,Stały klient", "b@example.com, vip ", "c@example.com,3", "d@example.com,Staly klent")
	r := runCmd(t, context.Background(), env, "--no-progress", "import", in)
	if r.code != exitRowsFailed || !strings.Contains(r.errOut, "status name → ID 2") {
		t.Fatalf("exit %d, want 1 (one unknown name) and the names counted\n%s", r.code, r.errOut)
	}
	got := map[string]int64{}
	for _, c := range srv.Clients() {
		got[c.Email] = int64(c.StatusID)
	}
	if got["a@example.com"] != 2 || got["b@example.com"] != 3 || got["c@example.com"] != 3 {
		t.Errorf("statuses sent: %v", got)
	}
	if _, ok := got["d@example.com"]; ok {
		t.Error("the row with an unknown status name was sent")
	}
	lines := reportLines(t, strings.TrimSuffix(in, ".csv")+".report.csv")
	if w := strings.Join(lines[0], ","); !strings.Contains(w, `status name → ID: "Stały klient" → 2`) {
		t.Errorf("row 2's warnings do not say the name became its ID: %v", lines[0])
	}
	if w := strings.Join(lines[3], ","); lines[3][1] != "invalid" || !strings.Contains(w, `did you mean "Stały klient"?`) {
		t.Errorf("row 5: %v", lines[3])
	}
}

// TestImportStatusNamesInPlan: an import that changes statuses speaks
// their names where people read them — the JSON plan (before_name,
// after_name) and the summary, which counts the rows by the status they
// set — while the report's changes column keeps the IDs alone, so undo
// reads it back and puts every status back.
func TestImportStatusNamesInPlan(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 4})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	names := map[int64]string{}
	for _, st := range srv.Statuses() {
		names[st.ID] = st.Name
	}
	clients := srv.Clients()
	was := map[string]int64{}
	rows := []string{"crm_client_id,status_id"}
	for i, c := range clients[:3] {
		was[strconv.FormatInt(int64(c.CrmClientID), 10)] = int64(c.StatusID)
		to := int64(c.StatusID)%5 + 1 // another status
		if i == 2 {
			to = 99 // a status the account does not list: sent, unnamed
		}
		rows = append(rows, fmt.Sprintf("%d,%d", c.CrmClientID, to))
	}
	in := writeInput(t, "statusy.csv", rows...)
	// On a terminal, so that the plan's first rows follow the run.
	ios, _, stdout, stderr := iostreams.Test()
	ios.SetStderrTTY(true)
	code := runWith(context.Background(), []string{"import", in, "--dry-run", "--format", "json", "--report", filepath.Join(t.TempDir(), "dry.csv")},
		ios, func(k string) string { return env[k] })
	dry := result{code: code, out: stdout.String(), errOut: stderr.String()}
	if dry.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", dry.code, dry.errOut)
	}
	c0 := clients[0]
	if want := fmt.Sprintf(`row 2 updated: status_id: "%d" (%s) → "%d" (%s)`, c0.StatusID, names[int64(c0.StatusID)], int64(c0.StatusID)%5+1, names[int64(c0.StatusID)%5+1]); !strings.Contains(dry.errOut, want) {
		t.Errorf("the plan shown lacks %q:\n%s", want, dry.errOut)
	}
	var planned int
	for _, line := range strings.Split(strings.TrimSpace(dry.out), "\n") {
		var pl planLine
		if err := json.Unmarshal([]byte(line), &pl); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		for _, c := range pl.Changes {
			if c.Before == nil {
				t.Fatalf("row %d: status_id not compared: %+v", pl.Row, c)
			}
			before, _ := strconv.ParseInt(*c.Before, 10, 64)
			after, _ := strconv.ParseInt(c.After, 10, 64)
			if c.Field != "status_id" || c.BeforeName != names[before] || c.AfterName != names[after] {
				t.Errorf("row %d: %+v, want the names %q → %q", pl.Row, c, names[before], names[after])
			}
			planned++
		}
	}
	if planned != 3 {
		t.Errorf("%d status changes planned, want 3\n%s", planned, dry.out)
	}
	to0 := int64(clients[0].StatusID)%5 + 1
	if !strings.Contains(dry.errOut, "status_id would be set to: ") ||
		!strings.Contains(dry.errOut, fmt.Sprintf("%s (%d)", names[to0], to0)) || !strings.Contains(dry.errOut, "99 (not a status of the account) 1") {
		t.Errorf("the summary does not count the statuses by name:\n%s", dry.errOut)
	}

	r := runCmd(t, context.Background(), env, "--no-progress", "import", in)
	if r.code != 0 || !strings.Contains(r.errOut, "status_id set to: ") {
		t.Fatalf("import: exit %d\n%s", r.code, r.errOut)
	}
	report := strings.TrimSuffix(in, ".csv") + ".report.csv"
	for _, l := range reportByColumn(t, report) {
		if ch := l["changes"]; !regexp.MustCompile(`^status_id: "\d+" → "\d+"$`).MatchString(ch) {
			t.Errorf("row %s: the report's changes %q, want the IDs alone", l["row"], ch)
		}
	}
	if u := runCmd(t, context.Background(), env, "--no-progress", "undo", report, "--yes"); u.code != 0 {
		t.Fatalf("undo: exit %d\n%s", u.code, u.errOut)
	}
	for _, c := range srv.Clients() {
		if w, ok := was[strconv.FormatInt(int64(c.CrmClientID), 10)]; ok && int64(c.StatusID) != w {
			t.Errorf("client %d: status %d after undo, want %d", c.CrmClientID, c.StatusID, w)
		}
	}
}
