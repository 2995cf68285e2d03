package ui

import (
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// maxPlanLines bounds the plan lines the page can browse and filter; the
// whole plan is always in the report file.
const maxPlanLines = 20000

// planPage is how many lines one request of the plan's lines answers.
const planPage = 200

// planState is one dry run: its summary and its first lines.
type planState struct {
	// What the plan was made of: the run it stands for imports exactly
	// this file under exactly this mapping (a dry run is what the real run
	// then does).
	input *Upload
	m     *mapping.Mapping
	yaml  []byte

	sum       planSummary
	lines     []events.Line
	truncated bool
}

// planSummary is what the page shows of a dry run.
type planSummary struct {
	Rows       int            `json:"rows"`
	Counts     map[string]int `json:"counts"`  // lines by status
	Updated    map[string]int `json:"updated"` // updated rows by the field they change
	Created    map[string]int `json:"created"` // created rows by the field they set
	Invalid    []group        `json:"invalid"` // invalid rows by reason, most first
	Requests   int64          `json:"requests"`
	Elapsed    string         `json:"elapsed"`
	Report     string         `json:"report"`     // the plan's report file
	ReportName string         `json:"reportName"` // its name, for the download
	Kept       int            `json:"kept"`       // lines the page can browse
	Truncated  bool           `json:"truncated"`  // more lines than that (the report has them all)
	Fields     []string       `json:"fields"`     // the fields the plan's lines change (the field filter)
}

type group struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
	Row    int    `json:"row"`
}

// handlePlan makes the plan: a dry run of the whole file under the
// mapping the page sends (importer.Run with DryRun: the account is read,
// nothing is written), its report in the work folder.
func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) {
	var doc mappingDoc
	if err := readJSON(w, r, &doc); err != nil {
		badRequest(w, err)
		return
	}
	if _, err := s.preview(doc); err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "mapping"})
		return
	}
	api, err := s.apiClient()
	if err != nil {
		writeError(w, http.StatusUnauthorized, apiError{Error: err.Error(), Field: "token"})
		return
	}
	input, m, yamlText, err := s.currentImport()
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	// The dry run's report is crmbulk import --dry-run's, beside the upload
	// in its own folder (a random name): no other page or crmbulk ui on
	// the same work folder writes it, and a plan made again replaces it.
	report := importer.DefaultReportPath(input.Path, true)
	ps := &planState{input: input, m: m, yaml: yamlText}
	var mu sync.Mutex
	prog := &planProgress{}
	s.sess.mu.Lock()
	s.sess.imp.planning = prog
	s.sess.mu.Unlock()
	cfg := importer.Config{Mapping: m, DryRun: true, Report: report, Logger: s.cfg.Logger, Sheet: sheet.Options{Checked: &s.sess.checked},
		Command: "crmbulk ui (plan of " + input.Name + ")",
		Events:  prog, ETA: api.Limiter().ETA, Waiting: api.Waiting,
		OnLine: func(l *events.Line) {
			mu.Lock()
			defer mu.Unlock()
			if len(ps.lines) < maxPlanLines {
				ps.lines = append(ps.lines, *l)
			} else {
				ps.truncated = true
			}
		}}
	sum, err := importer.Run(r.Context(), api, input.Path, cfg)
	s.sess.mu.Lock()
	s.sess.imp.planning = nil
	s.sess.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: ctxErr(r.Context(), err).Error(), Note: pageError(err)})
		return
	}
	mu.Lock()
	ps.sum = summaryOf(sum, ps)
	mu.Unlock()
	s.sess.mu.Lock()
	s.sess.imp.plan = ps
	s.sess.mu.Unlock()
	writeJSON(w, http.StatusOK, ps.sum)
}

func summaryOf(sum importer.Summary, ps *planState) planSummary {
	out := planSummary{Rows: sum.Rows, Counts: map[string]int{}, Updated: sum.Fields, Created: sum.Created, Invalid: []group{},
		Requests: sum.Requests, Elapsed: sum.Elapsed.Round(time.Millisecond).String(), Report: sum.Report, ReportName: filepath.Base(sum.Report),
		Kept: len(ps.lines), Truncated: ps.truncated, Fields: []string{}}
	for k, v := range sum.Counts {
		out.Counts[string(k)] = v
	}
	for _, g := range sum.Invalid {
		out.Invalid = append(out.Invalid, group{Reason: g.Reason, Count: g.Count, Row: g.Row})
	}
	seen := map[string]bool{}
	for _, l := range ps.lines {
		for _, c := range l.Changes {
			if !seen[c.Field] {
				seen[c.Field] = true
				out.Fields = append(out.Fields, c.Field)
			}
		}
	}
	sort.Strings(out.Fields)
	if out.Updated == nil {
		out.Updated = map[string]int{}
	}
	if out.Created == nil {
		out.Created = map[string]int{}
	}
	return out
}

// lastPlan is the last plan; nil (answered in words) before one is made.
func (s *Server) lastPlan(w http.ResponseWriter) *planState {
	s.sess.mu.Lock()
	ps := s.sess.imp.plan
	s.sess.mu.Unlock()
	if ps == nil {
		writeError(w, http.StatusBadRequest, apiError{Error: "no plan yet: make the plan first (the button under the preview)"})
	}
	return ps
}

// handlePlanReport answers the last plan's report file (a download).
func (s *Server) handlePlanReport(w http.ResponseWriter, r *http.Request) {
	ps := s.lastPlan(w)
	if ps == nil {
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+filepath.Base(ps.sum.Report)+`"`)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	http.ServeFile(w, r, ps.sum.Report)
}

// planProgress is the Printer of a plan being made (the run events,
// run.Printer): it keeps the last Update, which the page asks for while
// it waits.
type planProgress struct {
	mu   sync.Mutex
	last events.Update
	seen bool
}

func (p *planProgress) Update(u events.Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last, p.seen = u, true
}
func (p *planProgress) Item(events.Item)       {}
func (p *planProgress) Message(events.Message) {}
func (p *planProgress) Summary(events.Summary) {}

// progressView is a plan's progress for the page.
type progressView struct {
	Phase    string         `json:"phase"`
	Unit     string         `json:"unit"`
	Done     int64          `json:"done"`
	Total    int64          `json:"total"`
	Counts   map[string]int `json:"counts"`
	Requests int64          `json:"requests"`
	Waiting  string         `json:"waiting,omitempty"`
	Until    string         `json:"until,omitempty"` // RFC 3339
	ETA      int64          `json:"etaSeconds,omitempty"`
	Elapsed  int64          `json:"elapsedSeconds"`
}

// handlePlanProgress answers how far the plan being made is (the last run
// event); 204 when none is being made or nothing is said yet.
func (s *Server) handlePlanProgress(w http.ResponseWriter, _ *http.Request) {
	s.sess.mu.Lock()
	p := s.sess.imp.planning
	s.sess.mu.Unlock()
	if p == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	p.mu.Lock()
	u, seen := p.last, p.seen
	p.mu.Unlock()
	if !seen {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	v := progressView{Phase: u.Phase, Unit: u.Unit, Done: u.Done, Total: u.Total, Counts: u.Counts, Requests: u.Requests,
		Waiting: u.Waiting, ETA: int64(u.ETA.Seconds()), Elapsed: int64(u.Elapsed.Seconds())}
	if !u.Until.IsZero() {
		v.Until = u.Until.Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, v)
}

// handlePlanLines answers the plan's lines that pass the filters
// (?status=, ?field=, ?reason= words of the error code or message; ?offset=), a page at
// a time, with how many pass.
func (s *Server) handlePlanLines(w http.ResponseWriter, r *http.Request) {
	ps := s.lastPlan(w)
	if ps == nil {
		return
	}
	q := r.URL.Query()
	status, field, reason := q.Get("status"), q.Get("field"), strings.ToLower(q.Get("reason"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	out := struct {
		Matched int           `json:"matched"`
		Offset  int           `json:"offset"`
		Lines   []events.Line `json:"lines"` // each the line's one JSON (run.Line.MarshalJSON)
	}{Offset: max(offset, 0), Lines: []events.Line{}}
	for _, l := range ps.lines {
		if !linePasses(l, status, field, reason) {
			continue
		}
		if out.Matched >= out.Offset && len(out.Lines) < planPage {
			out.Lines = append(out.Lines, l)
		}
		out.Matched++
	}
	writeJSON(w, http.StatusOK, out)
}

func linePasses(l events.Line, status, field, reason string) bool {
	if status != "" && string(l.Status) != status {
		return false
	}
	if field != "" {
		found := strings.Contains(l.Column, field)
		for _, c := range l.Changes {
			found = found || c.Field == field
		}
		if !found {
			return false
		}
	}
	if reason != "" && !strings.Contains(strings.ToLower(l.Code+" "+l.Message), reason) {
		return false
	}
	return true
}
