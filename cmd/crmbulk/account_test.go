package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
	var info accountInfo
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
