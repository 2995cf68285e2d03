package ui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// request sends one request to s's handler as a browser would (Host, the
// cookie when withCookie) after edit adjusts it, and returns the answer.
func (s *testServer) request(t *testing.T, method, path string, body []byte, edit func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Host = "127.0.0.1:8080"
	req.AddCookie(&http.Cookie{Name: cookieNameFor(req.Host), Value: s.srv.secret})
	req.Header.Set(requestHeader, "1")
	req.Header.Set("Content-Type", "application/json")
	if edit != nil {
		edit(req)
	}
	rec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func noCookie(r *http.Request) { r.Header.Del("Cookie") }

// TestSecurityRules checks each rule of secure(): a foreign Host (DNS
// rebinding), no session cookie, a wrong key, a cross-site or headerless
// write are refused, and refused writes change nothing; loopback names
// and the right key pass.
func TestSecurityRules(t *testing.T) {
	s := newTestServer(t)
	tokenBody := []byte(`{"token":"3000001-3000002-OTHERTOKEN7Q4W9E2R5T8YXX"}`)
	tests := []struct {
		name         string
		method, path string
		body         []byte
		edit         func(*http.Request)
		want         int
	}{
		{"own page", "GET", "/api/session", nil, nil, http.StatusOK},
		{"localhost", "GET", "/api/session", nil, func(r *http.Request) { r.Host = "localhost:8080" }, http.StatusOK},
		{"IPv6 loopback", "GET", "/api/session", nil, func(r *http.Request) { r.Host = "[::1]:8080" }, http.StatusOK},
		{"foreign Host (DNS rebinding)", "GET", "/api/session", nil, func(r *http.Request) { r.Host = "evil.example:8080" }, http.StatusMisdirectedRequest},
		{"foreign Host, page", "GET", "/", nil, func(r *http.Request) { r.Host = "attacker.test" }, http.StatusMisdirectedRequest},
		{"foreign Host, write", "POST", "/api/token", tokenBody, func(r *http.Request) { r.Host = "127.0.0.1.nip.example:8080" }, http.StatusMisdirectedRequest},
		{"no cookie, API", "GET", "/api/session", nil, noCookie, http.StatusForbidden},
		{"no cookie, page", "GET", "/", nil, noCookie, http.StatusForbidden},
		{"no cookie, static", "GET", "/static/common.js", nil, noCookie, http.StatusForbidden},
		{"wrong cookie", "GET", "/api/session", nil, func(r *http.Request) {
			noCookie(r)
			r.AddCookie(&http.Cookie{Name: cookieNameFor(r.Host), Value: strings.Repeat("0", 64)})
		}, http.StatusForbidden},
		{"another port's cookie", "GET", "/api/session", nil, func(r *http.Request) {
			noCookie(r)
			r.AddCookie(&http.Cookie{Name: cookieNameFor("127.0.0.1:9090"), Value: s.srv.secret})
		}, http.StatusForbidden},
		{"wrong key in the URL", "GET", "/?s=" + strings.Repeat("a", 64), nil, noCookie, http.StatusForbidden},
		{"cross-site POST (Sec-Fetch-Site)", "POST", "/api/token", tokenBody, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, http.StatusForbidden},
		{"cross-site POST (Origin)", "POST", "/api/token", tokenBody, func(r *http.Request) { r.Header.Set("Origin", "http://evil.example") }, http.StatusForbidden},
		{"same-site other port POST", "POST", "/api/token", tokenBody, func(r *http.Request) {
			r.Header.Set("Sec-Fetch-Site", "same-site")
			r.Header.Set("Origin", "http://127.0.0.1:9999")
		}, http.StatusForbidden},
		{"POST without the page's header", "POST", "/api/token", tokenBody, func(r *http.Request) { r.Header.Del(requestHeader) }, http.StatusForbidden},
		{"DELETE without the page's header", "DELETE", "/api/token", nil, func(r *http.Request) { r.Header.Del(requestHeader) }, http.StatusForbidden},
		{"no cookie, write", "POST", "/api/token", tokenBody, noCookie, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.request(t, tc.method, tc.path, tc.body, tc.edit)
			if rec.Code != tc.want {
				t.Fatalf("%s %s: %d, want %d: %s", tc.method, tc.path, rec.Code, tc.want, rec.Body)
			}
			if rec.Code >= 400 && !strings.Contains(rec.Body.String(), "crmbulk") && !strings.Contains(rec.Body.String(), "page") {
				t.Errorf("the refusal does not say what to do: %s", rec.Body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
	if tok, from := s.srv.sess.token(); tok != sandboxtest.DefaultToken || from != TokenFromEnv {
		t.Errorf("a refused write changed the token (now from %q)", from)
	}
}

// TestSessionKeyBecomesCookie: the printed URL's key is traded for an
// HttpOnly, SameSite=Strict cookie and a redirect that drops it from the
// address bar.
func TestSessionKeyBecomesCookie(t *testing.T) {
	s := newTestServer(t)
	u := s.srv.URL("127.0.0.1:8080")
	rec := s.request(t, "GET", strings.TrimPrefix(u, "http://127.0.0.1:8080"), nil, noCookie)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("GET %s: %d to %q", u, rec.Code, rec.Header().Get("Location"))
	}
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Name != "crmbulk_session_8080" || c[0].Value != s.srv.secret || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %+v", c)
	}
	if len(s.srv.secret) < 32 {
		t.Errorf("session key of %d characters", len(s.srv.secret))
	}
	other := newTestServer(t)
	if other.srv.secret == s.srv.secret {
		t.Error("two servers share a session key")
	}
}

// TestTokenNeverSentBack: a pasted token is taken, checked by building
// the client, and no answer holds it; a bad one is refused in words.
func TestTokenNeverSentBack(t *testing.T) {
	s := newTestServer(t)
	const tok = "3000001-3000002-PASTEDTOKEN7Q4W9E2R5T8YX"
	rec := s.request(t, "POST", "/api/token", []byte(`{"token":" `+tok+` "}`), nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), tok) || !strings.Contains(rec.Body.String(), `"tokenFrom":"page"`) {
		t.Fatalf("POST /api/token: %d %s", rec.Code, rec.Body)
	}
	if got, _ := s.srv.sess.token(); got != tok {
		t.Errorf("the session holds another token")
	}
	rec = s.request(t, "GET", "/api/session", nil, nil)
	if strings.Contains(rec.Body.String(), tok) {
		t.Errorf("GET /api/session sends the token back: %s", rec.Body)
	}
	// A token pasted as a key is not named in the answer either.
	rec = s.request(t, "POST", "/api/token", []byte(`{"`+tok+`":1}`), nil)
	if rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), tok) {
		t.Errorf("a token as a JSON key: %d %s", rec.Code, rec.Body)
	}
	rec = s.request(t, "POST", "/api/token", []byte(`{"token":"short"}`), nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "copy the whole token") {
		t.Errorf("a short token: %d %s", rec.Code, rec.Body)
	}
	entries, _ := os.ReadDir(s.srv.WorkDir())
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(s.srv.WorkDir(), e.Name())); err == nil && bytes.Contains(b, []byte(tok)) {
			t.Errorf("the token was written to %s", e.Name())
		}
	}
}

// TestUploadBounds: an upload over the bound is refused with 413 in words
// and leaves nothing behind; file names with path tricks land inside the
// session's uploads folder under a safe base name.
func TestUploadBounds(t *testing.T) {
	s := newTestServer(t)
	s.srv.cfg.MaxUpload = 1 << 10
	body, ctype := multipartBody(t, "file", "big.csv", bytes.Repeat([]byte("a,b\n"), 1<<10))
	rec := s.request(t, "POST", "/api/import/upload", body, func(r *http.Request) { r.Header.Set("Content-Type", ctype) })
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "split it into smaller files") {
		t.Fatalf("oversize upload: %d %s", rec.Code, rec.Body)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.srv.WorkDir(), "uploads")); len(entries) != 0 {
		t.Errorf("the refused upload left %d folders", len(entries))
	}
	mapBody, mapType := multipartBody(t, "mapping", "huge.yaml", bytes.Repeat([]byte("# x\n"), 100<<10))
	if rec := s.request(t, "POST", "/api/import/mapping", mapBody, func(r *http.Request) { r.Header.Set("Content-Type", mapType) }); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize mapping: %d %s", rec.Code, rec.Body)
	}
	big := bytes.Repeat([]byte(" "), maxJSONBody+10)
	if rec := s.request(t, "POST", "/api/import/preview", big, nil); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "larger than") {
		t.Errorf("oversize JSON: %d %s", rec.Code, rec.Body)
	}

	uploads, _ := filepath.Abs(filepath.Join(s.srv.WorkDir(), "uploads"))
	for _, name := range []string{"../../etc/passwd.csv", `..\..\Windows\win.csv`, "/abs/x.csv", "C:\\x\\y.csv", "..", "CON.csv"} {
		body, ctype := multipartBody(t, "file", name, []byte("email\na@example.pl\n"))
		rec := s.request(t, "POST", "/api/import/upload", body, func(r *http.Request) { r.Header.Set("Content-Type", ctype) })
		u := s.srv.sess.currentUpload()
		if u == nil {
			t.Fatalf("%q: no upload (%d %s)", name, rec.Code, rec.Body)
		}
		p, _ := filepath.Abs(u.Path)
		if filepath.Dir(filepath.Dir(p)) != uploads || strings.ContainsAny(u.Name, `/\`) || strings.HasPrefix(u.Name, ".") {
			t.Errorf("%q saved as %q (%s), outside %s", name, u.Name, p, uploads)
		}
	}
}

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"klienci.xlsx":                     "klienci.xlsx",
		"../../etc/passwd":                 "passwd",
		`..\..\boot.ini`:                   "boot.ini",
		"/":                                "upload",
		"..":                               "upload",
		".hidden.csv":                      "hidden.csv",
		"a\x00b\x1f.csv":                   "a_b_.csv",
		"con.csv":                          "_con.csv",
		"nul.x.csv":                        "_nul.x.csv", // Windows: NUL, whatever follows the first dot
		"COM1.tar.gz":                      "_COM1.tar.gz",
		"lpt¹.csv":                         "_lpt¹.csv",
		"conin$.csv":                       "_conin$.csv",
		"aux .csv":                         "_aux .csv",
		"COM10.csv":                        "COM10.csv",
		"console.csv":                      "console.csv",
		"name. ":                           "name",
		`a:b*c?"d<e>f|g.csv`:               "a_b_c__d_e_f_g.csv",
		strings.Repeat("ą", 150) + ".xlsx": strings.Repeat("ą", 95) + ".xlsx",
	}
	for in, want := range tests {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a.csv", "../x", `..\..\y`, "CON", ".", "a\x00b", strings.Repeat("x", 200) + ".csv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeName(in)
		if got == "" || got == "." || got == ".." || strings.ContainsAny(got, `/\<>:"|?*`) || strings.HasPrefix(got, ".") {
			t.Fatalf("safeName(%q) = %q", in, got)
		}
		if n := utf8.RuneCountInString(got); n > maxNameRunes+1 {
			t.Fatalf("safeName(%q) is %d characters", in, n)
		}
		for _, c := range got {
			if unicode.IsControl(c) || c == utf8.RuneError {
				t.Fatalf("safeName(%q) = %q holds %U", in, got, c)
			}
		}
		if filepath.Base(got) != got {
			t.Fatalf("safeName(%q) = %q is not a base name", in, got)
		}
	})
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.168.1.10:0", "example.com:80", "nonsense"} {
		if ln, err := Listen(addr); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) listened", addr)
		}
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}
