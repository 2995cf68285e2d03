package proof

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// campaign is the scaled limit every fault-campaign run works under: the
// sandbox blocks the token past Limit requests in any Window, and the
// client's limiter paces on the same window.
const (
	campaignLimit  = 100
	campaignWindow = time.Second
	// campaignTimeout is the imports' --request-timeout: a create whose
	// answer a fault lost is looked up only this long after its send
	// (importer/process.go); the sandbox answers in 2–14 ms, and applies a
	// create before it loses its answer.
	campaignTimeout = 100 * time.Millisecond
)

func campaignSandbox(t *testing.T, seed int64, clients int) (*sandbox.Server, string) {
	t.Helper()
	return sandboxtest.New(t, sandbox.Config{
		Limit: campaignLimit, Window: campaignWindow, BlockFor: 2 * campaignWindow,
		Latency: 8 * time.Millisecond, Jitter: 6 * time.Millisecond,
		FaultRate: 0.1, Faults: sandbox.AllFaults(), Seed: seed, Clients: clients,
	})
}

// checkLimit proves no sliding window held more requests than the limit
// and the token was never blocked.
func checkLimit(t *testing.T, srv *sandbox.Server) {
	t.Helper()
	st := srv.Stats()
	if m := srv.MaxInWindow(campaignWindow); m > campaignLimit {
		t.Errorf("a window of %s held %d requests, limit %d", campaignWindow, m, campaignLimit)
	}
	if st.TimesBlocked != 0 || st.Blocked != 0 {
		t.Errorf("the token was blocked %d times (%d blocked answers)", st.TimesBlocked, st.Blocked)
	}
}

// TestFaultCampaignImport imports a realistic file with 10 % faults of
// every kind (the cut after the write included), latency with jitter and a
// scaled limit, and proves the report, the sandbox and the limit agree.
func TestFaultCampaignImport(t *testing.T) {
	n := pick(200, 500)
	srv, url := campaignSandbox(t, 11, 30)
	api := newAPI(t, url, campaignLimit, campaignWindow)
	ctx := context.Background()
	dir := t.TempDir()
	rows := genInput(11, n)
	in := writeInput(t, dir, "clients.csv", rows)
	m, err := mapping.Parse("m.yaml", []byte(mappingYAML))
	if err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "clients.report.csv")

	// Some rows' clients exist already, under other names: they must be
	// updated, never created again. The other seeded clients must not change.
	srv.SetFaultRate(0)
	existing := map[string]int64{}
	for i, r := range rows {
		if !r.valid || i%9 != 3 {
			continue
		}
		if _, ok := existing[r.key]; ok {
			continue
		}
		id, err := api.AddCrmClient(ctx, baselinker.ClientFields{Values: map[string]string{"email": strings.ToUpper(r.key), "invoice_fullname": "Old Name", "login": "kept-" + strconv.Itoa(i)}})
		if err != nil {
			t.Fatal(err)
		}
		existing[r.key] = id
	}
	others := map[int64]baselinker.Client{}
	for _, c := range srv.Clients() {
		if !strings.HasSuffix(strings.ToLower(c.Email), "@proof.example") {
			others[int64(c.CrmClientID)] = c
		}
	}
	srv.SetFaultRate(0.1)

	start := time.Now()
	sum, err := importer.Run(ctx, api, in, importer.Config{Mapping: m, MatchBy: []string{"email"}, RequestTimeout: campaignTimeout, Report: report})
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	t.Logf("first run (%s): %v; sandbox faults %v", time.Since(start).Round(time.Millisecond), sum, srv.Stats().Faults)
	if f := srv.Stats().Faults; len(f) < len(sandbox.AllFaults()) {
		t.Errorf("not every fault kind was injected: %v", f)
	}

	// Failed rows (faults past the client's retries) are redone with
	// --resume, faults still on, until every row is done.
	resumeUntilDone(t, api, in, report, m, rows)

	lines := checkOneLinePerRow(t, readReport(t, report), rows)
	want := wantState(rows)
	got := imported(t, srv)
	checkState(t, got, want)
	for _, r := range rows {
		l := lines[r.num]
		switch {
		case !r.valid:
			if l["status"] != "invalid" {
				t.Errorf("row %d breaks a rule but is %q", r.num, l["status"])
			}
			if l["column"] == "" || l["error_message"] == "" {
				t.Errorf("row %d is invalid without a column or message: %v", r.num, l)
			}
		default:
			c := got[r.key]
			if l["crm_client_id"] != strconv.Itoa(int(c.CrmClientID)) {
				t.Errorf("row %d (%s) reports client %q, the sandbox holds %d", r.num, l["status"], l["crm_client_id"], c.CrmClientID)
			}
			if id, ok := existing[r.key]; ok && id != int64(c.CrmClientID) {
				t.Errorf("row %d: client %d existed, now %d holds %s", r.num, id, c.CrmClientID, r.key)
			}
		}
	}
	for id, before := range others {
		after, ok := srv.Client(id)
		if !ok || fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("client %d no row names was changed", id)
		}
	}
	for k, id := range existing {
		if c, _ := srv.Client(id); !strings.HasPrefix(c.Login, "kept-") {
			t.Errorf("client %d (%s): login %q, an update must keep fields the row does not set", id, k, c.Login)
		}
	}
	checkLimit(t, srv)

	// The same file again, faults on: nothing to create, every valid row unchanged.
	before := srv.Stats()
	report2 := filepath.Join(dir, "again.report.csv")
	sum, err = importer.Run(ctx, api, in, importer.Config{Mapping: m, MatchBy: []string{"email"}, RequestTimeout: campaignTimeout, Report: report2})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	t.Logf("second run: %v", sum)
	lines = checkOneLinePerRow(t, readReport(t, report2), rows)
	for _, r := range rows {
		want := "unchanged"
		if !r.valid {
			want = "invalid"
		}
		if s := lines[r.num]["status"]; s != want {
			t.Errorf("second run: row %d is %q, want %q (%s)", r.num, s, want, lines[r.num]["error_message"])
		}
	}
	after := srv.Stats()
	if after.Creates != before.Creates || after.Updates != before.Updates {
		t.Errorf("second run wrote: %d creates, %d updates", after.Creates-before.Creates, after.Updates-before.Updates)
	}
	if n := after.ByMethod["addCrmClient"] - before.ByMethod["addCrmClient"]; n != 0 {
		t.Errorf("second run sent %d addCrmClient requests", n)
	}
	checkState(t, imported(t, srv), want)
	checkLimit(t, srv)
}

// TestFaultCampaignExport exports with faults on and proves the file, CSV
// and XLSX, holds every client of the sandbox exactly once, value for value.
func TestFaultCampaignExport(t *testing.T) {
	n := pick(350, 1200)
	for _, name := range []string{"clients.csv", "clients.xlsx"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, url := campaignSandbox(t, 21, n)
			api := newAPI(t, url, campaignLimit, campaignWindow)
			path := filepath.Join(t.TempDir(), name)
			out, err := exporter.OpenOutput(exporter.OutputOptions{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			e, err := exporter.New(api, exporter.Config{Notes: true, ExtraFields: true, Capabilities: exporter.CapabilitiesOf(api)})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := e.Run(context.Background(), out.Opener())
			if err != nil {
				_ = out.Abort()
				t.Fatalf("export: %v", err)
			}
			if err := out.Commit(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%v; sandbox faults %v", sum, srv.Stats().Faults)
			if srv.Stats().Faults[sandbox.FaultHTTP500]+srv.Stats().Faults[sandbox.FaultTruncated] == 0 {
				t.Errorf("no fault hit the export: %v", srv.Stats().Faults)
			}
			checkExport(t, path, srv.Clients())
			checkLimit(t, srv)
		})
	}
}

// checkExport reads path back and compares it with clients: every client
// once, every column equal to the client's value.
func checkExport(t *testing.T, path string, clients []baselinker.Client) {
	t.Helper()
	csvFile := strings.HasSuffix(path, ".csv")
	r, err := sheet.Open(path, sheet.Options{UnguardFormulas: csvFile})
	if err != nil {
		t.Fatalf("reading back %s: %v", path, err)
	}
	defer r.Close()
	h := r.Header()
	byID := map[string]baselinker.Client{}
	for _, c := range clients {
		byID[strconv.Itoa(int(c.CrmClientID))] = c
	}
	seen := map[string]bool{}
	bad := 0
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading back %s: %v", path, err)
		}
		cells := map[string]string{}
		for i, name := range h {
			cells[name] = row.Cells[i]
		}
		id := cells["crm_client_id"]
		if seen[id] {
			t.Errorf("row %d: client %s written twice", row.Num, id)
		}
		seen[id] = true
		c, ok := byID[id]
		if !ok {
			t.Errorf("row %d: client %s is not in the sandbox", row.Num, id)
			continue
		}
		for _, name := range h {
			var want string
			switch {
			case strings.HasPrefix(name, baselinker.ExtraColumnPrefix):
				id, _ := baselinker.ParseExtraColumn(name)
				want = c.CustomExtraFields[id]
			default:
				want, _ = c.Get(name)
			}
			if csvFile {
				want = strings.ReplaceAll(want, "\r\n", "\n") // sheet's documented CSV rule
			}
			if cells[name] != want && bad < 10 {
				bad++
				t.Errorf("client %s, column %s: file %q, sandbox %q", id, name, cells[name], want)
			}
		}
	}
	if len(seen) != len(clients) {
		t.Errorf("%d clients in the file, %d in the sandbox", len(seen), len(clients))
	}
}

// resumeUntilDone runs the import with --resume until no row of the
// report is failed or skipped (at most 5 times).
func resumeUntilDone(t *testing.T, api importer.API, in, report string, m *mapping.Mapping, rows []genRow) {
	t.Helper()
	for round := 1; ; round++ {
		failed := 0
		for _, l := range checkOneLinePerRow(t, readReport(t, report), rows) {
			if l["status"] == "failed" || l["status"] == "skipped" {
				failed++
			}
		}
		if failed == 0 {
			return
		}
		if round > 5 {
			t.Fatalf("%d rows still failed after %d resumes", failed, round-1)
		}
		sum, err := importer.Run(context.Background(), api, in, importer.Config{Mapping: m, MatchBy: []string{"email"}, RequestTimeout: campaignTimeout, Report: report, Resume: report})
		if err != nil {
			t.Fatalf("resume %d: %v", round, err)
		}
		t.Logf("resume %d of %d failed rows: %v", round, failed, sum)
	}
}
