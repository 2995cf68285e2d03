package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/mapping/guess"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// importState is the import flow's state in the session: the file, the
// rows the preview checks, the mapping as the page last sent it, and the
// last plan.
type importState struct {
	input *Upload    // the file chosen, nil before
	doc   mappingDoc // the mapping as the page edits it
	m     *mapping.Mapping
	yaml  []byte // doc as the mapping file

	// The first rows, read as the mapping's source: says (rowsOpts): the
	// preview checks them without opening the file again.
	header   []string
	rows     []sheet.Row
	rowsOpts sheet.Options

	plan     *planState    // the last dry run, nil before
	planning *planProgress // the dry run being made, nil when none
}

// previewRows is how many rows the preview checks and shows.
const previewRows = 20

// sampleValues is how many of a column's first values the table shows.
const sampleValues = 3

// importRoutes registers the import flow's requests.
func (s *Server) importRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/import/fields", s.handleFields)
	mux.HandleFunc("POST /api/import/upload", s.handleUpload)
	mux.HandleFunc("POST /api/import/preview", s.handlePreview)
	mux.HandleFunc("POST /api/import/mapping", s.handleOpenMapping)
	mux.HandleFunc("GET /api/import/samples", s.handleSamples)
	mux.HandleFunc("POST /api/import/sample", s.handleOpenSample)
	mux.HandleFunc("POST /api/import/yaml", s.handleSaveYAML)
	mux.HandleFunc("POST /api/import/plan", s.handlePlan)
	mux.HandleFunc("GET /api/import/plan/lines", s.handlePlanLines)
	mux.HandleFunc("GET /api/import/plan/report", s.handlePlanReport)
	mux.HandleFunc("GET /api/import/plan/progress", s.handlePlanProgress)
}

// fieldInfo is one CRM field the mapping's drop-downs offer.
type fieldInfo struct {
	Name   string `json:"name"`
	MaxLen int    `json:"maxLen,omitempty"`
}

// handleFields answers what the drop-downs offer: every CRM field a
// mapping can fill, the transforms and the match keys.
func (s *Server) handleFields(w http.ResponseWriter, _ *http.Request) {
	var fields []fieldInfo
	for _, f := range baselinker.Fields() {
		if f.Mappable() {
			fields = append(fields, fieldInfo{Name: f.Name, MaxLen: f.MaxLen})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"fields": fields, "transforms": mapping.TransformNames(), "matchKeys": baselinker.MatchKeyFields(),
	})
}

// fileView is what the page shows of a file and its guessed mapping.
type fileView struct {
	File    uploadInfo        `json:"file"`
	Header  []string          `json:"header"`
	Samples [][]string        `json:"samples"` // per column, its first values
	Notes   map[string]string `json:"notes"`   // per unused column, why the guess left it
	Doc     mappingDoc        `json:"doc"`
	Preview *previewView      `json:"preview,omitempty"`
}

// uploadInfo is what the page learns of an uploaded file.
type uploadInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// handleUpload takes the input file (form field "file"), guesses its
// mapping as `crmbulk mapping init` does, and answers the mapping table
// with the preview of its first rows.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	u, err := s.receiveFile(w, r, "file", s.cfg.MaxUpload)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		writeError(w, status, apiError{Error: err.Error(), Field: "file"})
		return
	}
	view, err := guessFile(u, &s.sess.checked)
	if err != nil {
		_ = os.RemoveAll(filepath.Dir(u.Path))
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "file"})
		return
	}
	st := &s.sess.imp
	s.sess.mu.Lock()
	st.input, st.doc, st.plan, st.rows = u, view.Doc, nil, nil
	s.sess.mu.Unlock()
	if p, err := s.preview(view.Doc); err == nil {
		view.Preview = p
	}
	writeJSON(w, http.StatusOK, view)
}

// guessFile reads the header and first rows of u and proposes a mapping
// (mapping/guess: the proposal `crmbulk mapping init` writes).
func guessFile(u *Upload, checked *sheet.Checked) (fileView, error) {
	view := fileView{File: uploadInfo{ID: u.ID, Name: u.Name, Size: u.Size}, Notes: map[string]string{}}
	in, err := guess.ReadFile(u.Path, sheet.Options{Checked: checked})
	if err != nil {
		return view, fmt.Errorf("%s: %w", u.Name, err)
	}
	in.Source.File = u.Name
	res := guess.Header(in.Header, in.Rows)
	doc, err := docFromYAML(res.Proposal(in.Source).YAML())
	if err != nil {
		return view, fmt.Errorf("%s: the proposed mapping: %w", u.Name, err)
	}
	view.Doc, view.Header = doc, in.Header
	for i, h := range in.Header {
		var vals []string
		for _, row := range in.Rows {
			if i < len(row) && strings.TrimSpace(row[i]) != "" && len(vals) < sampleValues {
				vals = append(vals, row[i])
			}
		}
		view.Samples = append(view.Samples, vals)
		if g := res.Columns[i]; g.Note != "" && g.Field == "" && g.Template == "" && g.FallbackFor == "" {
			view.Notes[h] = g.Note
		}
	}
	return view, nil
}

// previewView is the preview of the first rows under a mapping.
type previewView struct {
	Fields []string     `json:"fields"` // the doc's fields, in order
	Header []string     `json:"header"` // the file's header as the mapping reads it
	Rows   []previewRow `json:"rows"`
}

// previewRow is one row's verdict, as the dry run gives it.
type previewRow struct {
	Row      int                      `json:"row"`
	Status   string                   `json:"status"`   // ready, invalid or skipped
	Cells    map[string]string        `json:"cells"`    // by field: the value sent (ready) or the cell read
	Problems map[string][]cellProblem `json:"problems"` // by field ("" for the row): what is wrong and the fix
	Message  string                   `json:"message,omitempty"`
	Warnings string                   `json:"warnings,omitempty"`
}

// cellProblem is one problem of a row: the fix to show in the cell, and
// the whole sentence the report says.
type cellProblem struct {
	Fix  string `json:"fix"`
	Text string `json:"text"`
}

// handlePreview checks the first rows under the mapping the page sends.
func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request) {
	var doc mappingDoc
	if err := readJSON(w, r, &doc); err != nil {
		badRequest(w, err)
		return
	}
	p, err := s.preview(doc)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "mapping"})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// errNoFile is the words for a request that needs the data file first.
var errNoFile = errors.New("no file yet: choose the CSV, XLSX or EPP file to import first")

// preview parses doc as the mapping file and gives the first rows their
// verdicts with importer's Checker: what the dry run decides for them
// from their own cells.
func (s *Server) preview(doc mappingDoc) (*previewView, error) {
	m, data, err := parseDoc(doc)
	if err != nil {
		return nil, err
	}
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	st := &s.sess.imp
	if st.input == nil {
		return nil, errNoFile
	}
	st.doc, st.m, st.yaml = doc, m, data
	opts := m.SheetOptions(sheet.Options{Checked: &s.sess.checked})
	if st.rows == nil || opts != st.rowsOpts {
		if st.header, st.rows, err = firstRows(st.input, opts); err != nil {
			return nil, err
		}
		st.rowsOpts = opts
	}
	c, err := importer.NewChecker(m, st.header, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", st.input.Name, err)
	}
	view := &previewView{Header: st.header, Rows: []previewRow{}}
	view.Fields = fieldsInFileOrder(doc, st.header)
	for _, row := range st.rows {
		view.Rows = append(view.Rows, previewOf(c.Check(row), row, doc, st.header))
	}
	return view, nil
}

// fieldsInFileOrder lists doc's fields in the order of the columns they
// read in the file (the preview's columns follow the mapping table's
// rows), then the fields of templates and constants.
func fieldsInFileOrder(doc mappingDoc, header []string) []string {
	type at struct {
		field string
		pos   int
	}
	var list []at
	for _, f := range doc.Fields {
		pos := len(header)
		if len(f.Columns) > 0 {
			if i := slices.Index(header, f.Columns[0]); i >= 0 {
				pos = i
			}
		}
		list = append(list, at{f.Field, pos})
	}
	slices.SortStableFunc(list, func(a, b at) int { return a.pos - b.pos })
	out := []string{}
	for _, a := range list {
		out = append(out, a.field)
	}
	return out
}

// firstRows reads the header and the first previewRows rows of u as opts says.
func firstRows(u *Upload, opts sheet.Options) ([]string, []sheet.Row, error) {
	rd, err := sheet.Open(u.Path, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", u.Name, err)
	}
	defer rd.Close()
	rows := []sheet.Row{}
	for len(rows) < previewRows {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", u.Name, err)
		}
		row.Cells = slices.Clone(row.Cells)
		rows = append(rows, row)
	}
	return rd.Header(), rows, nil
}

// apiName is a doc field's name in the importer's lines: extra_ID for a
// custom extra field.
func apiName(field string) string {
	if id, ok := strings.CutPrefix(field, extraPrefix); ok {
		return "extra_" + id
	}
	return field
}

// previewOf is one row's verdict for the page: the values the row sends,
// or for a row that is not sent its cells, with each problem on the
// field it concerns.
func previewOf(v importer.Verdict, row sheet.Row, doc mappingDoc, header []string) previewRow {
	p := previewRow{Row: v.Line.Row, Status: string(v.Line.Status), Cells: map[string]string{}, Problems: map[string][]cellProblem{},
		Message: v.Line.Message, Warnings: v.Line.Warnings}
	if v.Ready {
		p.Status = "ready"
		for _, c := range v.Values {
			for _, f := range doc.Fields {
				if apiName(f.Field) == c.Field {
					p.Cells[f.Field] = c.After
				}
			}
		}
	} else {
		for _, f := range doc.Fields {
			if len(f.Columns) > 0 {
				if i := slices.Index(header, f.Columns[0]); i >= 0 && i < len(row.Cells) {
					p.Cells[f.Field] = row.Cells[i]
				}
			}
		}
	}
	for _, pr := range v.Problems {
		key := problemField(pr, doc)
		fix := pr.Hint
		if fix == "" {
			fix = pr.Text
		}
		p.Problems[key] = append(p.Problems[key], cellProblem{Fix: fix, Text: pr.Text})
	}
	return p
}

// problemField is the doc field a problem belongs to ("" for the row).
func problemField(pr events.Problem, doc mappingDoc) string {
	for _, f := range doc.Fields {
		if apiName(f.Field) == pr.Field || f.Field == pr.Field || strings.Contains(pr.Field, "["+strings.TrimPrefix(f.Field, extraPrefix)+"]") {
			return f.Field
		}
	}
	for _, f := range doc.Fields {
		if pr.Column != "" && slices.Contains(f.Columns, pr.Column) {
			return f.Field
		}
	}
	return ""
}

// currentImport is the file and the mapping the page shows now (the last
// preview's): what a run imports. hrun's run step starts from it.
func (s *Server) currentImport() (input *Upload, m *mapping.Mapping, yamlText []byte, err error) {
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	st := &s.sess.imp
	if st.input == nil {
		return nil, nil, nil, errNoFile
	}
	if st.m == nil {
		return nil, nil, nil, errors.New("no mapping yet: check the mapping table first")
	}
	return st.input, st.m, st.yaml, nil
}

// handleOpenMapping opens a mapping file the page uploads (form field
// "mapping"), checked as the command line checks it.
func (s *Server) handleOpenMapping(w http.ResponseWriter, r *http.Request) {
	u, err := s.receiveFile(w, r, "mapping", mapping.MaxFileBytes)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		writeError(w, status, apiError{Error: err.Error(), Field: "mapping"})
		return
	}
	data, err := os.ReadFile(u.Path)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiError{Error: err.Error(), Field: "mapping"})
		return
	}
	s.openMapping(w, u.Name, data)
}

// openMapping answers the mapping file data (named name) as the page's
// model, with the preview of the file under it.
func (s *Server) openMapping(w http.ResponseWriter, name string, data []byte) {
	if _, err := mapping.Parse(name, data); err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "mapping"})
		return
	}
	doc, err := docFromYAML(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("%s: %v", name, err), Field: "mapping"})
		return
	}
	out := map[string]any{"doc": doc}
	if p, err := s.preview(doc); err == nil {
		out["preview"] = p
	} else if !errors.Is(err, errNoFile) {
		out["previewError"] = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

// handleSaveYAML answers the page's mapping as the mapping file the
// command line reads (a download).
func (s *Server) handleSaveYAML(w http.ResponseWriter, r *http.Request) {
	var doc mappingDoc
	if err := readJSON(w, r, &doc); err != nil {
		badRequest(w, err)
		return
	}
	name := "the file"
	if u := s.sess.currentUpload(); u != nil {
		name = u.Name
	}
	data, err := docYAML(doc, "Made with crmbulk ui for "+name+".\nTry it: crmbulk import FILE --mapping THIS_FILE --dry-run")
	if err == nil {
		_, err = mapping.Parse("mapping.yaml", data)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "mapping"})
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mapping.yaml"`)
	_, _ = w.Write(data)
}

// ctxErr words a request the page gave up.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("stopped: the page left or reloaded (%w)", ctx.Err())
	}
	return err
}
