package ui

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/sandbox"
)

// remap makes header feed field in doc, as the page's drop-down does.
func remap(doc *mappingDoc, header, field string) {
	for i := range doc.Fields {
		doc.Fields[i].Columns = slices.DeleteFunc(doc.Fields[i].Columns, func(c string) bool { return c == header })
	}
	doc.Fields = slices.DeleteFunc(doc.Fields, func(f docField) bool { return len(f.Columns) == 0 && f.Template == "" && !f.HasValue })
	for i := range doc.Fields {
		if doc.Fields[i].Field == field {
			doc.Fields[i].Columns = []string{header}
			return
		}
	}
	doc.Fields = append(doc.Fields, docField{Field: field, Columns: []string{header}})
}

func docFieldOf(doc mappingDoc, header string) string {
	for _, f := range doc.Fields {
		if slices.Contains(f.Columns, header) {
			return f.Field
		}
	}
	return ""
}

// TestImportFlowHandlers drives the import flow's requests on a Polish
// shop's XLSX: the guess takes "Nazwa" (people's names) for the company;
// remapped to invoice_fullname, the preview sends the name as the full
// name and shows the misspelt country on its cell; the plan (a dry run) counts
// what the import would do, its lines filter by status and field, the
// mapping saves as YAML the command line loads, and nothing is written.
func TestImportFlowHandlers(t *testing.T) {
	s := newTestServer(t)
	existingAnna(t, s.endpoint)
	view := uploadShop(t, s, "klienci-sklep.xlsx")
	if got := docFieldOf(view.Doc, "Nazwa"); got != "invoice_company" {
		t.Fatalf("the guess maps Nazwa to %q; this test wants the guess's wrong invoice_company", got)
	}
	if got := docFieldOf(view.Doc, "E-mail"); got != "email" || len(view.Doc.MatchBy) == 0 || view.Doc.MatchBy[0] != "email" {
		t.Fatalf("E-mail → %q, match_by %v", got, view.Doc.MatchBy)
	}
	if view.Samples[0][0] != "Anna Kwiatkowska" {
		t.Errorf("first values of Nazwa: %v", view.Samples[0])
	}

	doc := view.Doc
	remap(&doc, "Nazwa", "invoice_fullname")
	var p previewView
	s.postJSON(t, "/api/import/preview", doc, &p, http.StatusOK)
	if len(p.Rows) != 4 || p.Rows[0].Cells["invoice_fullname"] != "Anna Kwiatkowska" || p.Rows[0].Cells["invoice_company"] != "" {
		t.Fatalf("preview after the remap: %+v", p.Rows)
	}
	if p.Rows[2].Status != "invalid" || len(p.Rows[2].Problems["invoice_country_code"]) == 0 {
		t.Errorf("Ewa's row: %+v, want invalid with the problem on invoice_country_code", p.Rows[2])
	}
	if p.Rows[0].Cells["invoice_country_code"] != "PL" {
		t.Errorf("Polska is sent as %q, want PL", p.Rows[0].Cells["invoice_country_code"])
	}

	var sum planSummary
	s.postJSON(t, "/api/import/plan", doc, &sum, http.StatusOK)
	want := map[string]int{"created": 2, "updated": 1, "invalid": 1}
	for k, v := range want {
		if sum.Counts[k] != v {
			t.Errorf("plan counts %v, want %v", sum.Counts, want)
			break
		}
	}
	if sum.Created["invoice_fullname"] != 2 || sum.Updated["invoice_fullname"] != 1 || sum.Created["invoice_company"] != 0 {
		t.Errorf("plan by field: created %v, updated %v", sum.Created, sum.Updated)
	}
	var lines struct {
		Matched int               `json:"matched"`
		Lines   []json.RawMessage `json:"lines"`
	}
	for q, n := range map[string]int{"status=invalid": 1, "field=invoice_fullname": 3, "reason=country": 1, "status=updated&field=invoice_fullname": 1} {
		res, data := s.do(t, http.MethodGet, "/api/import/plan/lines?"+q, "", nil)
		mustJSON(t, data, &lines)
		if res.StatusCode != http.StatusOK || lines.Matched != n {
			t.Errorf("plan lines ?%s: %d lines (%d), want %d", q, lines.Matched, res.StatusCode, n)
		}
	}
	if _, data := s.do(t, http.MethodGet, "/api/import/plan/lines?status=updated", "", nil); !strings.Contains(string(data), `"before":"A. Kwiatkowska","after":"Anna Kwiatkowska"`) {
		t.Errorf("the update's before → after: %s", data)
	}

	if res, data := s.do(t, http.MethodGet, "/api/import/plan/report", "", nil); res.StatusCode != http.StatusOK || !strings.Contains(string(data), "A. Kwiatkowska") {
		t.Errorf("the plan's report download: %d %.300s", res.StatusCode, data)
	}

	body := mustMarshal(t, doc)
	res, data := s.do(t, http.MethodPost, "/api/import/yaml", "application/json", body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(data), `invoice_fullname: "Nazwa"`) {
		t.Fatalf("save: %d %s", res.StatusCode, data)
	}
	if m, err := mapping.Parse("saved.yaml", data); err != nil || !slices.Contains(m.Fields(), "invoice_fullname") || !slices.Equal(m.MatchBy, doc.MatchBy) {
		t.Errorf("the saved mapping does not load as the command line loads it: %v\n%s", err, data)
	}
	if n := len(s.sandbox.Clients()); n != 1 {
		t.Errorf("the sandbox holds %d clients after the plan, want 1 (a dry run writes nothing)", n)
	}
}

// TestOpenMappings: a sample's mapping and a mapping file open into the
// page's model (a template kept); a broken file is refused with its line;
// an unknown sample is refused; a mapping that does not fit the file
// opens with the preview's error in words.
func TestOpenMappings(t *testing.T) {
	s := newTestServer(t)
	var out struct {
		Doc          mappingDoc   `json:"doc"`
		Preview      *previewView `json:"preview"`
		PreviewError string       `json:"previewError"`
	}
	s.postJSON(t, "/api/import/sample", map[string]string{"name": "polish-excel"}, &out, http.StatusOK)
	var tmpl string
	for _, f := range out.Doc.Fields {
		if f.Field == "invoice_fullname" {
			tmpl = f.Template
		}
	}
	if tmpl != "{Imię} {Nazwisko}" || out.Doc.Source.Sheet != "Klienci" || out.Preview != nil {
		t.Errorf("the polish-excel sample: template %q, source %+v, preview %v", tmpl, out.Doc.Source, out.Preview)
	}
	s.postJSON(t, "/api/import/sample", map[string]string{"name": "../../etc"}, nil, http.StatusBadRequest)

	body, ctype := multipartBody(t, "mapping", "broken.yaml", []byte("columns:\n  email: E-mail\n  emial: Mail\n"))
	res, data := s.do(t, http.MethodPost, "/api/import/mapping", ctype, body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), "broken.yaml:3") || !strings.Contains(string(data), `did you mean \"email\"`) {
		t.Errorf("a broken mapping: %d %s", res.StatusCode, data)
	}

	xlsx, _ := os.ReadFile(writeShopXLSX(t, t.TempDir(), shopHeader, shopRows))
	body, ctype = multipartBody(t, "file", "klienci.xlsx", xlsx)
	if res, data := s.do(t, http.MethodPost, "/api/import/upload", ctype, body); res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", res.StatusCode, data)
	}
	s.postJSON(t, "/api/import/sample", map[string]string{"name": "polish-excel"}, &out, http.StatusOK)
	if !strings.Contains(out.PreviewError, "Imię") {
		t.Errorf("a sample that does not fit the file: preview error %q", out.PreviewError)
	}
}

// TestPreviewTransformsAndMaps: the table's transforms, value map and
// default reach the preview as the import applies them.
func TestPreviewTransformsAndMaps(t *testing.T) {
	s := newTestServer(t)
	view := uploadShop(t, s, "klienci.xlsx")
	doc := view.Doc
	for i, f := range doc.Fields {
		switch f.Field {
		case "invoice_city":
			doc.Fields[i].Transform = []string{"upper"}
		case "invoice_country_code":
			doc.Fields[i].Map = [][2]string{{"Polaska", "PL"}}
		case "invoice_tax_id":
			doc.Fields[i].Default = "5260250274"
		}
	}
	var p previewView
	s.postJSON(t, "/api/import/preview", doc, &p, http.StatusOK)
	if got := p.Rows[0].Cells["invoice_city"]; got != "WARSZAWA" {
		t.Errorf("transform upper: %q", got)
	}
	if r := p.Rows[2]; r.Status != "ready" || r.Cells["invoice_country_code"] != "PL" {
		t.Errorf("map Polaska → PL: row 4 %+v", r)
	}
	if got := p.Rows[0].Cells["invoice_tax_id"]; got != "5260250274" {
		t.Errorf("default of a blank NIP: %q", got)
	}
	doc.Fields[0].Transform = []string{"uppercase"}
	res, data := s.do(t, http.MethodPost, "/api/import/preview", "application/json", mustMarshal(t, doc))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), `unknown transform \"uppercase\"`) {
		t.Errorf("an unknown transform: %d %s", res.StatusCode, data)
	}
}

// TestUploadRefusedInWords: a file crmbulk cannot read is refused with
// what to do, and is not kept.
func TestUploadRefusedInWords(t *testing.T) {
	s := newTestServer(t)
	for name, want := range map[string]string{
		"klienci.xls": "save it as .xlsx or CSV",
		"klienci.pdf": "name the file .csv or .xlsx",
	} {
		body, ctype := multipartBody(t, "file", name, []byte("\xd0\xcf\x11\xe0 not a sheet"))
		res, data := s.do(t, http.MethodPost, "/api/import/upload", ctype, body)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), want) || !strings.Contains(string(data), name) {
			t.Errorf("%s: %d %s, want the words %q", name, res.StatusCode, data, want)
		}
	}
	if entries, _ := os.ReadDir(s.srv.WorkDir() + "/uploads"); len(entries) != 0 {
		t.Errorf("refused files kept: %d", len(entries))
	}
	if s.srv.sess.currentUpload() != nil {
		t.Error("a refused file became the import's file")
	}
}

// TestPlanProgress: while a plan is made (a slow API), the page can ask
// how far it is: the run events' phase, in words; after it, nothing.
func TestPlanProgress(t *testing.T) {
	s := newTestServerWith(t, sandbox.Config{Latency: 400 * time.Millisecond})
	view := uploadShop(t, s, "klienci.xlsx")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, data := s.do(t, http.MethodPost, "/api/import/plan", "application/json", mustMarshal(t, view.Doc)); res.StatusCode != http.StatusOK {
			t.Errorf("plan: %d %s", res.StatusCode, data)
		}
	}()
	var said progressView
	deadline := time.Now().Add(10 * time.Second)
	for said.Phase == "" && time.Now().Before(deadline) {
		res, data := s.do(t, http.MethodGet, "/api/import/plan/progress", "", nil)
		if res.StatusCode == http.StatusOK {
			mustJSON(t, data, &said)
		}
		time.Sleep(50 * time.Millisecond)
	}
	<-done
	if said.Phase == "" {
		t.Fatal("the plan being made never said its phase")
	}
	t.Logf("progress said: %+v", said)
	if res, _ := s.do(t, http.MethodGet, "/api/import/plan/progress", "", nil); res.StatusCode != http.StatusNoContent {
		t.Errorf("after the plan: %d, want 204", res.StatusCode)
	}
}

// uploadShop uploads the shop's XLSX (shopHeader, shopRows) as name and
// returns the page's view of it.
func uploadShop(t *testing.T, s *testServer, name string) fileView {
	t.Helper()
	xlsx, err := os.ReadFile(writeShopXLSX(t, t.TempDir(), shopHeader, shopRows))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", name, xlsx)
	res, data := s.do(t, http.MethodPost, "/api/import/upload", ctype, body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", res.StatusCode, data)
	}
	var view fileView
	mustJSON(t, data, &view)
	return view
}
