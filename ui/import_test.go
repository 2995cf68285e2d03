package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// shopHeader is the header of a Polish shop's client export: "Nazwa" holds
// the customer's name (a person), which the guess takes for the company.
var shopHeader = []string{"Nazwa", "E-mail", "Telefon", "Ulica", "Kod pocztowy", "Miejscowość", "Kraj", "NIP", "Uwagi"}

// shopRows: Anna is already a client (with a shorter name), Jan and Piotr
// are new, Ewa's country is misspelt (invalid).
var shopRows = [][]string{
	{"Anna Kwiatkowska", "anna.kwiatkowska@example.pl", "600100200", "ul. Polna 3", "00-001", "Warszawa", "Polska", "", "stała klientka"},
	{"Jan Nowak", "jan.nowak@example.pl", "601222333", "ul. Długa 5", "80-001", "Gdańsk", "Polska", "7740001454", ""},
	{"Ewa Zielińska", "ewa.zielinska@example.pl", "602333444", "ul. Krótka 7", "30-001", "Kraków", "Polaska", "", ""},
	{"Piotr Wiśniewski", "piotr.wisniewski@example.pl", "603444555", "ul. Lipowa 9", "60-001", "Poznań", "Polska", "", "faktura co miesiąc"},
}

// writeShopXLSX writes header and rows as an XLSX file (sheet "Klienci")
// in dir and returns its path.
func writeShopXLSX(t testing.TB, dir string, header []string, rows [][]string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Klienci"); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Klienci")
	if err != nil {
		t.Fatal(err)
	}
	write := func(n int, cells []string) {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	write(1, header)
	for i, r := range rows {
		write(i+2, r)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "klienci-sklep.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// existingAnna makes Anna a client of the sandbox, under a shorter name.
func existingAnna(t testing.TB, endpoint string) {
	t.Helper()
	api, err := baselinker.New(endpoint, sandboxtest.DefaultToken, baselinker.WithLimiter(pacer.New(100000)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: map[string]string{
		"email": "anna.kwiatkowska@example.pl", "invoice_fullname": "A. Kwiatkowska", "phone": "600100200",
	}}); err != nil {
		t.Fatal(err)
	}
}

// testServer is a Server on a sandbox, with a client holding its cookie.
type testServer struct {
	srv      *Server
	ts       *httptest.Server
	endpoint string
	sandbox  *sandbox.Server
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, sandboxConfig())
}

// newTestServerWith is newTestServer on a sandbox made with cfg.
func newTestServerWith(t *testing.T, cfg sandbox.Config) *testServer {
	t.Helper()
	sb, endpoint := sandboxtest.New(t, cfg)
	srv, err := New(Config{
		NewAPI: func(tok baselinker.Token) (*baselinker.API, error) {
			return baselinker.New(endpoint, tok, baselinker.WithLimiter(pacer.New(100000)))
		},
		Token: sandboxtest.DefaultToken, TokenFrom: TokenFromEnv, WorkDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testServer{srv: srv, ts: ts, endpoint: endpoint, sandbox: sb}
}

// do sends a request with the session cookie and the page's header.
func (s *testServer) do(t testing.TB, method, path, ctype string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, s.ts.URL+path, bytes.NewReader(body))
	req.RequestURI = ""
	req.Host = strings.TrimPrefix(s.ts.URL, "http://")
	req.AddCookie(&http.Cookie{Name: cookieNameFor(req.Host), Value: s.srv.secret})
	req.Header.Set(requestHeader, "1")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res, b.Bytes()
}

// postJSON sends v as JSON and decodes the answer into out (if not nil);
// it fails the test unless the status is want.
func (s *testServer) postJSON(t testing.TB, path string, v, out any, want int) {
	t.Helper()
	body, _ := json.Marshal(v)
	res, data := s.do(t, http.MethodPost, path, "application/json", body)
	if res.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d: %s", path, res.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("POST %s: %v in %s", path, err, data)
		}
	}
}

// multipartBody is a form with one file part.
func multipartBody(t testing.TB, field, name string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func mustJSON(t testing.TB, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sandboxConfig is the sandbox of the ui tests: no seeded clients.
func sandboxConfig() sandbox.Config { return sandbox.Config{} }
