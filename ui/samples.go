package ui

import (
	"io/fs"
	"net/http"
	"path"
	"slices"

	"github.com/crmbulk/crmbulk/samples"
)

// sampleNames lists the samples with a mapping file (samples/NAME/mapping.yaml).
func sampleNames() []string {
	names := []string{}
	files, _ := fs.Glob(samples.Mappings, "*/mapping.yaml") // the pattern is valid
	for _, f := range files {
		names = append(names, path.Dir(f))
	}
	return names
}

func (s *Server) handleSamples(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"samples": sampleNames()})
}

// handleOpenSample opens a sample's mapping file ({"name": "polish-excel"}).
func (s *Server) handleOpenSample(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &in); err != nil {
		badRequest(w, err)
		return
	}
	if !slices.Contains(sampleNames(), in.Name) {
		writeError(w, http.StatusBadRequest, apiError{Error: "no sample " + in.Name + ": choose one of the list", Field: "sample"})
		return
	}
	data, err := fs.ReadFile(samples.Mappings, in.Name+"/mapping.yaml")
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiError{Error: err.Error(), Field: "sample"})
		return
	}
	s.openMapping(w, "samples/"+in.Name+"/mapping.yaml", data)
}
