package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

// FuzzHandler: whatever method and parameters arrive, the answer is one
// JSON object with status SUCCESS or ERROR, HTTP 200, never a panic.
func FuzzHandler(f *testing.F) {
	seeds := []struct{ method, params string }{
		{"getCrmClients", `{"page":2}`},
		{"getCrmClients", `{"filter_email":"ż","filter_status_id":"2"}`},
		{"getCrmClients", `{"page":9223372036854775807}`},
		{"getCrmClients", `{"page":-9223372036854775808}`},
		{"getCrmClients", `{"page":1e400}`},
		{"addCrmClient", `{"crm_client_id":1,"star":"5","custom_extra_fields":{"1":{"title":"a","file":"b"}}}`},
		{"addCrmClient", `{"invoice_postcode":"\u0000\ud800"}`},
		{"addCrmClient", `{"custom_extra_fields":{"1":null,"2":[],"x":1}}`},
		{"addCrmClient", `{"crm_client_id":-1}`},
		{"getCrmClientData", `{"crm_client_id":1,"include_custom_extra_fields":true}`},
		{"getCrmClientStatuses", ``},
		{"", "\xff\xfe"},
		{"getCrmClients", `{"page":1}garbage`},
		{"addCrmClient", `{"login":"` + strings.Repeat("ł", 157) + `"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.params)
	}
	s, err := sandbox.New(sandbox.Config{Token: "fuzz-token", Clients: 20, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, params string) {
		form := url.Values{"method": {method}, "parameters": {params}}
		req := httptest.NewRequest(http.MethodPost, "/connector.php", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-BLToken", "fuzz-token")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("HTTP %d", rec.Code)
		}
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		var m map[string]any
		if err := dec.Decode(&m); err != nil || dec.More() {
			t.Fatalf("not one JSON object: %v %.200q", err, rec.Body.String())
		}
		switch m["status"] {
		case "SUCCESS":
		case "ERROR":
			if code, _ := m["error_code"].(string); code == "" {
				t.Fatalf("ERROR without a code: %v", m)
			}
		default:
			t.Fatalf("status %v", m["status"])
		}
	})
}
