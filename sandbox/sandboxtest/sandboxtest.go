// Package sandboxtest starts a sandbox behind an httptest server for tests
// of crmbulk's client, importer and exporter.
package sandboxtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

// DefaultToken is the token used when cfg.Token is empty.
const DefaultToken = "3004211-3011977-SANDBOXT0KEN8RAQ2ZJ5N7W1LMF6XC4HVD9"

// New starts a sandbox with cfg on a local httptest server and returns it
// with its endpoint URL (".../connector.php"). Both are closed by t.Cleanup;
// a failing Close (saving the state) fails the test.
func New(t testing.TB, cfg sandbox.Config) (*sandbox.Server, string) {
	t.Helper()
	return NewWrapped(t, cfg, nil)
}

// NewWrapped is New with the sandbox served through wrap (nil: as is): a
// test that notes what reaches the sandbox, and when, wraps it.
func NewWrapped(t testing.TB, cfg sandbox.Config, wrap func(http.Handler) http.Handler) (*sandbox.Server, string) {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = DefaultToken
	}
	s, err := sandbox.New(cfg)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("sandboxtest: closing the sandbox: %v", err)
		}
	})
	return s, ts.URL + "/connector.php"
}
