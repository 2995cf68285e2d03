package sandbox_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const token = sandboxtest.DefaultToken

// post sends one API request with a fresh connection and returns the raw
// answer.
func post(endpoint, tok, method, params string) (int, []byte, error) {
	form := url.Values{"method": {method}, "parameters": {params}}
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok != "" {
		req.Header.Set("X-BLToken", tok)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// call sends a request and decodes the JSON answer (numbers as json.Number).
func call(t testing.TB, endpoint, method string, params any) map[string]any {
	t.Helper()
	p, ok := params.(string)
	if !ok {
		b, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		p = string(b)
	}
	code, body, err := post(endpoint, token, method, p)
	if err != nil {
		t.Fatalf("%s %s: %v", method, p, err)
	}
	if code != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", method, p, code, body)
	}
	return decode(t, body)
}

func decode(t testing.TB, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %.300s", err, body)
	}
	return m
}

// mustOK fails unless the answer is SUCCESS.
func mustOK(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	if m["status"] != "SUCCESS" {
		t.Fatalf("want SUCCESS, got %v", m)
	}
	return m
}

func clientsOf(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	mustOK(t, m)
	raw, ok := m["clients"].([]any)
	if !ok {
		t.Fatalf("clients is %T, want a list", m["clients"])
	}
	out := make([]map[string]any, len(raw))
	for i, c := range raw {
		out[i] = c.(map[string]any)
	}
	return out
}

func idOf(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("id %v is %T, want a JSON number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func create(t testing.TB, endpoint string, fields any) int64 {
	t.Helper()
	return idOf(t, mustOK(t, call(t, endpoint, "addCrmClient", fields))["crm_client_id"])
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\ngot:  %.600s\nwant: %.600s", path, got, want)
	}
}

// fakeClock is a manual clock for the limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newSandbox(t testing.TB, cfg sandbox.Config) (*sandbox.Server, string) {
	t.Helper()
	return sandboxtest.New(t, cfg)
}

// newServer serves an existing sandbox on a local httptest server.
func newServer(t testing.TB, s *sandbox.Server) string {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL + "/connector.php"
}
