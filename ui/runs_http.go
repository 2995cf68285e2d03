package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// runRoutes registers the run step's requests: start, follow, stop,
// resume, the report and the undo of a run; and the fixes of invalid
// cells (fix_http.go).
func (s *Server) runRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/runs", s.handleRunStart)
	mux.HandleFunc("GET /api/runs", s.handleRunList)
	mux.HandleFunc("GET /api/runs/{id}", s.withRun(s.handleRunGet))
	mux.HandleFunc("GET /api/runs/{id}/events", s.withRun(s.handleRunEvents))
	mux.HandleFunc("POST /api/runs/{id}/stop", s.withRun(s.handleRunStop))
	mux.HandleFunc("POST /api/runs/{id}/resume", s.withRun(s.handleRunResume))
	mux.HandleFunc("POST /api/runs/{id}/undo", s.withRun(s.handleRunUndo))
	mux.HandleFunc("GET /api/runs/{id}/report", s.withRun(s.handleReport))
	mux.HandleFunc("GET /api/runs/{id}/report.csv", s.withRun(s.handleReportCSV))
	mux.HandleFunc("GET /api/runs/{id}/report.xlsx", s.withRun(s.handleReportXLSX))
	mux.HandleFunc("GET /api/fix/problems", s.handleFixProblems)
	mux.HandleFunc("POST /api/fix", s.handleFix)
}

// conflict answers 409: the run is not in a state to do what was asked;
// the words say why and what to do instead.
func conflict(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusConflict, apiError{Error: fmt.Sprintf(format, args...)})
}

// runView is what the page learns of a run.
type runView struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`             // import or undo
	File   string `json:"file"`             // the file imported, or the report undone (base name)
	Report string `json:"report"`           // the report the run writes (base name)
	Of     string `json:"of,omitempty"`     // the run it resumes or undoes
	Resume bool   `json:"resume,omitempty"` // it resumes Of
	runState
}

func (rec *runRec) view() runView {
	st := rec.hub.state()
	report := rec.report // while it runs: where it writes
	if !isRunning(st.State) {
		report, _ = rec.out.find() // "": none to show
	}
	if report != "" {
		report = filepath.Base(report)
	}
	return runView{ID: rec.id, Kind: rec.kind, File: filepath.Base(rec.input), Report: report,
		Of: rec.of, Resume: rec.resume, runState: st}
}

// withRun finds the run the path names, or answers 404 in words.
func (s *Server) withRun(h func(http.ResponseWriter, *http.Request, *runRec)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		rec := s.sess.runs.get(id)
		if rec == nil {
			writeError(w, http.StatusNotFound, apiError{Error: runNotFound(id).Error()})
			return
		}
		h(w, r, rec)
	}
}

// runRequest starts an import.
type runRequest struct {
	// File is the uploaded file to import ("" = the import flow's file);
	// it must be the one the plan was made of.
	File string `json:"file,omitempty"`
}

// handleRunStart starts the real import of the file the plan was made of.
func (s *Server) handleRunStart(w http.ResponseWriter, r *http.Request) {
	var in runRequest
	if err := readJSON(w, r, &in); err != nil {
		badRequest(w, err)
		return
	}
	// In the order a person meets them: a file, a token, its plan.
	if _, err := s.importSpec(in.File); err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "file"})
		return
	}
	api, ok := s.runAPI(w)
	if !ok {
		return
	}
	spec, err := s.plannedSpec(in.File)
	if err != nil {
		writeError(w, http.StatusConflict, apiError{Error: err.Error(), Field: "file"})
		return
	}
	s.startImport(w, &runRec{kind: kindImport, input: spec.Input, report: importReport(spec.Input), spec: spec}, importJob(api, spec))
}

// startedView answers a start (or a resume) of an import.
type startedView struct {
	runView
	// Already says, in words, that an import of the same plan was running
	// when the start was asked (a double-click, a click in another tab):
	// nothing new started, and the run answered is that one.
	Already string `json:"already,omitempty"`
	// InsteadOf is the run the resume was asked of when a later run had
	// resumed that one already: the resume went on from the newest run
	// of the import (Of) instead (runManager.newest).
	InsteadOf string `json:"insteadOf,omitempty"`
}

// startImport starts the import rec and answers 202 with it; while an
// import of the same plan runs, it starts nothing and answers 200 with
// the run that goes (runManager.startImport).
func (s *Server) startImport(w http.ResponseWriter, rec *runRec, job runJob) {
	got, started := s.sess.runs.startImport(rec, job)
	if started {
		writeJSON(w, http.StatusAccepted, startedView{runView: got.view()})
		return
	}
	alreadyRunning(w, got)
}

// alreadyRunning answers 200 with the import got, which runs: nothing new
// was started.
func alreadyRunning(w http.ResponseWriter, got *runRec) {
	writeJSON(w, http.StatusOK, startedView{runView: got.view(),
		Already: fmt.Sprintf("this import is already running (run %s of %s, started from the same plan): its progress is shown; nothing new was started", got.id, filepath.Base(got.input))})
}

// planKey names the plan ps: its file and its mapping as the page sent
// it (importSpec.Plan).
func planKey(ps *planState) string { return ps.input.Path + "\x00" + string(ps.yaml) }

// plannedSpec is the import the last plan stands for: its file (which
// must be the upload id, when given) under the mapping it was made with.
// A file or mapping changed since — in this tab or another — needs the
// plan made again first: the run does what its plan said, nothing else.
func (s *Server) plannedSpec(id string) (importSpec, error) {
	s.sess.mu.Lock()
	ps, cur, curYAML := s.sess.imp.plan, s.sess.imp.input, s.sess.imp.yaml
	s.sess.mu.Unlock()
	switch {
	case ps == nil:
		return importSpec{}, errors.New("no plan yet: make the plan in the Import tab first (the run does what its plan says)")
	case id != "" && ps.input.ID != id:
		return importSpec{}, fmt.Errorf("the plan is of %s, not of this file: make the plan of this file in the Import tab first", ps.input.Name)
	case cur != ps.input || !bytes.Equal(curYAML, ps.yaml):
		return importSpec{}, errors.New("the file or the mapping changed since the plan was made: make the plan again in the Import tab, then run it")
	}
	return importSpec{Input: ps.input.Path, Mapping: ps.m, StateDir: s.cfg.StateDir, Logger: s.cfg.Logger, Plan: planKey(ps),
		Sheet: ps.m.SheetOptions(sheet.Options{Checked: &s.sess.checked})}, nil
}

// importSpec is the import of the upload id ("" = the import flow's
// file) under the import flow's mapping.
func (s *Server) importSpec(id string) (importSpec, error) {
	u, m := s.importInput(id)
	if u == nil {
		if id != "" {
			return importSpec{}, fmt.Errorf("%q is not a file of this page: choose the file again in the Import tab", id)
		}
		return importSpec{}, errors.New("no file to import yet: choose one in the Import tab and make its plan first")
	}
	spec := importSpec{Input: u.Path, Mapping: m, StateDir: s.cfg.StateDir, Logger: s.cfg.Logger}
	if m != nil {
		spec.Sheet = m.SheetOptions(sheet.Options{Checked: &s.sess.checked})
	}
	return spec, nil
}

// importInput is the upload id ("" = the import flow's file) and the
// import flow's mapping, the one its preview and plan use (nil: the
// file's headers are API field names).
func (s *Server) importInput(id string) (*Upload, *mapping.Mapping) {
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	if id == "" {
		return s.sess.imp.input, s.sess.imp.m
	}
	return s.sess.files[id], s.sess.imp.m
}

// handleRunList answers the session's runs, newest first: a page loaded
// again finds the run that goes on in the server.
func (s *Server) handleRunList(w http.ResponseWriter, _ *http.Request) {
	out := []runView{}
	for _, rec := range s.sess.runs.list() {
		out = append(out, rec.view())
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (s *Server) handleRunGet(w http.ResponseWriter, _ *http.Request, rec *runRec) {
	writeJSON(w, http.StatusOK, rec.view())
}

// runAPI is the session's API client for a run, or false when there is
// none (answered in words: no token yet).
func (s *Server) runAPI(w http.ResponseWriter) (*baselinker.API, bool) {
	api, err := s.apiClient()
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "token"})
		return nil, false
	}
	return api, true
}

// handleRunEvents streams the run's state as Server-Sent Events: an
// event "state" with the whole runView now and at every change, until
// the run ends (its last state is the end) or the page goes.
func (s *Server) handleRunEvents(w http.ResponseWriter, r *http.Request, rec *runRec) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, apiError{Error: "this server cannot stream; reload the page"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	_, ch, cancel := rec.hub.subscribe()
	defer cancel()
	send := func() bool {
		b, err := jsonLine(rec.view())
		if err != nil {
			return false
		}
		_, err = fmt.Fprintf(w, "event: state\ndata: %s\n\n", b)
		fl.Flush()
		return err == nil
	}
	if !send() {
		return
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case _, open := <-ch:
			if !send() || !open {
				return
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": still here\n\n"); err != nil {
				return
			}
			fl.Flush()
		case <-r.Context().Done():
			return
		}
	}
}

// handleRunStop stops the run as Ctrl-C does: the requests in flight
// finish, the rows not sent are "skipped" (INTERRUPTED) in its report.
func (s *Server) handleRunStop(w http.ResponseWriter, _ *http.Request, rec *runRec) {
	if !s.sess.runs.stopRun(rec) {
		conflict(w, "the %s %s is not running (it is %s): nothing to stop", rec.kind, rec.id, rec.hub.state().State)
		return
	}
	writeJSON(w, http.StatusAccepted, rec.view())
}

// endedImport answers 409 and false unless rec is an import that is no
// longer running: only such a run is resumed or undone. only says which
// runs the request is for, wait what to do while it runs.
func endedImport(w http.ResponseWriter, rec *runRec, only, wait string) bool {
	if rec.kind != kindImport {
		conflict(w, "run %s is an %s: %s", rec.id, rec.kind, only)
		return false
	}
	if st := rec.hub.state().State; isRunning(st) {
		conflict(w, "the import %s is still %s: %s", rec.id, st, wait)
		return false
	}
	return true
}

// handleRunResume runs a stopped or failed import again from its report
// (importer.Config.Resume): the rows it finished are kept, the rest done.
// A run a later run resumed already is gone on from the newest run of
// that import (runManager.newest): its own report no longer says what
// was sent, so going on from it would send again what the later run did.
func (s *Server) handleRunResume(w http.ResponseWriter, _ *http.Request, asked *runRec) {
	if !endedImport(w, asked, "only an import is resumed here (to finish an undo, undo its import again)", "wait for it to end, then resume") {
		return
	}
	rec, was := s.sess.runs.newest(asked), ""
	if rec != asked {
		if isRunning(rec.hub.state().State) {
			alreadyRunning(w, rec)
			return
		}
		was = fmt.Sprintf("the import %s was resumed already, and run %s goes on with it: ", asked.id, rec.id)
	}
	switch {
	case rec.hub.state().State == stateDone:
		conflict(w, "%sthe import %s ended: there is nothing to resume (see its report)", was, rec.id)
		return
	case !rec.hub.state().Resumable:
		conflict(w, "%sthe import %s was refused before it sent anything (see its message), so there is nothing to resume: fix what it says, then start it again", was, rec.id)
		return
	}
	report, err := s.sess.runs.report(rec)
	if err != nil {
		conflict(w, "%sthe import %s cannot be resumed: %v", was, rec.id, err)
		return
	}
	spec := rec.spec
	spec.Resume = report
	api, ok := s.runAPI(w)
	if !ok {
		return
	}
	got, started := s.sess.runs.startImport(&runRec{kind: kindImport, input: spec.Input, report: importReport(spec.Input), of: rec.id, resume: true, spec: spec},
		importJob(api, spec))
	if !started {
		alreadyRunning(w, got)
		return
	}
	v := startedView{runView: got.view()}
	if rec != asked {
		v.InsteadOf = asked.id
	}
	writeJSON(w, http.StatusAccepted, v)
}

// undoRequest confirms an undo.
type undoRequest struct {
	Confirm bool `json:"confirm"`
}

// handleRunUndo undoes what the run's report says it did (undo.Run).
func (s *Server) handleRunUndo(w http.ResponseWriter, r *http.Request, rec *runRec) {
	var in undoRequest
	if err := readJSON(w, r, &in); err != nil {
		badRequest(w, err)
		return
	}
	if !in.Confirm {
		writeError(w, http.StatusBadRequest, apiError{Error: "an undo changes the account: confirm it (the page asks before it sends)", Field: "confirm"})
		return
	}
	if !endedImport(w, rec, "only an import is undone", "stop it or wait for it to end, then undo") {
		return
	}
	report, err := s.sess.runs.report(rec)
	if err != nil {
		conflict(w, "the import %s has nothing to undo here: %v", rec.id, err)
		return
	}
	api, ok := s.runAPI(w)
	if !ok {
		return
	}
	u := s.sess.runs.start(&runRec{kind: kindUndo, input: report, report: undoReport(report), of: rec.id},
		undoJob(api, report, s.cfg.StateDir, s.cfg.Logger))
	writeJSON(w, http.StatusAccepted, u.view())
}

// reportPage is a page of a report's lines.
type reportPage struct {
	Lines   []events.Line  `json:"lines"`   // each the line's one JSON (run.Line.MarshalJSON)
	Counts  map[string]int `json:"counts"`  // every line by status
	Matched int            `json:"matched"` // lines of the status asked for
	Offset  int            `json:"offset"`
}

// maxReportPage bounds the lines one answer holds.
const maxReportPage = 500

// handleReport answers the lines of the run's report (?status= keeps one
// status; ?offset= and ?limit= page through), read as crmbulk reads it.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request, rec *runRec) {
	q := r.URL.Query()
	offset, err1 := atoiOr(q.Get("offset"), 0)
	limit, err2 := atoiOr(q.Get("limit"), 100)
	if err := errors.Join(err1, err2); err != nil || offset < 0 || limit < 1 {
		writeError(w, http.StatusBadRequest, apiError{Error: "offset and limit are whole numbers (offset from 0, limit from 1): reload the page", Field: "offset"})
		return
	}
	limit = min(limit, maxReportPage)
	status := q.Get("status")
	f, fi, report, ok := s.openReady(w, rec)
	if !ok {
		return
	}
	defer f.Close()
	page := reportPage{Lines: []events.Line{}, Counts: map[string]int{}, Offset: offset}
	err := s.sess.runs.reports.each(f, fi, func(l *events.Line) {
		page.Counts[string(l.Status)]++
		if status != "" && string(l.Status) != status {
			return
		}
		page.Matched++
		if page.Matched > offset && len(page.Lines) < limit {
			page.Lines = append(page.Lines, *l)
		}
	})
	if err != nil {
		conflict(w, "the report %s cannot be read: %v", filepath.Base(report), err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// handleReportCSV downloads the run's report as crmbulk wrote it.
func (s *Server) handleReportCSV(w http.ResponseWriter, r *http.Request, rec *runRec) {
	if f, fi, report, ok := s.openReady(w, rec); ok {
		defer f.Close()
		download(w, r, f, fi, filepath.Base(report), "text/csv; charset=utf-8")
	}
}

// handleReportXLSX downloads the run's report as the XLSX report a run
// given an .xlsx --report writes (importer.ReportXLSX), made from a copy
// of the file opened as the run's (ReportXLSX reads by path). The report
// is closed once copied, not held through the conversion and the download:
// Windows renames no open file, and a later run of the same file moves
// the report aside.
func (s *Server) handleReportXLSX(w http.ResponseWriter, r *http.Request, rec *runRec) {
	f, _, report, ok := s.openReady(w, rec)
	if !ok {
		return
	}
	dir, err := os.MkdirTemp(s.cfg.WorkDir, "xlsx-")
	if err != nil {
		_ = f.Close()
		writeError(w, http.StatusInternalServerError, apiError{Error: fmt.Sprintf("a temporary folder in %s: %v", s.cfg.WorkDir, err)})
		return
	}
	defer os.RemoveAll(dir)
	name := strings.TrimSuffix(filepath.Base(report), ".csv") + ".xlsx"
	in, out := filepath.Join(dir, filepath.Base(report)), filepath.Join(dir, name)
	err = copyTo(in, f)
	_ = f.Close() // read only: copyTo's error says what went wrong
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiError{Error: fmt.Sprintf("copying the report %s to make its XLSX: %v", filepath.Base(report), err)})
		return
	}
	if err := importer.ReportXLSX(in, out); err != nil {
		conflict(w, "the report %s cannot be written as XLSX: %v", filepath.Base(report), err)
		return
	}
	x, err := os.Open(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiError{Error: fmt.Sprintf("%s cannot be read: %v", name, err)})
		return
	}
	defer x.Close()
	xi, err := x.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiError{Error: fmt.Sprintf("%s cannot be read: %v", name, err)})
		return
	}
	download(w, r, x, xi, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
}

// copyTo writes what r holds from its start to a new file at path.
func copyTo(path string, r io.ReadSeeker) error {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return errors.Join(err, w.Close())
}

// openReady opens the run's report (runManager.openReport: the file the
// run wrote, checked on the open file), or answers 409 for a run that
// goes on or a report moved just now, and 404 for a run without one.
func (s *Server) openReady(w http.ResponseWriter, rec *runRec) (*os.File, os.FileInfo, string, bool) {
	if st := rec.hub.state().State; isRunning(st) {
		conflict(w, "the %s %s is still %s: its report is shown when it ends", rec.kind, rec.id, st)
		return nil, nil, "", false
	}
	f, fi, report, err := s.sess.runs.openReport(rec)
	if errors.Is(err, errReportMoved) {
		conflict(w, "the %s %s's report cannot be read: %v", rec.kind, rec.id, err)
		return nil, nil, "", false
	}
	if err != nil {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("the %s %s has no report to show: %v", rec.kind, rec.id, err)})
		return nil, nil, "", false
	}
	return f, fi, report, true
}

// download sends the open file f (fi: its Stat) as an attachment named name.
func download(w http.ResponseWriter, r *http.Request, f *os.File, fi os.FileInfo, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// atoiOr is s as a number, or def when s is empty.
func atoiOr(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}
