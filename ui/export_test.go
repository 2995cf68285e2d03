package ui

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// exportPage is a Server against a sandbox and an HTTP client holding the
// session's cookie, as the page's own requests hold it.
type exportPage struct {
	t       *testing.T
	sandbox *sandbox.Server
	base    string
	client  *http.Client
	workDir string // the page's folder: where its exports are written
}

func newExportPage(t *testing.T, cfg sandbox.Config, perMinute int) *exportPage {
	t.Helper()
	return newExportPageWindow(t, cfg, perMinute, time.Minute)
}

// newExportPageWindow is newExportPage with a limit of perWindow requests
// in window.
func newExportPageWindow(t *testing.T, cfg sandbox.Config, perWindow int, window time.Duration) *exportPage {
	t.Helper()
	return newExportPageWith(t, cfg, sandboxtest.DefaultToken, perWindow, pacer.WithWindow(window))
}

// newExportPageWith is newExportPage with the page started with token
// (from BASELINKER_TOKEN) and a limiter of perWindow requests and opts.
func newExportPageWith(t *testing.T, cfg sandbox.Config, token baselinker.Token, perWindow int, opts ...pacer.Option) *exportPage {
	t.Helper()
	sb, endpoint := sandboxtest.New(t, cfg)
	workDir := t.TempDir()
	srv, err := New(Config{
		NewAPI: func(tok baselinker.Token) (*baselinker.API, error) {
			return baselinker.New(endpoint, tok, baselinker.WithLimiter(pacer.New(perWindow, opts...)))
		},
		Token: token, TokenFrom: TokenFromEnv, WorkDir: workDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	p := &exportPage{t: t, sandbox: sb, base: ts.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, workDir: workDir}
	res, err := p.client.Get(srv.URL(strings.TrimPrefix(ts.URL, "http://")))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("entering the page: %v %v", res, err)
	}
	res.Body.Close()
	return p
}

// do sends a request of the page (JSON body when in is not nil) and
// returns the status and the body.
func (p *exportPage) do(method, path string, in any) (int, []byte) {
	p.t.Helper()
	return pageRequest(p.t, p.client, method, p.base+path, in)
}

func choices(e schedule.Export) exportRequest { return exportRequest{Export: e, Time: "02:15"} }

// TestExportBadChoices: a status the account does not have, a bad column,
// a bad filter or time answer 4xx in words that name what exists, with
// the field; nothing is exported.
func TestExportBadChoices(t *testing.T) {
	p := newExportPage(t, sandbox.Config{Clients: 20, Seed: 2}, 100000)
	base := schedule.Default()
	for _, c := range []struct {
		path  string
		edit  func(*exportRequest)
		field string
		words []string
	}{
		{"/api/export/nightly", func(r *exportRequest) { r.Filters = []string{"status=Stali klienci"} }, "status",
			[]string{`no client status "Stali klienci"`, `did you mean "Stały klient"?`, `"Nowy klient", "Stały klient", "VIP", "Do kontaktu", "Nieaktywny"`}},
		{"/api/export", func(r *exportRequest) { r.Filters = []string{"status=Gold"} }, "status", []string{`"VIP"`, `"Nieaktywny"`}},
		{"/api/export/estimate", func(r *exportRequest) { r.Filters = []string{"status=VIPP"}; r.Notes = true }, "status", []string{`did you mean "VIP"?`}},
		{"/api/export", func(r *exportRequest) { r.Columns = []string{"email", "emial"} }, "columns", []string{`"emial"`, "valid columns"}},
		{"/api/export", func(r *exportRequest) { r.Filters = []string{"colour=red"} }, "filter", []string{"colour"}},
		{"/api/export/nightly", func(r *exportRequest) { r.Time = "25:00" }, "time", []string{"HH:MM"}},
		{"/api/export", func(r *exportRequest) { r.Format = "ods" }, "export", []string{"xlsx, csv or excel"}},
	} {
		req := choices(base)
		c.edit(&req)
		status, body := p.do("POST", c.path, req)
		var e apiError
		_ = json.Unmarshal(body, &e)
		if status != http.StatusBadRequest || e.Field != c.field {
			t.Errorf("%s %+v: %d %s, want 400 on %s", c.path, req, status, body, c.field)
		}
		for _, w := range c.words {
			if !strings.Contains(e.Error, w) {
				t.Errorf("%s %+v: %q does not say %q", c.path, req, e.Error, w)
			}
		}
	}
	if got := p.sandbox.Stats().Requests; got > 2 { // the statuses and extra fields, read once
		t.Errorf("%d requests for refused choices", got)
	}
}

// statusClients are the IDs of the sandbox's clients of status id.
func statusClients(sb *sandbox.Server, id int64) []string {
	var ids []string
	for _, c := range sb.Clients() {
		if int64(c.StatusID) == id {
			ids = append(ids, strconv.FormatInt(int64(c.CrmClientID), 10))
		}
	}
	slices.Sort(ids)
	return ids
}

// TestExportEstimate: with notes the page is told, before it starts, how
// many clients the filter selects and how long one request each takes at
// the limit, in the export's own words; without details nothing is counted.
func TestExportEstimate(t *testing.T) {
	p := newExportPage(t, sandbox.Config{Clients: 250, Seed: 3}, 60)
	req := choices(schedule.Default())
	req.Filters = []string{"status=stały KLIENT"} // case aside, as the CLI finds it
	status, body := p.do("POST", "/api/export/estimate", req)
	var est estimate
	if err := json.Unmarshal(body, &est); status != http.StatusOK || err != nil || est.Details {
		t.Fatalf("without details: %d %s", status, body)
	}
	req.Notes = true
	status, body = p.do("POST", "/api/export/estimate", req)
	if err := json.Unmarshal(body, &est); status != http.StatusOK || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	want := len(statusClients(p.sandbox, 2))
	if !est.Details || est.AtMost || est.Clients != want ||
		!strings.Contains(est.Text, "reading the details of "+strconv.Itoa(want)+" clients") || !strings.Contains(est.Text, "60 requests per 1m0s") {
		t.Errorf("estimate %+v, want %d clients at 60 a minute", est, want)
	}
	// At 60 a minute, the requests left after the count's pages.
	if lo, hi := float64(want-60), float64(want+10); est.Seconds < lo || est.Seconds > hi {
		t.Errorf("%.0f s for %d clients at 60 a minute", est.Seconds, want)
	}
	before := p.sandbox.Stats().Requests
	if status, _ := p.do("POST", "/api/export/estimate", req); status != http.StatusOK || p.sandbox.Stats().Requests != before {
		t.Errorf("the same filter counted again: %d, %d requests", status, p.sandbox.Stats().Requests-before)
	}
	// Every way the command line's --filter names a status by its name
	// selects the same clients here.
	for _, f := range []string{"status_name=Stały klient", "status_id=Stały klient"} {
		req.Filters = []string{f}
		status, body = p.do("POST", "/api/export/estimate", req)
		if err := json.Unmarshal(body, &est); status != http.StatusOK || err != nil || est.Clients != want {
			t.Errorf("--filter %s: %d %s, want %d clients", f, status, body, want)
		}
	}
}

// TestExportNightly: the lines are those internal/schedule writes for the
// choices as checked (the notes checkbox as a column too).
func TestExportNightly(t *testing.T) {
	p := newExportPage(t, sandbox.Config{Clients: 5}, 100000)
	req := choices(schedule.Export{Name: "vip-{date}", Format: schedule.CSV, Rate: 30, Filters: []string{"status=VIP"},
		Columns: []string{"email", "crm_client_id"}, Notes: true})
	req.Time = "23:45"
	status, body := p.do("POST", "/api/export/nightly", req)
	var n nightly
	if err := json.Unmarshal(body, &n); status != http.StatusOK || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	want := req.Export
	want.Columns = []string{"email", "crm_client_id", "notes"}
	f, err := schedule.Write(want, schedule.When{Hour: 23, Minute: 45}, schedule.DefaultProgram)
	if err != nil {
		t.Fatal(err)
	}
	if n.Files != f {
		t.Errorf("nightly files differ from internal/schedule's:\n%s", n.Files.Crontab)
	}
	if !strings.Contains(n.Files.Crontab, "45 23 * * * ") || !strings.Contains(n.Files.Crontab, "--filter status=VIP --columns email,crm_client_id,notes --notes") {
		t.Errorf("crontab:\n%s", n.Files.Crontab)
	}
}

// TestExportRunsAndDownloads: an export started by the page streams its
// state as Server-Sent Events to its end, and the file downloaded holds
// exactly the sandbox's clients of the status chosen by name, with the
// columns chosen, in their order.
func TestExportRunsAndDownloads(t *testing.T) {
	p := newExportPage(t, sandbox.Config{Clients: 260, Seed: 9}, 100000)
	req := choices(schedule.Export{Name: "vip {date}", Format: schedule.XLSX, Rate: 60, Filters: []string{"status=VIP"},
		Columns: []string{"crm_client_id", "email"}})
	status, body := p.do("POST", "/api/export", req)
	var started exportStarted
	if err := json.Unmarshal(body, &started); status != http.StatusAccepted || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	states := p.follow(started.ID)
	last := states[len(states)-1]
	want := statusClients(p.sandbox, 3)
	if last.State != stateDone || last.Counts["exported"] != len(want) || !strings.Contains(last.Summary, "exported "+strconv.Itoa(len(want))+" clients") {
		t.Fatalf("the last event: %+v", last)
	}
	if states[0].Command != kindExport {
		t.Errorf("first event %+v", states[0])
	}

	res, err := p.client.Get(p.base + "/api/export/" + started.ID + "/file")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("download: %v %v", res, err)
	}
	day := time.Now().Format("2006-01-02")
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="vip `+day+`.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	path := filepath.Join(t.TempDir(), "got.xlsx")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	header, ids := readExported(t, path)
	if !slices.Equal(header, []string{"crm_client_id", "email"}) {
		t.Errorf("columns %q", header)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("exported %v, want the clients of status VIP %v", ids, want)
	}
}

// readExported reads an exported file: its header and first column, sorted.
func readExported(t *testing.T, path string) (header, first []string) {
	t.Helper()
	r, err := sheet.Open(path, sheet.Options{UnguardFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		row, err := r.Read()
		if err != nil {
			break
		}
		first = append(first, strings.Trim(row.Cells[0], `="`))
	}
	slices.Sort(first)
	return r.Header(), first
}

// FuzzParseClock: a time the page sends is a time of day or an error.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"02:15", "23:59", "24:00", "2:5", "", ":", "-1:10", " 07:30 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := parseClock(s)
		if err == nil && (w.Hour < 0 || w.Hour > 23 || w.Minute < 0 || w.Minute > 59) {
			t.Errorf("%q read as %+v", s, w)
		}
		if err != nil && !strings.Contains(err.Error(), "HH:MM") {
			t.Errorf("%q: %v says no fix", s, err)
		}
	})
}

// follow reads an export's Server-Sent Events (every run's stream) to its
// end and returns the states it carried.
func (p *exportPage) follow(id string) []runState {
	p.t.Helper()
	res, err := p.client.Get(p.base + "/api/runs/" + id + "/events")
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		p.t.Errorf("events: Content-Type %q", ct)
	}
	var states []runState
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var st runState
			if err := json.Unmarshal([]byte(data), &st); err != nil {
				p.t.Fatalf("event %q: %v", data, err)
			}
			states = append(states, st)
		}
	}
	if len(states) == 0 {
		p.t.Fatal("no event")
	}
	return states
}

// TestExportProgress: an export with notes at a limit streams its phases
// live — the details phase with its total, count and the time the limit
// needs for the rest — before it ends; a second export meanwhile is refused.
func TestExportProgress(t *testing.T) {
	p := newExportPageWindow(t, sandbox.Config{Clients: 30, Seed: 4}, 15, time.Second)
	req := choices(schedule.Default())
	req.Notes = true
	status, body := p.do("POST", "/api/export", req)
	var started exportStarted
	if err := json.Unmarshal(body, &started); status != http.StatusAccepted || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	if code, b := p.do("POST", "/api/export", req); code != http.StatusConflict || !strings.Contains(string(b), "still running") {
		t.Errorf("a second export while one runs: %d %s", code, b)
	}
	states := p.follow(started.ID)
	var details *runState
	for i, st := range states {
		if st.Phase == "details" && st.State == stateRunning && st.Total == 30 && st.Done > 0 && st.Done < 30 && st.ETA > 0 {
			details = &states[i]
			break
		}
	}
	if details == nil {
		t.Errorf("no live update of the details phase with its count and ETA among %d states: %+v", len(states), states)
	}
	if last := states[len(states)-1]; last.State != stateDone || last.Counts["exported"] != 30 {
		t.Errorf("the end: %+v", last)
	}
}

// TestExportStopAndAgain: an export stopped while it reads the details
// saves nothing (no download) and says the details read are kept; the
// same export again goes on from them, reading only the others.
func TestExportStopAndAgain(t *testing.T) {
	p := newExportPageWindow(t, sandbox.Config{Clients: 40, Seed: 8}, 10, time.Second)
	req := choices(schedule.Default())
	req.Notes = true
	first := p.startAndStop(req, 10)
	if code, _ := p.do("GET", "/api/export/"+first.ID+"/file", nil); code != http.StatusConflict {
		t.Errorf("a stopped export offers a download: %d", code)
	}

	before := p.sandbox.Stats().Requests
	end, said := p.exportToEnd(req)
	if end.State != stateDone || end.Counts["exported"] != 40 || !strings.Contains(said, "resuming: ") {
		t.Fatalf("again: %+v", end)
	}
	// The list (one page, read again at its end) and the details not kept.
	if got := p.sandbox.Stats().Requests - before; got > 40-10+3 {
		t.Errorf("the second export sent %d requests: the kept details were read again", got)
	}
}

// exportToEnd starts an export of req, follows it to its end and returns
// its last state and what it said.
func (p *exportPage) exportToEnd(req exportRequest) (runState, string) {
	p.t.Helper()
	status, body := p.do("POST", "/api/export", req)
	var started exportStarted
	if err := json.Unmarshal(body, &started); status != http.StatusAccepted || err != nil {
		p.t.Fatalf("%d %s", status, body)
	}
	states := p.follow(started.ID)
	end := states[len(states)-1]
	return end, strings.Join(end.Messages, "\n")
}

// startAndStop starts the export req and stops it once its details phase
// has read at least n clients; it checks what the stopped run says.
func (p *exportPage) startAndStop(req exportRequest, n int64) exportStarted {
	p.t.Helper()
	status, body := p.do("POST", "/api/export", req)
	var started exportStarted
	if err := json.Unmarshal(body, &started); status != http.StatusAccepted || err != nil {
		p.t.Fatalf("%d %s", status, body)
	}
	res, err := p.client.Get(p.base + "/api/runs/" + started.ID + "/events")
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	var last runState
	stopped := false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(data), &last); err != nil {
			p.t.Fatal(err)
		}
		if !stopped && last.Phase == "details" && last.Done >= n {
			if code, b := p.do("POST", "/api/runs/"+started.ID+"/stop", nil); code != http.StatusAccepted {
				p.t.Fatalf("stop: %d %s", code, b)
			}
			stopped = true
		}
	}
	if !stopped || last.State != stateStopped || !strings.Contains(last.Error, "nothing was saved") || !strings.Contains(last.Error, "export again with the same choices") {
		p.t.Fatalf("after stop: %+v", last)
	}
	return started
}

// TestExportAgainOtherFilter: details kept by a stopped export of other
// filters into the same file are not mixed in: the page says so in its
// own words (a note, not the CLI's --resume refusal) and starts over.
func TestExportAgainOtherFilter(t *testing.T) {
	p := newExportPageWindow(t, sandbox.Config{Clients: 20, Seed: 8}, 10, time.Second)
	req := choices(schedule.Default())
	req.Notes = true
	p.startAndStop(req, 3)
	req.Filters = []string{"status=VIP"}
	end, said := p.exportToEnd(req)
	if end.State != stateDone || end.Counts["exported"] != len(statusClients(p.sandbox, 3)) || len(end.Notes) != 1 || end.Notes[0].Key != "exp.kept.filters" || end.Notes[0].Vars["started"] == "" {
		t.Fatalf("again with another filter: %+v", end)
	}
	if strings.Contains(said, "--") {
		t.Errorf("the page showed the CLI's words:\n%s", said)
	}
}

// TestExportDownloadIsItsOwnFile: a later export of the same name writes
// over the file; the earlier export's download is then refused (its file
// is gone), never served with the later export's clients, and the later
// one's is its own.
func TestExportDownloadIsItsOwnFile(t *testing.T) {
	p := newExportPage(t, sandbox.Config{Clients: 30, Seed: 9}, 100000)
	run := func(filter string) string {
		req := choices(schedule.Export{Name: "same", Format: schedule.CSV, Rate: 60, Filters: []string{filter}, Columns: []string{"crm_client_id", "status_id"}})
		status, body := p.do("POST", "/api/export", req)
		var started exportStarted
		if err := json.Unmarshal(body, &started); status != http.StatusAccepted || err != nil {
			t.Fatalf("%d %s", status, body)
		}
		if states := p.follow(started.ID); states[len(states)-1].State != stateDone {
			t.Fatalf("export %s: %+v", filter, states[len(states)-1])
		}
		return started.ID
	}
	first, second := run("status=VIP"), run("status=Stały klient")
	if code, body := p.do("GET", "/api/export/"+first+"/file", nil); code != http.StatusConflict || !strings.Contains(string(body), "no longer the file this export wrote") {
		t.Errorf("the first export's download, its file written over by the second: %d %.300s, want 409", code, body)
	}
	code, body := p.do("GET", "/api/export/"+second+"/file", nil)
	if lines := strings.Count(string(body), "\n"); code != http.StatusOK || lines != len(statusClients(p.sandbox, 2))+1 {
		t.Errorf("the second export's download: %d, %d lines, want its %d clients and the header", code, lines, len(statusClients(p.sandbox, 2)))
	}
	// Deleted: 404, said as gone (a reload or a later export cannot bring it back).
	if err := os.Remove(filepath.Join(p.workDir, "exports", "same.csv")); err != nil {
		t.Fatal(err)
	}
	if code, body := p.do("GET", "/api/export/"+second+"/file", nil); code != http.StatusNotFound || !strings.Contains(string(body), "same.csv, the file this export wrote, is gone from ") {
		t.Errorf("the second export's download, its file deleted: %d %.300s, want 404 gone", code, body)
	}
}
