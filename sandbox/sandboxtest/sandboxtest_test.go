package sandboxtest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name, cfgToken, sendToken, want string
	}{
		{"default token", "", sandboxtest.DefaultToken, `"status":"SUCCESS"`},
		{"own token", "mine", "mine", `"status":"SUCCESS"`},
		{"default not accepted when set", "mine", sandboxtest.DefaultToken, sandbox.CodeBadToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u := sandboxtest.New(t, sandbox.Config{Token: tt.cfgToken, Clients: 2})
			if !strings.HasSuffix(u, "/connector.php") {
				t.Errorf("url %q", u)
			}
			form := url.Values{"method": {"getCrmClients"}, "parameters": {"{}"}}
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-BLToken", tt.sendToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("answer %.200s, want %s", b, tt.want)
			}
			if len(s.Clients()) != 2 {
				t.Errorf("%d clients", len(s.Clients()))
			}
		})
	}
}
