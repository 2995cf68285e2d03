package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/sheet"
)

// The export flow of the page: the choices (filters with the status by
// its name, columns, notes and extra fields, format) are one
// schedule.Export — the flags of `crmbulk export` — from which the page's
// export runs (exporter.Run, on the run manager, its progress streamed as
// run events), the time the limit makes the details take is said before
// it starts (exporter.DetailsETA, the CLI's own words), and the nightly
// lines for cron, systemd and the Task Scheduler are written
// (internal/schedule, the home of samples/schedule).

// kindExport is the run manager's kind of an export.
const kindExport = "export"

// exportState is the export flow's part of the server: the files its
// runs (on the session's run manager, kind export) wrote, the export
// going now, and the clients counted per filter for the estimate.
type exportState struct {
	mu      sync.Mutex
	files   map[string]exportFile // run id → the file it wrote, once committed
	current string                // the run id of the last export started
	counts  map[string]int        // filter → clients counted
}

// exportRoutes registers the export flow's requests.
func (s *Server) exportRoutes(mux *http.ServeMux) {
	if s.exp == nil {
		s.exp = &exportState{files: map[string]exportFile{}, counts: map[string]int{}}
	}
	mux.HandleFunc("GET /api/export/options", s.handleExportOptions)
	mux.HandleFunc("POST /api/export/nightly", s.handleExportNightly)
	mux.HandleFunc("POST /api/export/estimate", s.handleExportEstimate)
	mux.HandleFunc("POST /api/export", s.handleExportStart)
	// Its progress and stop are every run's: /api/runs/{id}/events, /stop.
	mux.HandleFunc("GET /api/export/{id}/file", s.handleExportFile)
}

// exportRequest is what the page sends: the export's choices and the time
// of day of the nightly run ("02:15").
type exportRequest struct {
	schedule.Export
	Time string `json:"time"`
}

// exportOptions is what the page offers to choose from.
type exportOptions struct {
	Statuses       []string        `json:"statuses"`       // the account's client statuses, by name
	Filters        []string        `json:"filters"`        // the other filters' names (--filter NAME=VALUE)
	Columns        []string        `json:"columns"`        // every column name
	DefaultColumns []string        `json:"defaultColumns"` // the columns of an export that names none
	Defaults       schedule.Export `json:"defaults"`
	Time           string          `json:"time"`
	RateLimit      int             `json:"rateLimit"` // the session's requests per window
}

func (s *Server) handleExportOptions(w http.ResponseWriter, r *http.Request) {
	api, err := s.apiClient()
	if err != nil {
		writeError(w, http.StatusUnauthorized, apiError{Error: err.Error(), Field: "token"})
		return
	}
	acc, err := s.readAccount(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, apiError{Error: err.Error(), Field: "token"})
		return
	}
	st := acc.Statuses
	o := exportOptions{Statuses: baselinker.StatusNames(st), Columns: exporter.ColumnNames(), Defaults: schedule.Default(), Time: "02:15"}
	for _, f := range baselinker.FilterNames() {
		if f != "status_id" { // chosen by its name, as status
			o.Filters = append(o.Filters, f)
		}
	}
	for _, f := range baselinker.ListedFields() {
		o.DefaultColumns = append(o.DefaultColumns, f.Name)
		if f.Name == "status_id" {
			o.DefaultColumns = append(o.DefaultColumns, exporter.StatusNameColumn)
		}
	}
	l := api.Limiter()
	o.RateLimit = l.Limit()
	if l.Window().Minutes() == 1 {
		o.Defaults.Rate = min(l.Limit(), o.Defaults.Rate)
	}
	writeJSON(w, http.StatusOK, o)
}

// exportPlan is a checked request: the choices made consistent, and the
// exporter's Config and output options that carry them out.
type exportPlan struct {
	req    exportRequest
	cfg    exporter.Config
	format string
	csv    sheet.CSVWriterOptions
}

// planExport checks the page's choices against the account (statuses by
// name), the exporter (columns) and the schedule rules; an error is the
// apiError the page shows, with the field it concerns.
func (s *Server) planExport(ctx context.Context, api *baselinker.API, req exportRequest) (exportPlan, *apiError) {
	e := &req.Export
	// Notes and extra fields are columns too: the checkboxes and the
	// column list say the same, as --columns and --notes must.
	if len(e.Columns) > 0 {
		if e.Notes && !slices.Contains(e.Columns, "notes") {
			e.Columns = append(e.Columns, "notes")
		}
		if e.ExtraFields && !slices.ContainsFunc(e.Columns, isExtraColumn) {
			e.Columns = append(e.Columns, exporter.ExtraAll)
		}
		e.Notes = slices.Contains(e.Columns, "notes")
		e.ExtraFields = slices.ContainsFunc(e.Columns, isExtraColumn)
	}
	if err := e.Check(); err != nil {
		return exportPlan{}, &apiError{Error: err.Error(), Field: "export"}
	}
	p := exportPlan{req: req, format: "xlsx", cfg: exporter.Config{Columns: e.Columns, Notes: e.Notes, ExtraFields: e.ExtraFields,
		StatusNames: true, Capabilities: exporter.CapabilitiesOf(api)}}
	if e.Format != schedule.XLSX {
		p.format = "csv"
	}
	if e.Format == schedule.Excel {
		p.csv = sheet.CSVWriterOptions{Delimiter: ';', BOM: true, ExcelText: true} // --excel --delimiter=;
	}
	for _, kv := range e.Filters {
		name, value, _ := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !baselinker.StatusByName(name, value) {
			if err := p.cfg.Filters.Set(name, value); err != nil {
				return exportPlan{}, &apiError{Error: fmt.Sprintf("filter %s: %v", kv, err), Field: "filter"}
			}
			continue
		}
		acc, err := s.readAccount(ctx)
		if err != nil {
			return exportPlan{}, &apiError{Error: err.Error(), Field: "status"}
		}
		st := acc.Statuses
		found, ok := baselinker.FindStatus(st, value)
		if !ok {
			return exportPlan{}, &apiError{Error: baselinker.NoSuchStatus(value, st) + " — choose one of them, or every client.", Field: "status"}
		}
		p.cfg.Filters.StatusID, p.cfg.StatusList = int64(found.ID), st
	}
	if _, err := exporter.New(api, p.cfg); err != nil {
		return exportPlan{}, &apiError{Error: err.Error(), Field: "columns"}
	}
	return p, nil
}

func isExtraColumn(c string) bool { return strings.HasPrefix(c, baselinker.ExtraColumnPrefix) }

// readExport reads and checks a request of the export flow; it answers
// the error itself and returns ok false.
func (s *Server) readExport(w http.ResponseWriter, r *http.Request) (*baselinker.API, exportPlan, bool) {
	var req exportRequest
	if err := readJSON(w, r, &req); err != nil {
		badRequest(w, err)
		return nil, exportPlan{}, false
	}
	api, err := s.apiClient()
	if err != nil {
		writeError(w, http.StatusUnauthorized, apiError{Error: err.Error(), Field: "token"})
		return nil, exportPlan{}, false
	}
	p, bad := s.planExport(r.Context(), api, req)
	if bad != nil {
		status := http.StatusBadRequest
		if errors.Is(r.Context().Err(), context.Canceled) {
			status = http.StatusServiceUnavailable
		}
		writeError(w, status, *bad)
		return nil, exportPlan{}, false
	}
	return api, p, true
}

// nightly is the scheduler files for the page's choices.
type nightly struct {
	Files   schedule.Files `json:"files"`
	Choices exportRequest  `json:"choices"` // the choices as checked (notes and extra fields as columns)
}

func (s *Server) handleExportNightly(w http.ResponseWriter, r *http.Request) {
	_, p, ok := s.readExport(w, r)
	if !ok {
		return
	}
	when, err := parseClock(p.req.Time)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "time"})
		return
	}
	f, err := schedule.Write(p.req.Export, when, schedule.DefaultProgram)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "export"})
		return
	}
	writeJSON(w, http.StatusOK, nightly{Files: f, Choices: p.req})
}

// parseClock reads a time of day, HH:MM.
func parseClock(s string) (schedule.When, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return schedule.When{}, fmt.Errorf("time %q: give the time of day as HH:MM, e.g. 02:15", s)
	}
	return schedule.When{Hour: hh, Minute: mm}, nil
}

// estimate is the time the details take at the limit, said before the
// export starts.
type estimate struct {
	Details bool    `json:"details"` // per-client requests are asked for (notes, extra fields)
	AtMost  bool    `json:"atMost"`  // only extra fields: none of those requests if the list carries them
	Clients int     `json:"clients"` // the clients the filters select
	Seconds float64 `json:"seconds"` // how long the limit makes them take (exporter.DetailsETA)
	Text    string  `json:"text"`    // the export's own words for it
}

func (s *Server) handleExportEstimate(w http.ResponseWriter, r *http.Request) {
	api, p, ok := s.readExport(w, r)
	if !ok {
		return
	}
	if !p.cfg.Notes && !p.cfg.ExtraFields {
		writeJSON(w, http.StatusOK, estimate{})
		return
	}
	key := fmt.Sprintf("%+v", p.cfg.Filters)
	s.exp.mu.Lock()
	n, known := s.exp.counts[key]
	s.exp.mu.Unlock()
	if !known {
		counter, err := exporter.New(api, exporter.Config{Filters: p.cfg.Filters, NoRecheck: true, Capabilities: p.cfg.Capabilities})
		if err == nil {
			n, err = counter.Count(r.Context())
		}
		if err != nil {
			writeError(w, http.StatusBadGateway, apiError{Error: "counting the clients the filters select: " + err.Error()})
			return
		}
		s.exp.mu.Lock()
		s.exp.counts[key] = n
		s.exp.mu.Unlock()
	}
	l := api.Limiter()
	writeJSON(w, http.StatusOK, estimate{Details: true, AtMost: !p.cfg.Notes, Clients: n,
		Seconds: exporter.DetailsETA(l, n).Seconds(), Text: exporter.DetailsText(l, n)})
}

// exportStarted is the answer to a started export.
type exportStarted struct {
	ID string `json:"id"`
}

func (s *Server) handleExportStart(w http.ResponseWriter, r *http.Request) {
	api, p, ok := s.readExport(w, r)
	if !ok {
		return
	}
	s.exp.mu.Lock()
	defer s.exp.mu.Unlock()
	if rec := s.sess.runs.get(s.exp.current); rec != nil && isRunning(rec.hub.state().State) {
		writeError(w, http.StatusConflict, apiError{Error: "an export is still running: wait for it to end, or stop it, before starting another"})
		return
	}
	dir := filepath.Join(s.cfg.WorkDir, "exports")
	job := &exportJob{api: api, plan: p, dir: dir, now: s.cfg.Now(), log: s.cfg.Logger, ready: make(chan struct{})}
	rec := s.sess.runs.start(&runRec{kind: kindExport, input: filepath.Join(dir, p.req.FileName())}, job.run)
	s.exp.current = rec.id
	job.done = func(path string) {
		fi, err := statFile(path) // the file just committed: a later export of the name replaces it
		s.exp.mu.Lock()
		defer s.exp.mu.Unlock()
		if err == nil {
			s.exp.files[rec.id] = exportFile{path: path, file: fi}
		}
	}
	job.note = rec.hub.note
	close(job.ready)
	writeJSON(w, http.StatusAccepted, exportStarted{ID: rec.id})
}

func isRunning(state string) bool { return state == stateRunning || state == stateStopping }

// exportRun is the export run the request's {id} names, or nil (answered).
func (s *Server) exportRun(w http.ResponseWriter, r *http.Request) *runRec {
	rec := s.sess.runs.get(r.PathValue("id"))
	if rec == nil || rec.kind != kindExport {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no export %q in this page: start the export again", r.PathValue("id"))})
		return nil
	}
	return rec
}

// exportFile is the file an export wrote: where, and which (its identity,
// size and time when it was committed).
type exportFile struct {
	path string
	file os.FileInfo
}

// handleExportFile sends the finished export's file as a download: the
// file it wrote, checked on the file opened (a later export of the same
// name replaces the file at the path), and sent from it.
func (s *Server) handleExportFile(w http.ResponseWriter, r *http.Request) {
	rec := s.exportRun(w, r)
	if rec == nil {
		return
	}
	s.exp.mu.Lock()
	out, ok := s.exp.files[rec.id]
	s.exp.mu.Unlock()
	if !ok {
		writeError(w, http.StatusConflict, apiError{Error: "the export has not finished (or it failed: its messages say why): download it once it is done"})
		return
	}
	name := filepath.Base(out.path)
	f, fi, err := openVersion(out.path, out.file)
	if errors.Is(err, os.ErrNotExist) {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("%s, the file this export wrote, is gone from %s (deleted, or moved away): export again", name, filepath.Dir(out.path))})
		return
	}
	if err != nil {
		conflict(w, "%s is no longer the file this export wrote (a later export of the same name wrote over it, or it was moved): download it from the latest export, or export again", name)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q; filename*=UTF-8''%s", asciiName(name), urlEscape(name)))
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}
