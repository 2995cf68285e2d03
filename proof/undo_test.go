package proof

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
)

// accountState is every client's fields, by id.
func accountState(srv *sandbox.Server) map[int64]string {
	out := map[int64]string{}
	for _, c := range srv.Clients() {
		out[int64(c.CrmClientID)] = fmt.Sprintf("%+v", c)
	}
	return out
}

// TestUndoKilledAndResumed: the binary imports a shop's list (creates and
// updates of existing clients), then undoes it; the undo is killed
// (SIGKILL) midway and resumed from its report. The account ends exactly
// as before the import: nothing deleted twice, every field restored once.
func TestUndoKilledAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	srv, url := crashSandbox(t)
	rows := genInput(9, 160)
	dir := crashDir(t, rows)
	// Some rows' clients exist already: the import updates them.
	seedExisting(t, srv, url, rows)
	before := accountState(srv)

	if res := runBin(t, dir, url, importArgs("r.csv")...); res.code != 1 { // the file has invalid rows
		t.Fatalf("import: exit %d\n%s", res.code, res.stderr)
	}
	lines := readReport(t, filepath.Join(dir, "r.csv"))
	created, updated := 0, 0
	for _, l := range lines {
		switch l["status"] {
		case "created":
			created++
		case "updated":
			updated++
		}
	}
	if created < 50 || updated < 5 {
		t.Fatalf("the import created %d and updated %d clients; the proof needs both", created, updated)
	}
	st := srv.Stats()

	undoArgs := []string{"undo", "r.csv", "--yes", "--rate", crashRate, "--no-progress"}
	cmd, errb := startBin(t, dir, url, undoArgs...)
	deadline := time.Now().Add(30 * time.Second)
	for srv.Stats().Deletes-st.Deletes < created/3 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	t.Logf("killed after %d deletes, %d restores\n%s", srv.Stats().Deletes-st.Deletes, srv.Stats().Updates-st.Updates, errb)

	res := runBin(t, dir, url, append(undoArgs, "--resume", "r.undo.csv")...)
	if res.code != 0 {
		t.Fatalf("resumed undo: exit %d\n%s", res.code, res.stderr)
	}
	t.Logf("resumed: %s", res.stderr)
	after := srv.Stats()
	if d := after.Deletes - st.Deletes; d != created {
		t.Errorf("%d deletes for %d created clients", d, created)
	}
	if u := after.Updates - st.Updates; u != updated {
		t.Errorf("%d restores for %d updated lines: a field restored twice or not at all", u, updated)
	}
	got := accountState(srv)
	var diff []string
	for id, w := range before {
		if got[id] != w {
			diff = append(diff, fmt.Sprintf("client %d: %s, want %s", id, got[id], w))
		}
	}
	for id := range got {
		if _, ok := before[id]; !ok {
			diff = append(diff, fmt.Sprintf("client %d was not there before the import", id))
		}
	}
	sort.Strings(diff)
	for i, d := range diff {
		if i < 8 {
			t.Error(d)
		}
	}
	checkOneLinePerRowOf(t, readReport(t, filepath.Join(dir, "r.undo.csv")), lines)
}

// checkOneLinePerRowOf: the undo's report has one line per line of the
// report it undid.
func checkOneLinePerRowOf(t *testing.T, undo, source []reportLine) {
	t.Helper()
	rows := map[string]int{}
	for _, l := range undo {
		rows[l["row"]]++
	}
	for _, l := range source {
		if rows[l["row"]] != 1 {
			t.Errorf("row %s has %d undo lines", l["row"], rows[l["row"]])
		}
	}
	if len(undo) != len(source) {
		t.Errorf("%d undo lines for %d report lines", len(undo), len(source))
	}
}

// seedExisting creates, before the import, the clients of every ninth
// valid row under another name, so the import updates them.
func seedExisting(t *testing.T, srv *sandbox.Server, url string, rows []genRow) {
	t.Helper()
	api := newAPI(t, url, 10000, time.Minute)
	seen := map[string]bool{}
	for i, r := range rows {
		if !r.valid || i%9 != 3 || seen[r.key] {
			continue
		}
		seen[r.key] = true
		if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: map[string]string{
			"email": r.key, "invoice_fullname": "Old Name", "invoice_city": "Stare Miasto"}}); err != nil {
			t.Fatal(err)
		}
	}
	_ = srv
}
