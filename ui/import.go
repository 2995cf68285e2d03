package ui

import (
	"errors"
	"net/http"
)

// importState is the import flow's state in the session: the file being
// imported.
type importState struct {
	input *Upload // the file chosen, nil before
}

// importRoutes registers the import flow's requests.
func (s *Server) importRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/import/upload", s.handleUpload)
}

// uploadInfo is what the page learns of an uploaded file.
type uploadInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// handleUpload takes the input file (form field "file").
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
	s.sess.mu.Lock()
	s.sess.imp.input = u
	s.sess.mu.Unlock()
	writeJSON(w, http.StatusOK, uploadInfo{ID: u.ID, Name: u.Name, Size: u.Size})
}
