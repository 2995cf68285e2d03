package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// apiEnv is a Server against a sandbox, with a client that holds the
// session's cookie.
type apiEnv struct {
	t       *testing.T
	sandbox *sandbox.Server
	srv     *Server
	base    string
	c       *http.Client
	doc     mappingDoc // the mapping the last upload proposed
}

func newAPIEnv(t *testing.T, cfg sandbox.Config) *apiEnv {
	t.Helper()
	return newAPIEnvToken(t, cfg, sandboxtest.DefaultToken)
}

// newAPIEnvToken is newAPIEnv with the token found at the start ("" = none).
func newAPIEnvToken(t *testing.T, cfg sandbox.Config, token baselinker.Token) *apiEnv {
	t.Helper()
	sb, endpoint := sandboxtest.New(t, cfg)
	srv, err := New(Config{
		NewAPI: func(tok baselinker.Token) (*baselinker.API, error) {
			return baselinker.New(endpoint, tok, baselinker.WithLimiter(pacer.New(100000)))
		},
		Token: token, TokenFrom: TokenFromEnv, WorkDir: t.TempDir(), StateDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); _ = srv.Close() })
	jar, _ := cookiejar.New(nil)
	e := &apiEnv{t: t, sandbox: sb, srv: srv, base: ts.URL, c: &http.Client{Jar: jar}}
	resp, err := e.c.Get(srv.URL(strings.TrimPrefix(ts.URL, "http://")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return e
}

// do sends a request (body: JSON of v, unless v is nil) and decodes the
// JSON answer into out (when not nil); it returns the status and the body.
func (e *apiEnv) do(method, path string, v, out any) (int, string) {
	e.t.Helper()
	status, b := pageRequest(e.t, e.c, method, e.base+path, v)
	if out != nil && status < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return status, string(b)
}

// upload uploads name with data as the import flow's file.
func (e *apiEnv) upload(name, data string) uploadInfo {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(data))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/import/upload", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Crmbulk-Request", "1")
	resp, err := e.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v fileView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK || v.File.ID == "" {
		e.t.Fatalf("upload: %d %v %+v", resp.StatusCode, err, v)
	}
	e.doc = v.Doc
	return v.File
}

// plan makes the plan of the import flow's file under the proposed
// mapping, as the page does before a run (and after a fix).
func (e *apiEnv) plan() {
	e.t.Helper()
	if code, body := e.do("POST", "/api/import/plan", e.doc, nil); code != http.StatusOK {
		e.t.Fatalf("plan: %d %s", code, body)
	}
}

// follow reads the run's event stream until until(state) holds or the
// stream ends; it returns the last state.
func (e *apiEnv) follow(id string, until func(runView) bool) runView {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+"/api/runs/"+id+"/events", nil)
	resp, err := e.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		e.t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	var last runView
	done := make(chan struct{})
	timer := time.AfterFunc(30*time.Second, func() { resp.Body.Close() })
	defer timer.Stop()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if event != "state" {
				e.t.Fatalf("event %q", event)
			}
			last = runView{}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &last); err != nil {
				e.t.Fatal(err)
			}
			if until(last) {
				close(done)
				return last
			}
		}
	}
	return last
}

func ended(v runView) bool { return v.State != stateRunning && v.State != stateStopping }

const invalidCSV = "email,invoice_fullname,invoice_country_code\nanna@example.com,Anna Nowak,PL\njan@example.com,Jan Kowalski,Narnia\nola@example.com,Ola Żak,DE\n"

// TestRunFlowHTTP goes through the run step's requests: the invalid rows,
// a fix, the run, its report (page, CSV, XLSX), the refusals in words,
// and the undo.
func TestRunFlowHTTP(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{})
	up := e.upload("klienci.csv", invalidCSV)
	fixHTTP(t, e, up)
	started := runHTTP(t, e)
	reportHTTP(t, e, started.ID)
	refusalsHTTP(t, e, started.ID)
	undoHTTP(t, e, started.ID)
}

// fixHTTP lists the invalid row of invalidCSV and fixes it.
func fixHTTP(t *testing.T, e *apiEnv, up uploadInfo) {
	var probs fixAnswer
	if code, body := e.do("GET", "/api/fix/problems", nil, &probs); code != http.StatusOK {
		t.Fatalf("problems: %d %s", code, body)
	}
	if probs.Invalid != 1 || len(probs.Rows) != 1 || probs.Rows[0].Row != 3 || probs.Rows[0].Problems[0].Column != "invoice_country_code" ||
		probs.Rows[0].Cells["invoice_country_code"] != "Narnia" || !strings.Contains(probs.Rows[0].Problems[0].Hint, "did you mean") || probs.File.ID != up.ID ||
		probs.Copy != "csv" {
		t.Fatalf("problems %+v, want row 3's country", probs)
	}

	var fixed fixAnswer
	if code, body := e.do("POST", "/api/fix", fixRequest{Fixes: []cellFix{{Row: 3, Column: "invoice_country_code", Value: "PL"}}}, &fixed); code != http.StatusOK {
		t.Fatalf("fix: %d %s", code, body)
	}
	if fixed.Invalid != 0 || fixed.File.Name != "klienci.corrected.csv" || fixed.File.ID == up.ID || fixed.Fixed != 1 || fixed.Copy != "csv" {
		t.Fatalf("after the fix %+v", fixed)
	}
	orig, _ := os.ReadFile(filepath.Join(e.srv.WorkDir(), "uploads", up.ID, "klienci.csv"))
	if string(orig) != invalidCSV {
		t.Errorf("the original was changed: %q", orig)
	}
}

// runHTTP runs the import of the corrected copy to its end.
func runHTTP(t *testing.T, e *apiEnv) runView {
	e.plan()
	var started runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &started); code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, body)
	}
	if started.File != "klienci.corrected.csv" || started.Kind != kindImport {
		t.Errorf("started %+v", started)
	}
	end := e.follow(started.ID, ended)
	if end.State != stateDone || end.Counts["created"] != 3 || len(e.sandbox.Clients()) != 3 || !strings.Contains(end.Summary, "created 3") {
		t.Fatalf("run ended %+v with %d clients", end, len(e.sandbox.Clients()))
	}
	return started
}

// reportHTTP reads the run's report: a filtered page, the CSV, the XLSX.
func reportHTTP(t *testing.T, e *apiEnv, id string) {
	// Each line is the line's one JSON, as crmbulk import --format json prints it.
	type change struct {
		Field string `json:"field"`
		After string `json:"after"`
	}
	var page struct {
		Lines []struct {
			Row     int      `json:"row"`
			Changes []change `json:"changes"`
		} `json:"lines"`
		Counts  map[string]int `json:"counts"`
		Matched int            `json:"matched"`
	}
	if code, body := e.do("GET", "/api/runs/"+id+"/report?status=created&limit=2", nil, &page); code != http.StatusOK {
		t.Fatalf("report: %d %s", code, body)
	}
	if page.Matched != 3 || len(page.Lines) != 2 || page.Counts["created"] != 3 || page.Lines[1].Row != 3 ||
		!slices.Contains(page.Lines[1].Changes, change{"invoice_country_code", "PL"}) {
		t.Errorf("report page %+v", page)
	}
	code, csvBody := e.do("GET", "/api/runs/"+id+"/report.csv", nil, nil)
	if code != http.StatusOK || !strings.HasPrefix(csvBody, "row,status,crm_client_id") || strings.Count(csvBody, ",created,") != 3 {
		t.Errorf("report.csv: %d %.200s", code, csvBody)
	}
	code, xlsx := e.do("GET", "/api/runs/"+id+"/report.xlsx", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("report.xlsx: %d %.200s", code, xlsx)
	}
	xp := filepath.Join(t.TempDir(), "r.xlsx")
	_ = os.WriteFile(xp, []byte(xlsx), 0o644)
	header, rows := readAll(t, xp, sheet.Options{})
	if !slices.Contains(header, "invoice_country_code after") || len(rows) != 3 {
		t.Errorf("report.xlsx: header %q, %d rows", header, len(rows))
	}
}

// refusalsHTTP sends what the run step refuses: each answer's status and
// words.
func refusalsHTTP(t *testing.T, e *apiEnv, id string) {
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		want         string
	}{
		{"GET", "/api/runs/nope", nil, http.StatusNotFound, `\"nope\" is not a run of this page`},
		{"POST", "/api/runs/nope/stop", struct{}{}, http.StatusNotFound, "is not a run of this page"},
		{"GET", "/api/runs/nope/report.csv", nil, http.StatusNotFound, "is not a run of this page"},
		{"POST", "/api/runs/" + id + "/stop", struct{}{}, http.StatusConflict, "is not running (it is done)"},
		{"POST", "/api/runs/" + id + "/resume", struct{}{}, http.StatusConflict, "nothing to resume"},
		{"POST", "/api/runs/" + id + "/undo", undoRequest{}, http.StatusBadRequest, "confirm it"},
		{"GET", "/api/runs/" + id + "/report?offset=x", nil, http.StatusBadRequest, "whole numbers"},
		{"POST", "/api/runs", runRequest{File: "nope"}, http.StatusBadRequest, `\"nope\" is not a file of this page`},
		{"POST", "/api/fix", fixRequest{Fixes: []cellFix{{Row: 2, Column: "phone", Value: "1"}}}, http.StatusUnprocessableEntity, `has no column \"phone\"`},
		{"POST", "/api/fix", fixRequest{Fixes: []cellFix{{Row: 40, Column: "email", Value: "x@y.pl"}}}, http.StatusUnprocessableEntity, `"row":40`},
		{"POST", "/api/fix", fixRequest{}, http.StatusBadRequest, "no cell was changed"},
		{"POST", "/api/fix", fixRequest{File: "nope", Fixes: []cellFix{{Row: 2, Column: "email"}}}, http.StatusBadRequest, "is not a file of this page"},
	} {
		if code, body := e.do(c.method, c.path, c.body, nil); code != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s, want %d and %q", c.method, c.path, code, body, c.status, c.want)
		}
	}
}

// undoHTTP undoes the run id and checks the sandbox, the undo's report
// and the session's list of runs.
func undoHTTP(t *testing.T, e *apiEnv, id string) {
	var u runView
	if code, body := e.do("POST", "/api/runs/"+id+"/undo", undoRequest{Confirm: true}, &u); code != http.StatusAccepted {
		t.Fatalf("undo: %d %s", code, body)
	}
	end := e.follow(u.ID, ended)
	if u.Kind != kindUndo || u.Of != id || end.State != stateDone || end.Counts["deleted"] != 3 || len(e.sandbox.Clients()) != 0 {
		t.Fatalf("undo %+v ended %+v with %d clients", u, end, len(e.sandbox.Clients()))
	}
	for _, what := range []string{"resume", "undo"} {
		if code, body := e.do("POST", "/api/runs/"+u.ID+"/"+what, undoRequest{Confirm: true}, nil); code != http.StatusConflict || !strings.Contains(body, "is an undo: only an import is") {
			t.Errorf("%s of an undo: %d %s", what, code, body)
		}
	}
	var page reportPage
	if code, body := e.do("GET", "/api/runs/"+u.ID+"/report?status=deleted", nil, &page); code != http.StatusOK || page.Matched != 3 {
		t.Errorf("undo's report: %d %s", code, body)
	}
	var list struct{ Runs []runView }
	if code, body := e.do("GET", "/api/runs", nil, &list); code != http.StatusOK || len(list.Runs) != 2 ||
		list.Runs[0].ID != u.ID || list.Runs[1].ID != id || list.Runs[1].State != stateDone {
		t.Errorf("the runs: %d %s", code, body)
	}
}

func TestRunStopResumeHTTP(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{Latency: 100 * time.Millisecond})
	var b strings.Builder
	b.WriteString("email,invoice_fullname\n")
	for i := range 200 {
		b.WriteString("k" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@example.com,Klient\n")
	}
	e.upload("klienci.csv", b.String())
	if code, body := e.do("POST", "/api/fix", fixRequest{Fixes: []cellFix{{Row: 2, Column: "invoice_fullname", Value: "Klient A"}}}, nil); code != http.StatusOK {
		t.Fatalf("fix: %d %s", code, body)
	}
	e.plan()
	var started runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &started); code != http.StatusAccepted || started.File != "klienci.corrected.csv" {
		t.Fatalf("start: %d %s", code, body)
	}
	e.follow(started.ID, func(v runView) bool { return v.Counts["created"] > 0 })
	// The file a run reads is not rewritten under it by a fix.
	if code, body := e.do("POST", "/api/fix", fixRequest{Fixes: []cellFix{{Row: 2, Column: "invoice_fullname", Value: "X"}}}, nil); code != http.StatusConflict || !strings.Contains(body, "is running") {
		t.Errorf("a fix of the file a run reads: %d %s", code, body)
	}
	// A second start of the same plan while the first goes starts nothing:
	// it is answered with the run that goes.
	var same startedView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &same); code != http.StatusOK || same.ID != started.ID || same.Already == "" {
		t.Fatalf("a second start of the plan: %d %s, want the run that goes", code, body)
	}
	// A run of the file under another plan while the first goes: the
	// importer's lock refuses it, and the page has its words.
	e.doc.Fields = append(slices.Clone(e.doc.Fields), docField{Field: "invoice_company", Columns: []string{"invoice_fullname"}})
	e.plan()
	var second runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &second); code != http.StatusAccepted || second.ID == started.ID {
		t.Fatalf("a start of another plan: %d %s", code, body)
	}
	if end := e.follow(second.ID, ended); end.State != stateFailed || !strings.Contains(end.Error, "is in use by another crmbulk run") {
		t.Errorf("a second run of the file: %q %q, want it refused in words", end.State, end.Error)
	}
	if code, body := e.do("POST", "/api/runs/"+second.ID+"/resume", struct{}{}, nil); code != http.StatusConflict || !strings.Contains(body, "refused before it sent anything") {
		t.Errorf("resuming the refused run: %d %s", code, body)
	}
	// The report at the path is the first run's: the refused run shows none.
	if code, body := e.do("GET", "/api/runs/"+second.ID+"/report", nil, nil); code != http.StatusNotFound || !strings.Contains(body, "wrote no report") {
		t.Errorf("the refused run's report: %d %.300s, want none", code, body)
	}
	if code, body := e.do("POST", "/api/runs/"+started.ID+"/stop", struct{}{}, nil); code != http.StatusAccepted {
		t.Fatalf("stop: %d %s", code, body)
	}
	end := e.follow(started.ID, ended)
	made := len(e.sandbox.Clients())
	if end.State != stateStopped || made == 200 || end.Counts["skipped"] == 0 {
		t.Fatalf("stopped %+v with %d clients", end, made)
	}
	// Resume double-clicked: one resumed run.
	got, _ := startAtOnce(t, e, "/api/runs/"+started.ID+"/resume", struct{}{}, 2)
	resumed := got.v.runView
	end = e.follow(resumed.ID, ended)
	if !resumed.Resume || resumed.Of != started.ID || end.State != stateDone || end.Counts["created"] != 200 || len(e.sandbox.Clients()) != 200 {
		t.Fatalf("resumed %+v ended %+v with %d clients", resumed, end, len(e.sandbox.Clients()))
	}
}

func TestRunWithoutTokenOrFile(t *testing.T) {
	e := newAPIEnvToken(t, sandbox.Config{}, "")
	if code, body := e.do("POST", "/api/runs", runRequest{}, nil); code != http.StatusBadRequest || !strings.Contains(body, "no file to import yet") {
		t.Errorf("a run before any file: %d %s", code, body)
	}
	if code, body := e.do("GET", "/api/fix/problems", nil, nil); code != http.StatusBadRequest || !strings.Contains(body, "no file to import yet") {
		t.Errorf("problems before any file: %d %s", code, body)
	}
	e.upload("klienci.csv", invalidCSV)
	if code, body := e.do("POST", "/api/runs", runRequest{}, nil); code != http.StatusBadRequest || !strings.Contains(body, "paste your token") {
		t.Errorf("a run without a token: %d %s", code, body)
	}
	if n := len(e.sandbox.Clients()); n != 0 {
		t.Errorf("%d clients", n)
	}
}

// TestRunSaysItsWaits: a run the API blocks says on its stream what it
// waits for and until when, with its ETA, and ends with every row done.
func TestRunSaysItsWaits(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{Limit: 10, Window: time.Second, BlockFor: time.Second})
	e.upload("klienci.csv", clientsText(20))
	e.plan()
	var started runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &started); code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, body)
	}
	var waited runView
	end := e.follow(started.ID, func(v runView) bool {
		if v.Waiting != "" && waited.Waiting == "" {
			waited = v
		}
		return ended(v)
	})
	if !strings.Contains(waited.Waiting, "blocked until") || waited.ETA <= 0 {
		t.Errorf("while blocked the stream said waiting %q, ETA %v s; want the block and its end, and an ETA", waited.Waiting, waited.ETA)
	}
	if end.State != stateDone || end.Counts["created"] != 20 || end.Waiting != "" {
		t.Errorf("ended %+v", end)
	}
}

// TestFixXLSXHTTP: the fix of an XLSX file makes an XLSX copy beside it
// (the original untouched), which the plan's checks then find valid.
func TestFixXLSXHTTP(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{})
	src := filepath.Join(t.TempDir(), "klienci.xlsx")
	writeXLSX(t, src, [][]string{{"email", "invoice_fullname", "invoice_country_code"},
		{"anna@example.com", "Anna", "PL"}, {"jan@example.com", "Jan", "Narnia"}})
	data, _ := os.ReadFile(src)
	up := e.upload("klienci.xlsx", string(data))
	var fixed fixAnswer
	if code, body := e.do("POST", "/api/fix", fixRequest{Fixes: []cellFix{{Row: 3, Column: "invoice_country_code", Value: "DE"}}}, &fixed); code != http.StatusOK {
		t.Fatalf("fix: %d %s", code, body)
	}
	if fixed.File.Name != "klienci.corrected.xlsx" || fixed.Invalid != 0 || fixed.Copy != "xlsx" {
		t.Fatalf("after the fix %+v", fixed)
	}
	dir := filepath.Join(e.srv.WorkDir(), "uploads", up.ID)
	if orig, _ := os.ReadFile(filepath.Join(dir, "klienci.xlsx")); !bytes.Equal(orig, data) {
		t.Error("the original was changed")
	}
	_, rows := readAll(t, filepath.Join(dir, "klienci.corrected.xlsx"), sheet.Options{})
	if len(rows) != 2 || rows[1].Num != 3 || rows[1].Cells[2] != "DE" || rows[0].Cells[0] != "anna@example.com" {
		t.Errorf("the copy's rows %v", rows)
	}
}

// TestRunIsItsPlan: a run imports the file under the mapping its plan was
// made with: none before a plan, and none once the mapping changed since
// (in this tab or another), until the plan is made again.
func TestRunIsItsPlan(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{})
	e.upload("klienci.csv", "email,invoice_fullname\nk1@example.com,Klient 1\nk2@example.com,Klient 2\n")
	if code, body := e.do("POST", "/api/runs", runRequest{}, nil); code != http.StatusConflict || !strings.Contains(body, "make the plan") {
		t.Fatalf("a run before its plan: %d %s", code, body)
	}
	e.plan()
	changed := e.doc
	changed.Fields = slices.DeleteFunc(slices.Clone(changed.Fields), func(f docField) bool { return f.Field == "invoice_fullname" })
	if code, body := e.do("POST", "/api/import/preview", changed, nil); code != http.StatusOK {
		t.Fatalf("preview of the changed mapping: %d %s", code, body)
	}
	if code, body := e.do("POST", "/api/runs", runRequest{}, nil); code != http.StatusConflict || !strings.Contains(body, "changed since the plan") {
		t.Fatalf("a run after the mapping changed: %d %s", code, body)
	}
	if n := len(e.sandbox.Clients()); n != 0 {
		t.Fatalf("%d clients before any run started", n)
	}
	e.doc = changed
	e.plan()
	var started runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &started); code != http.StatusAccepted {
		t.Fatalf("a run of its plan: %d %s", code, body)
	}
	if end := e.follow(started.ID, ended); end.Counts["created"] != 2 {
		t.Fatalf("the run ended %+v", end)
	}
	for _, c := range e.sandbox.Clients() {
		if c.InvoiceFullname != "" {
			t.Errorf("client %s got a name the planned mapping does not import: %q", c.Email, c.InvoiceFullname)
		}
	}
}

// TestRunStartsOnceAtOnce: starts of one plan sent at once (a
// double-click, a click in a second tab) make one run: one answer starts
// it, the others name it and say it is already running — none is a
// failed run. A start after it ended is a new run again.
func TestRunStartsOnceAtOnce(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{Latency: 50 * time.Millisecond})
	e.upload("klienci.csv", clientsText(20))
	e.plan()
	const clicks = 3
	started, joined := startAtOnce(t, e, "/api/runs", runRequest{}, clicks)
	id := started.v.ID
	if len(joined) != clicks-1 || !strings.Contains(joined[0].v.Already, "of klienci.csv, started from the same plan") {
		t.Errorf("the other starts: %+v", joined)
	}
	if end := e.follow(id, ended); end.State != stateDone || end.Counts["created"] != 20 {
		t.Fatalf("the run ended %+v", end)
	}
	var list struct{ Runs []runView }
	if code, body := e.do("GET", "/api/runs", nil, &list); code != http.StatusOK || len(list.Runs) != 1 {
		t.Fatalf("the runs after %d starts at once: %d %s, want the one", clicks, code, body)
	}
	if n := len(e.sandbox.Clients()); n != 20 {
		t.Errorf("%d clients, want 20", n)
	}
	// It ended: a start now is a new run (the importer's guards decide what it sends).
	var again startedView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &again); code != http.StatusAccepted || again.ID == id || again.Already != "" {
		t.Errorf("a start after the run ended: %d %s, want a new run", code, body)
	}
	if end := e.follow(again.ID, ended); end.State != stateDone || end.Counts["unchanged"] != 20 {
		t.Errorf("the run after the end ended %+v, want the 20 rows unchanged", end)
	}
}

// startAnswer is one answer to a start (or a resume) of an import.
type startAnswer struct {
	code int
	v    startedView
	body string
}

// startAtOnce sends n starts (POST path with body) at once, as a
// double-click or a second tab does, and returns the answer that
// started a run and the answers that named the run going instead; it
// fails the test unless exactly one started a run and the others named it.
func startAtOnce(t *testing.T, e *apiEnv, path string, body any, n int) (started startAnswer, joined []startAnswer) {
	t.Helper()
	b, _ := json.Marshal(body)
	answers := make(chan startAnswer, n)
	ready := make(chan struct{})
	for range n {
		go func() {
			<-ready
			req, _ := http.NewRequest(http.MethodPost, e.base+path, bytes.NewReader(b))
			req.Header.Set("X-Crmbulk-Request", "1")
			req.Header.Set("Content-Type", "application/json")
			var a startAnswer
			res, err := e.c.Do(req)
			if err != nil {
				a.body = err.Error()
				answers <- a
				return
			}
			defer res.Body.Close()
			data, _ := io.ReadAll(res.Body)
			a.code, a.body = res.StatusCode, string(data)
			_ = json.Unmarshal(data, &a.v)
			answers <- a
		}()
	}
	close(ready)
	var runs []startAnswer
	for range n {
		switch a := <-answers; a.code {
		case http.StatusAccepted:
			runs = append(runs, a)
		case http.StatusOK:
			joined = append(joined, a)
		default:
			t.Fatalf("POST %s: %d %s", path, a.code, a.body)
		}
	}
	if len(runs) != 1 {
		t.Fatalf("%d requests POST %s at once made %d runs (and %d answers named a run that goes), want 1 run", n, path, len(runs), len(joined))
	}
	started = runs[0]
	if started.v.Already != "" {
		t.Errorf("the answer that started the run says %q", started.v.Already)
	}
	for _, a := range joined {
		if a.v.ID != started.v.ID || a.v.Kind != kindImport || !isRunning(a.v.State) ||
			!strings.Contains(a.v.Already, "this import is already running (run "+started.v.ID+" of ") {
			t.Errorf("POST %s while run %s goes answered %s, want that run, running, in words", path, started.v.ID, a.body)
		}
	}
	return started, joined
}

// TestRunKeepsItsOwnReport: a second run of the same plan moves the first
// run's report aside (importer.KeepEarlier) and writes its own at the
// path; the first run's record follows its report, so its report view,
// its download and its undo act on its own lines, not the second run's.
func TestRunKeepsItsOwnReport(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{})
	e.upload("klienci.csv", clientsText(3))
	e.plan()
	runOf := func(want string) runView {
		t.Helper()
		var v runView
		if code, body := e.do("POST", "/api/runs", runRequest{}, &v); code != http.StatusAccepted {
			t.Fatalf("start: %d %s", code, body)
		}
		if end := e.follow(v.ID, ended); end.State != stateDone || end.Counts[want] != 3 {
			t.Fatalf("run %s ended %+v, want 3 %s", v.ID, end, want)
		}
		return v
	}
	first, second := runOf("created"), runOf("unchanged")

	var list struct{ Runs []runView }
	e.do("GET", "/api/runs", nil, &list)
	if len(list.Runs) != 2 || list.Runs[0].Report != "klienci.report.csv" || list.Runs[1].Report == "klienci.report.csv" ||
		!strings.HasPrefix(list.Runs[1].Report, "klienci.report.") {
		t.Errorf("the runs name the reports %+v, want the second's at the path and the first's kept beside it", list.Runs)
	}
	for _, c := range []struct {
		id, status string
	}{{first.ID, "created"}, {second.ID, "unchanged"}} {
		var page reportPage
		if code, body := e.do("GET", "/api/runs/"+c.id+"/report", nil, &page); code != http.StatusOK || page.Counts[c.status] != 3 || len(page.Counts) != 1 {
			t.Errorf("run %s's report view: %d %s, want its own 3 %s lines", c.id, code, body, c.status)
		}
		if code, body := e.do("GET", "/api/runs/"+c.id+"/report.csv", nil, nil); code != http.StatusOK || strings.Count(body, ","+c.status+",") != 3 {
			t.Errorf("run %s's report.csv: %d %.300s, want its own 3 %s lines", c.id, code, body, c.status)
		}
	}

	var u runView
	if code, body := e.do("POST", "/api/runs/"+first.ID+"/undo", undoRequest{Confirm: true}, &u); code != http.StatusAccepted {
		t.Fatalf("undo of the first run: %d %s", code, body)
	}
	if end := e.follow(u.ID, ended); u.File != list.Runs[1].Report || end.State != stateDone || end.Counts["deleted"] != 3 || len(e.sandbox.Clients()) != 0 {
		t.Errorf("the undo of the first run undid %s and ended %+v with %d clients left, want the first run's report and its 3 clients deleted",
			u.File, end, len(e.sandbox.Clients()))
	}
}

// TestResumeOfAnEarlierRunGoesOnFromTheNewest: run 1 stopped, resumed as
// run 2 (which moved run 1's report to NAME.prev), run 2 stopped; a
// resume asked of run 1 again goes on from run 2's report, the newest of
// the import — from run 1's it sent again every row run 2 had made (56
// duplicates of 200 rows). Run 1's report is shown where run 2 moved it;
// once the next resume in place wrote over NAME.prev, it is said gone
// because of that resume, not "outside this page".
func TestResumeOfAnEarlierRunGoesOnFromTheNewest(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{Latency: 100 * time.Millisecond})
	e.upload("klienci.csv", clientsText(200))
	e.doc.MatchBy = []string{} // nothing finds a client made before: a row sent again is a duplicate
	e.plan()
	var first runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &first); code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, body)
	}
	e.follow(first.ID, func(v runView) bool { return v.Counts["created"] >= 20 })
	e.do("POST", "/api/runs/"+first.ID+"/stop", struct{}{}, nil)
	end1 := e.follow(first.ID, ended)
	var second startedView
	if code, body := e.do("POST", "/api/runs/"+first.ID+"/resume", struct{}{}, &second); code != http.StatusAccepted || second.Of != first.ID || second.InsteadOf != "" {
		t.Fatalf("resume of run 1: %d %s", code, body)
	}
	e.follow(second.ID, func(v runView) bool { return v.Counts["created"] >= end1.Counts["created"]+40 })
	e.do("POST", "/api/runs/"+second.ID+"/stop", struct{}{}, nil)
	if end2 := e.follow(second.ID, ended); end2.State != stateStopped || end2.Counts["created"] == 200 {
		t.Fatalf("run 2 ended %+v, want it stopped before the end", end2)
	}
	for _, p := range []string{"/report", "/report.csv", "/report.xlsx"} {
		if code, body := e.do("GET", "/api/runs/"+first.ID+p, nil, nil); code != http.StatusOK {
			t.Errorf("run 1's %s, moved to NAME.prev by its resume: %d %.300s", p, code, body)
		}
	}
	var third startedView
	if code, body := e.do("POST", "/api/runs/"+first.ID+"/resume", struct{}{}, &third); code != http.StatusAccepted || third.Of != second.ID || third.InsteadOf != first.ID {
		t.Fatalf("resume of run 1 again: %d %s, want run 2 resumed instead (of %s, insteadOf %s)", code, body, second.ID, first.ID)
	}
	if end3 := e.follow(third.ID, ended); end3.State != stateDone || end3.Counts["created"] != 200 {
		t.Errorf("run 3 ended %+v, want done with the 200 rows created", end3)
	}
	seen := map[string]int{}
	for _, c := range e.sandbox.Clients() {
		seen[c.Email]++
	}
	if len(seen) != 200 || len(e.sandbox.Clients()) != 200 {
		t.Errorf("%d clients of %d addresses, want 200 of 200 (no duplicates)", len(e.sandbox.Clients()), len(seen))
	}
	// Run 3 moved run 2's report to NAME.prev, over run 1's.
	if code, body := e.do("GET", "/api/runs/"+first.ID+"/report", nil, nil); code != http.StatusNotFound ||
		!strings.Contains(body, "replaced by a later resume of this import (run "+third.ID+" ") || strings.Contains(body, "outside this page") {
		t.Errorf("run 1's report, written over by run 3's move: %d %.300s, want it said replaced by run %s", code, body, third.ID)
	}
	if code, body := e.do("POST", "/api/runs/"+first.ID+"/resume", struct{}{}, nil); code != http.StatusConflict || !strings.Contains(body, "run "+third.ID+" goes on with it") {
		t.Errorf("resume of run 1 once its import ended: %d %s", code, body)
	}
}

// TestReportReplacedAtOpenIsNotServed: the run's report is found by its
// identity, then, before it is opened, a later run's report takes its
// name (the run's own moved away): the view, the CSV and the XLSX are
// refused, not served as the run's with the other run's lines (the open
// file is checked, and what is sent is read from it). Once the run's file
// is back, all three are its own.
func TestReportReplacedAtOpenIsNotServed(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{})
	e.upload("klienci.csv", clientsText(3))
	e.plan()
	var ids []string
	for _, want := range []string{"created", "unchanged"} {
		var v runView
		if code, body := e.do("POST", "/api/runs", runRequest{}, &v); code != http.StatusAccepted {
			t.Fatalf("start: %d %s", code, body)
		}
		if end := e.follow(v.ID, ended); end.State != stateDone || end.Counts[want] != 3 {
			t.Fatalf("run %s ended %+v, want 3 %s", v.ID, end, want)
		}
		ids = append(ids, v.ID)
	}
	m := e.srv.sess.runs
	first, err := m.report(m.get(ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(filepath.Dir(first), "klienci.report.csv")
	swap := func(path string) { // the first run's report away, the second's in its place
		if path != first {
			t.Errorf("opened %s, want the first run's %s", path, first)
			return
		}
		for _, mv := range [][2]string{{first, first + ".away"}, {second, first}} {
			if err := os.Rename(mv[0], mv[1]); err != nil {
				t.Error(err)
			}
		}
	}
	unswap := func() {
		for _, mv := range [][2]string{{first, second}, {first + ".away", first}} {
			if err := os.Rename(mv[0], mv[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, p := range []string{"/report", "/report.csv", "/report.xlsx"} {
		m.mu.Lock()
		m.opening = swap
		m.mu.Unlock()
		code, body := e.do("GET", "/api/runs/"+ids[0]+p, nil, nil)
		m.mu.Lock()
		m.opening = nil
		m.mu.Unlock()
		if code != http.StatusConflict || !strings.Contains(body, "moved it just now") {
			t.Errorf("run %s's %s replaced between its lookup and its open: %d %.300s, want 409, not the other run's lines", ids[0], p, code, body)
		}
		unswap()
		code, body = e.do("GET", "/api/runs/"+ids[0]+p, nil, nil)
		if code != http.StatusOK || strings.Contains(body, "unchanged") || (p == "/report.csv" && strings.Count(body, ",created,") != 3) {
			t.Errorf("run %s's %s back in place: %d %.300s, want its own 3 created lines", ids[0], p, code, body)
		}
	}
}
