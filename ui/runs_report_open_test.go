package ui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

// finishedRun runs an import of 3 new clients to its end and returns the
// run's id and the path of its report.
func finishedRun(t *testing.T, e *apiEnv) (string, string) {
	t.Helper()
	e.upload("klienci.csv", clientsText(3))
	e.plan()
	var v runView
	if code, body := e.do("POST", "/api/runs", runRequest{}, &v); code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, body)
	}
	if end := e.follow(v.ID, ended); end.State != stateDone || end.Counts["created"] != 3 {
		t.Fatalf("run %s ended %+v, want 3 created", v.ID, end)
	}
	report, err := e.srv.sess.runs.report(e.srv.sess.runs.get(v.ID))
	if err != nil {
		t.Fatal(err)
	}
	return v.ID, report
}

// TestReportGoneAtOpen: the run's report is found, then, before it is
// opened, it leaves its folder (deleted, as far as the page can tell): the
// view, the CSV and the XLSX answer 404 in the page's words for a report
// gone, not 409 "moved just now: reload" (a reload finds nothing either).
// Moved within its folder instead, it is found again: 409, reload.
func TestReportGoneAtOpen(t *testing.T) {
	e := newAPIEnv(t, sandbox.Config{})
	id, report := finishedRun(t, e)
	outside := filepath.Join(t.TempDir(), "elsewhere.csv")
	tests := []struct {
		name, to string
		code     int
		want     string
	}{
		{"deleted", outside, http.StatusNotFound, "has no report to show: the report is gone: its report klienci.report.csv is no longer in "},
		{"moved beside it", report + ".away", http.StatusConflict, "moved it just now: reload the page"},
	}
	m := e.srv.sess.runs
	for _, tt := range tests {
		for _, p := range []string{"/report", "/report.csv", "/report.xlsx"} {
			m.mu.Lock()
			m.opening = func(string) {
				if err := os.Rename(report, tt.to); err != nil {
					t.Error(err)
				}
			}
			m.mu.Unlock()
			code, body := e.do("GET", "/api/runs/"+id+p, nil, nil)
			m.mu.Lock()
			m.opening = nil
			m.mu.Unlock()
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s between its lookup and its open, %s: %d %.300s, want %d %q", tt.name, p, code, body, tt.code, tt.want)
			}
			if err := os.Rename(tt.to, report); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestReportXLSXClosesTheReport: the XLSX download holds the run's report
// open only to copy it, not while the XLSX is sent (on Windows a later
// run of the same file could not move the report aside meanwhile).
func TestReportXLSXClosesTheReport(t *testing.T) {
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Skip("this system does not list a process's open files")
	}
	e := newAPIEnv(t, sandbox.Config{})
	id, report := finishedRun(t, e)
	w := &handleCounter{ResponseRecorder: httptest.NewRecorder(), t: t, path: report, least: -1}
	e.srv.handleReportXLSX(w, httptest.NewRequest("GET", "/api/runs/"+id+"/report.xlsx", nil), e.srv.sess.runs.get(id))
	if w.Code != http.StatusOK || w.Body.Len() == 0 || w.most != 0 || w.least != 0 {
		t.Errorf("report.xlsx: %d, %d bytes, sent with %d to %d handle(s) open on the report, want 200 and none", w.Code, w.Body.Len(), w.least, w.most)
	}
}

// handleCounter records, at each write of the answer, how many handles of
// this process are open on path.
type handleCounter struct {
	*httptest.ResponseRecorder
	t           *testing.T
	path        string
	least, most int
}

func (h *handleCounter) Write(p []byte) (int, error) {
	want, err := os.Stat(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, fd := range fds {
		if fi, err := os.Stat(filepath.Join("/proc/self/fd", fd.Name())); err == nil && os.SameFile(fi, want) {
			n++
		}
	}
	if h.least < 0 || n < h.least {
		h.least = n
	}
	h.most = max(h.most, n)
	return h.ResponseRecorder.Write(p)
}
