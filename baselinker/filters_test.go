package baselinker

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestFiltersSet(t *testing.T) {
	tests := []struct {
		name, value string
		want        Filters
		wantErr     string // substring
	}{
		{name: "crm_client_id", value: " 42 ", want: Filters{CrmClientID: 42}},
		{name: "status_id", value: "3", want: Filters{StatusID: 3}},
		{name: "email", value: "@x.pl", want: Filters{Email: "@x.pl"}},
		{name: "phone", value: "+48", want: Filters{Phone: "+48"}},
		{name: "login", value: "ann", want: Filters{Login: "ann"}},
		{name: "invoice_company", value: "ACME", want: Filters{InvoiceCompany: "ACME"}},
		{name: "invoice_tax_id", value: "PL1", want: Filters{InvoiceTaxID: "PL1"}},
		{name: "invoice_fullname", value: "Jan", want: Filters{InvoiceFullname: "Jan"}},
		{name: "status_id", value: "abc", wantErr: "not a positive whole number"},
		{name: "crm_client_id", value: "-1", wantErr: "not a positive whole number"},
		{name: "crm_client_id", value: "1.5", wantErr: "not a positive whole number"},
		{name: "status_id", value: "0", wantErr: "not a positive whole number"},
		{name: "email", value: "", wantErr: "the value is empty"},
		{name: "invoice_company", value: "  ", wantErr: "the value is empty"},
		{name: "nick", value: "x", wantErr: "valid filters: crm_client_id, status_id, login, phone, email, invoice_company, invoice_fullname, invoice_tax_id"},
		{name: "filter_email", value: "x", wantErr: `write "email", without the filter_ prefix`},
		{name: "star", value: "1", wantErr: "unknown filter"},
		{name: "email", value: strings.Repeat("ż", 221), wantErr: "at most 220"},
	}
	for _, tc := range tests {
		t.Run(tc.name+"="+tc.value[:min(len(tc.value), 10)], func(t *testing.T) {
			var f Filters
			err := f.Set(tc.name, tc.value)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.want {
				t.Errorf("got %+v, want %+v", f, tc.want)
			}
			p := map[string]any{}
			f.params(p)
			if len(p) != 1 {
				t.Errorf("params %v, want exactly filter_%s", p, tc.name)
			}
			if _, ok := p["filter_"+tc.name]; !ok {
				t.Errorf("params %v lack filter_%s", p, tc.name)
			}
		})
	}
	// Every documented filter is settable.
	for _, name := range FilterNames() {
		var f Filters
		if err := f.Set(name, "1"); err != nil || f.IsZero() {
			t.Errorf("Set(%s): %v (zero %v)", name, err, f.IsZero())
		}
	}
}

func FuzzFiltersSet(f *testing.F) {
	for _, s := range [][2]string{{"email", "a@b"}, {"status_id", "7"}, {"crm_client_id", "x"}, {"filter_login", ""}, {"", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		var fl Filters
		if err := fl.Set(name, value); err != nil {
			if !fl.IsZero() {
				t.Fatalf("failed Set changed the filters: %+v", fl)
			}
			return
		}
		p := map[string]any{}
		fl.params(p)
		if len(p) != 1 {
			// A filter that Set accepts is sent: a zero value would be
			// dropped and the filter silently ignored.
			t.Fatalf("one Set produced %v", p)
		}
	})
}

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const fileTok, envTok = "3001111-3002222-FILETOKEN0123456789ABCDEF", "3003333-3004444-ENVTOKEN0123456789ABCDEFG"
	good := write("good", "  "+fileTok+" \n")
	empty := write("empty", "\n \n")
	two := write("two", "a b\n")
	bom := write("bom", "\ufeff"+fileTok+"\r\n")                                                // Notepad's UTF-8
	utf16 := write("utf16", "\xff\xfe"+strings.Join(strings.Split(fileTok, ""), "\x00")+"\x00") // Notepad's "Unicode"
	short := write("short", "secret\n")
	big := write("big", strings.Repeat("A", 5000))

	env := func(v string) func(string) string {
		return func(k string) string {
			if k == TokenEnv {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		getenv  func(string) string
		file    string
		want    Token
		wantErr string
		noToken bool
	}{
		{name: "env alone", getenv: env(" " + envTok + " "), want: envTok},
		{name: "an explicit file wins over env", getenv: env(envTok), file: good, want: fileTok},
		{name: "file trimmed", getenv: env(""), file: good, want: fileTok},
		{name: "nil getenv", file: good, want: fileTok},
		{name: "UTF-8 BOM and CRLF", file: bom, want: fileTok},
		{name: "UTF-16 with BOM", file: utf16, want: fileTok},
		{name: "too short", file: short, wantErr: "much longer"},
		{name: "short env", getenv: env("secret"), wantErr: "much longer"},
		{name: "larger than a token file", file: big, wantErr: "larger than 4 KB"},
		{name: "a device", file: "/dev/zero", wantErr: "not a regular file"},
		{name: "nothing", getenv: env(""), wantErr: "set the environment variable BASELINKER_TOKEN", noToken: true},
		{name: "empty file", getenv: env(""), file: empty, wantErr: "is empty", noToken: true},
		{name: "missing file", getenv: env(""), file: filepath.Join(dir, "nope"), wantErr: "reading the token file"},
		{name: "two words", getenv: env(""), file: two, wantErr: "must be the token alone"},
		{name: "env with control char", getenv: env("ab\x01c"), wantErr: "BASELINKER_TOKEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadToken(tc.getenv, tc.file, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrNoToken) != tc.noToken {
					t.Errorf("errors.Is(ErrNoToken) = %v", !tc.noToken)
				}
				if strings.Contains(err.Error(), "b c") || strings.Contains(err.Error(), "ab\x01c") {
					t.Errorf("error quotes the value: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got.Reveal(), err, tc.want.Reveal())
			}
		})
	}
}

func TestLoadTokenWarnsOfAnOpenFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte("3001111-3002222-FILETOKEN0123456789ABCDEF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	var warned []string
	if _, err := LoadToken(nil, p, func(s string) { warned = append(warned, s) }); err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "chmod 600") {
		t.Errorf("warnings %q, want one saying chmod 600", warned)
	}
}

// TestErrorTexts pins the wording users see (golden file).
func TestErrorTexts(t *testing.T) {
	var f Filters
	errs := []error{
		f.Set("nick", "x"),
		f.Set("status_id", "abc"),
		&APIError{Method: "addCrmClient", Code: "ERROR_EMAIL", Message: "Invalid e-mail"},
		&TransportError{Method: "getCrmClients", Status: 502},
		&TransportError{Method: "getCrmClients", Written: false, Cause: errors.New("dial tcp: connection refused")},
		&TransportError{Method: "getCrmClients", Written: true, Cause: errors.New("EOF")},
		&TransportError{Method: "getCrmClients", Status: 200, Written: true, Cause: ErrBadResponse},
		&OutcomeUnknownError{Method: "addCrmClient", Cause: &TransportError{Method: "addCrmClient", Status: 500, Written: true}},
	}
	_, err := New("http://example.com/connector.php", testToken)
	errs = append(errs, err)
	_, err = LoadToken(func(string) string { return "" }, "", nil)
	errs = append(errs, err)
	var b strings.Builder
	for _, e := range errs {
		if e == nil {
			t.Fatal("expected an error")
		}
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "errors.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if b.String() != string(want) {
		t.Errorf("error texts changed:\n%s\nwant:\n%s", b.String(), want)
	}
}

// FuzzDecode feeds arbitrary answers to the decoder: no panic, a known
// error type, never the token in the error text.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"status":"SUCCESS","clients":[{"crm_client_id":"1","custom_extra_fields":[]}]}`,
		`{"status":"SUCCESS","clients":{"3":{"crm_client_id":3}}}`,
		`{"status":"ERROR","error_code":"ERROR_BLOCKED_TOKEN","error_message":"x"}`,
		`{"status":"ERROR","error_code":12,"error_message":null}`,
		`{"status":"SUCC`, `<html>`, ``, `null`, `[]`, `{"status":"SUCCESS","statuses":[{"id":"1","is_primary":"1"}]}`,
		`{"status":"ERROR","error_message":"tok-SECRET-4f9a2c"}`,
	} {
		f.Add(s, 200)
	}
	f.Add(`oops`, 500)
	a, err := New("http://127.0.0.1:1/", testToken)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		var out struct {
			Clients  json.RawMessage `json:"clients"`
			Statuses json.RawMessage `json:"statuses"`
		}
		err := a.decode("getCrmClients", status, []byte(body), &out)
		if err == nil {
			if _, lerr := decodeList[Client](out.Clients, func(c Client) int64 { return int64(c.CrmClientID) }); lerr != nil {
				return
			}
			_, _ = decodeList[Status](out.Statuses, func(s Status) int64 { return int64(s.ID) })
			_, _ = decodeClientData([]byte(body))
			return
		}
		var ae *APIError
		var te *TransportError
		if !errors.As(err, &ae) && !errors.As(err, &te) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if strings.Contains(err.Error(), testToken.Reveal()) {
			t.Fatalf("token in error: %v", err)
		}
		if !utf8.ValidString(err.Error()) && utf8.ValidString(body) {
			t.Fatalf("invalid UTF-8 in error from valid body: %q", err.Error())
		}
	})
}

func FuzzLenientBool(f *testing.F) {
	for _, s := range []string{`true`, `false`, `0`, `1`, `"0"`, `"1"`, `""`, `null`, `"yes"`, `2.5`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v lenientBool
		_ = v.UnmarshalJSON([]byte(s))
	})
}
