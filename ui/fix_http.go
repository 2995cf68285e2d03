package ui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// maxFixRows bounds the invalid rows one answer lists.
const maxFixRows = 200

// invalidRow is an invalid row of the file with what makes it invalid.
type invalidRow struct {
	Row      int               `json:"row"`
	Problems []fixProblem      `json:"problems"`
	Cells    map[string]string `json:"cells"` // the problem columns' cells as the file holds them
}

// fixProblem is one problem of a row: run.Problem for the page.
type fixProblem struct {
	Field  string `json:"field"`
	Column string `json:"column,omitempty"` // "" for a constant of the mapping: not fixable in the file
	Code   string `json:"code"`
	Value  string `json:"value,omitempty"`
	Hint   string `json:"hint,omitempty"`
	Text   string `json:"text"`
}

// fixAnswer is the file's invalid rows, and after a fix the copy made.
type fixAnswer struct {
	File    uploadInfo   `json:"file"`
	Rows    []invalidRow `json:"rows"`
	Invalid int          `json:"invalid"`         // every invalid row of the file (Rows holds the first maxFixRows)
	Copy    string       `json:"copy,omitempty"`  // the corrected copy's kind (copyKind): the page says what it does not keep
	Fixed   int          `json:"fixed,omitempty"` // cells fixed
}

// handleFixProblems lists the invalid rows of ?file= ("" = the import
// flow's file) under the import flow's mapping.
func (s *Server) handleFixProblems(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("file")
	spec, err := s.importSpec(id)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "file"})
		return
	}
	ans, err := invalidRows(spec)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "file"})
		return
	}
	ans.File = s.fileInfo(id, spec.Input)
	if ans.Invalid > 0 { // what a corrected copy would not keep, said before the fixes are saved
		format, _ := sheet.FormatOf(spec.Input, spec.Sheet.Format)
		ans.Copy = copyKind(format)
	}
	writeJSON(w, http.StatusOK, ans)
}

// fixRequest is a person's fixes of cells of a file.
type fixRequest struct {
	File  string    `json:"file,omitempty"` // "" = the import flow's file
	Fixes []cellFix `json:"fixes"`
}

// handleFix writes the corrected copy of the file with the fixes, makes
// it the import flow's file (the plan is made again of it) and answers
// its invalid rows.
func (s *Server) handleFix(w http.ResponseWriter, r *http.Request) {
	var in fixRequest
	if err := readJSON(w, r, &in); err != nil {
		badRequest(w, err)
		return
	}
	if len(in.Fixes) == 0 {
		writeError(w, http.StatusBadRequest, apiError{Error: "no cell was changed: type the right value in a cell of an invalid row, then save the fixes", Field: "fixes"})
		return
	}
	spec, err := s.importSpec(in.File)
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "file"})
		return
	}
	if rec := s.sess.runs.running(correctedPath(spec.Input)); rec != nil {
		writeError(w, http.StatusConflict, apiError{Error: fmt.Sprintf("the import %s of %s is running, and the copy the fixes go to is the file it reads: stop it or wait for it to end, then save the fixes", rec.id, filepath.Base(rec.input)), Field: "fixes"})
		return
	}
	out, err := writeCorrected(spec.Input, spec.Sheet, in.Fixes)
	var fe *fixError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: fe.Error(), Field: fe.Column, Row: fe.Row})
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, apiError{Error: fmt.Sprintf("the corrected copy could not be written: %v", err)})
		return
	}
	u := &Upload{ID: newID(), Name: filepath.Base(out), Path: out}
	s.sess.keepUpload(u)
	s.sess.mu.Lock()
	st := &s.sess.imp
	st.input, st.rows, st.plan = u, nil, nil // the preview and the plan are made again of the copy
	s.sess.mu.Unlock()
	spec.Input = out
	ans, err := invalidRows(spec)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "file"})
		return
	}
	format, _ := sheet.FormatOf(out, spec.Sheet.Format)
	ans.File, ans.Copy, ans.Fixed = uploadInfo{ID: u.ID, Name: u.Name, Size: fileSize(out)}, copyKind(format), len(in.Fixes)
	writeJSON(w, http.StatusOK, ans)
}

// invalidRows checks every row of spec's file as the import does
// (importer.NewChecker: the dry run's verdict on each row's own cells)
// and lists the invalid ones.
func invalidRows(spec importSpec) (fixAnswer, error) {
	opts := spec.Sheet
	if spec.Mapping != nil {
		opts = spec.Mapping.SheetOptions(opts)
	}
	rd, err := sheet.Open(spec.Input, opts)
	if err != nil {
		return fixAnswer{}, err
	}
	defer rd.Close()
	c, err := importer.NewChecker(spec.Mapping, rd.Header(), spec.MatchBy)
	if err != nil {
		return fixAnswer{}, fmt.Errorf("%s: %w", filepath.Base(spec.Input), err)
	}
	ans := fixAnswer{Rows: []invalidRow{}}
	col := map[string]int{}
	for i, h := range rd.Header() {
		col[h] = i
	}
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return ans, nil
		}
		if err != nil {
			return ans, fmt.Errorf("%w — fix that in the file itself, then choose it again", err)
		}
		v := c.Check(row)
		if v.Ready || v.Line.Status != events.StatusInvalid {
			continue
		}
		ans.Invalid++
		if len(ans.Rows) >= maxFixRows {
			continue
		}
		ir := invalidRow{Row: row.Num, Cells: map[string]string{}}
		for _, p := range v.Problems {
			ir.Problems = append(ir.Problems, fixProblem{Field: p.Field, Column: p.Column, Code: p.Code, Value: p.Value, Hint: p.Hint, Text: p.Text})
			if i, ok := col[p.Column]; ok {
				ir.Cells[p.Column] = row.Cells[i]
			}
		}
		ans.Rows = append(ans.Rows, ir)
	}
}

// fileInfo is the page's view of the upload id ("" = the import flow's
// file) at path.
func (s *Server) fileInfo(id, path string) uploadInfo {
	u, _ := s.importInput(id)
	if u == nil {
		return uploadInfo{Name: filepath.Base(path), Size: fileSize(path)}
	}
	return uploadInfo{ID: u.ID, Name: u.Name, Size: fileSize(path)}
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}
