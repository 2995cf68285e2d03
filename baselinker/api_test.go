package baselinker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

const testToken = Token("3007777-3008888-tokSECRET4f9a2cQW8ZP1")

// seen is one request as the fake server received it.
type seen struct {
	Method string
	Params map[string]any
	Header http.Header
}

// fakeAPI is an httptest server answering like the vendor's pages say.
type fakeAPI struct {
	srv *httptest.Server
	mu  sync.Mutex
	req []seen
	// answer returns the answer to the n-th request (from 1).
	answer func(w http.ResponseWriter, r *http.Request, n int, s seen)
}

func newFakeAPI(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int, s seen)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		s := seen{Method: r.PostForm.Get("method"), Header: r.Header.Clone()}
		if err := json.Unmarshal([]byte(r.PostForm.Get("parameters")), &s.Params); err != nil {
			t.Errorf("parameters %q are not a JSON object: %v", r.PostForm.Get("parameters"), err)
		}
		f.mu.Lock()
		f.req = append(f.req, s)
		n := len(f.req)
		f.mu.Unlock()
		f.answer(w, r, n, s)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.req...)
}

// testAPI returns an API on url with fast retries and pauses, logging at
// debug level into the returned buffer.
func testAPI(t *testing.T, url string, opts ...Option) (*API, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	base := []Option{
		WithLimiter(pacer.New(1000, pacer.WithBlockBackoff(30*time.Millisecond, 100*time.Millisecond))),
		WithRetry(pacer.Backoff{Attempts: 4, Base: time.Millisecond, Max: 4 * time.Millisecond}),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithTimeout(5 * time.Second),
	}
	a, err := New(url, testToken, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func reply(body string) func(http.ResponseWriter, *http.Request, int, seen) {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ seen) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// sequence answers the n-th request with steps[n-1] (the last one repeats).
func sequence(steps ...func(http.ResponseWriter, *http.Request, int, seen)) func(http.ResponseWriter, *http.Request, int, seen) {
	return func(w http.ResponseWriter, r *http.Request, n int, s seen) {
		steps[min(n, len(steps))-1](w, r, n, s)
	}
}

func status(code int, body string) func(http.ResponseWriter, *http.Request, int, seen) {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ seen) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// cut reads the request, then closes the connection without an answer.
func cut(w http.ResponseWriter, _ *http.Request, _ int, _ seen) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

func TestRequestShape(t *testing.T) {
	ok := `{"status":"SUCCESS","clients":[],"crm_client_id":7,"statuses":[]}`
	tests := []struct {
		name       string
		call       func(ctx context.Context, a *API) error
		wantMethod string
		wantParams map[string]any
	}{
		{
			name: "getCrmClients with filters",
			call: func(ctx context.Context, a *API) error {
				var f Filters
				for _, kv := range [][2]string{{"email", "@example.com"}, {"status_id", "3"}, {"invoice_tax_id", "PL 123"}} {
					if err := f.Set(kv[0], kv[1]); err != nil {
						return err
					}
				}
				_, err := a.GetCrmClients(ctx, 2, f)
				return err
			},
			wantMethod: "getCrmClients",
			wantParams: map[string]any{"page": 2.0, "filter_email": "@example.com", "filter_status_id": 3.0, "filter_invoice_tax_id": "PL 123"},
		},
		{
			name:       "getCrmClients without filters sends only page",
			call:       func(ctx context.Context, a *API) error { _, err := a.GetCrmClients(ctx, 1, Filters{}); return err },
			wantMethod: "getCrmClients",
			wantParams: map[string]any{"page": 1.0},
		},
		{
			name: "addCrmClient update",
			call: func(ctx context.Context, a *API) error {
				_, err := a.AddCrmClient(ctx, ClientFields{ID: 7, Values: map[string]string{"email": "a@b.pl", "star": "3"}, Extra: map[string]string{"12": "x"}})
				return err
			},
			wantMethod: "addCrmClient",
			wantParams: map[string]any{"crm_client_id": 7.0, "email": "a@b.pl", "star": 3.0, "custom_extra_fields": map[string]any{"12": "x"}},
		},
		{
			name: "addCrmClient create has no id",
			call: func(ctx context.Context, a *API) error {
				_, err := a.AddCrmClient(ctx, ClientFields{Values: map[string]string{"login": "ann"}})
				return err
			},
			wantMethod: "addCrmClient",
			wantParams: map[string]any{"login": "ann"},
		},
		{
			name:       "getCrmClientData with extra fields",
			call:       func(ctx context.Context, a *API) error { _, err := a.GetCrmClientData(ctx, 5, true); return err },
			wantMethod: "getCrmClientData",
			wantParams: map[string]any{"crm_client_id": 5.0, "include_custom_extra_fields": true},
		},
		{
			name:       "getCrmClientData without",
			call:       func(ctx context.Context, a *API) error { _, err := a.GetCrmClientData(ctx, 5, false); return err },
			wantMethod: "getCrmClientData",
			wantParams: map[string]any{"crm_client_id": 5.0},
		},
		{
			name:       "getCrmClientStatuses",
			call:       func(ctx context.Context, a *API) error { _, err := a.GetCrmClientStatuses(ctx); return err },
			wantMethod: "getCrmClientStatuses",
			wantParams: map[string]any{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, reply(ok))
			a, _ := testAPI(t, f.srv.URL, WithVersion("1.2.3"))
			if err := tc.call(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.wantMethod {
				t.Errorf("method = %q, want %q", r.Method, tc.wantMethod)
			}
			if !reflect.DeepEqual(r.Params, tc.wantParams) {
				t.Errorf("parameters = %v\nwant %v", r.Params, tc.wantParams)
			}
			for k, want := range map[string]string{
				"X-Bltoken":    testToken.Reveal(),
				"Accept":       "application/json",
				"Content-Type": "application/x-www-form-urlencoded",
				"User-Agent":   "crmbulk/1.2.3 (+Go)",
			} {
				if got := r.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if got := a.Stats(); got.Requests != 1 {
				t.Errorf("Stats = %+v", got)
			}
		})
	}
}

func TestDecoding(t *testing.T) {
	ctx := context.Background()
	t.Run("getCrmClients numbers as strings", func(t *testing.T) {
		f := newFakeAPI(t, reply(`{"status":"SUCCESS","clients":[
			{"crm_client_id":"12","status_id":"3","star":"5","login":"ann","email":"a@b.pl","contractor_id":"","invoice_country_code":"PL"},
			{"crm_client_id":13,"status_id":0,"star":0,"phone":"+48 1","custom_extra_fields":[]}]}`))
		a, _ := testAPI(t, f.srv.URL)
		got, err := a.GetCrmClients(ctx, 1, Filters{})
		if err != nil {
			t.Fatal(err)
		}
		want := []Client{
			{CrmClientID: 12, StatusID: 3, Star: 5, Login: "ann", Email: "a@b.pl", InvoiceCountryCode: "PL"},
			{CrmClientID: 13, Phone: "+48 1", CustomExtraFields: ExtraFields{}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("getCrmClients empty and keyed", func(t *testing.T) {
		for body, wantIDs := range map[string][]Int{
			`{"status":"SUCCESS","clients":[]}`:                                                  nil,
			`{"status":"SUCCESS","clients":{}}`:                                                  {},
			`{"status":"SUCCESS","clients":{"9":{"crm_client_id":9},"2":{"crm_client_id":"2"}}}`: {2, 9},
		} {
			f := newFakeAPI(t, reply(body))
			a, _ := testAPI(t, f.srv.URL)
			got, err := a.GetCrmClients(ctx, 1, Filters{})
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			var ids []Int
			for _, c := range got {
				ids = append(ids, c.CrmClientID)
			}
			if len(ids) != len(wantIDs) || (len(ids) > 0 && !reflect.DeepEqual(ids, wantIDs)) {
				t.Errorf("%s: ids %v, want %v", body, ids, wantIDs)
			}
		}
	})
	t.Run("getCrmClients without its list proves nothing", func(t *testing.T) {
		for _, body := range []string{`{"status":"SUCCESS"}`, `{"status":"SUCCESS","clients":null}`, `{"status":"SUCCESS","clients":""}`} {
			f := newFakeAPI(t, reply(body))
			a, _ := testAPI(t, f.srv.URL)
			if got, err := a.GetCrmClients(ctx, 1, Filters{}); !errors.Is(err, ErrBadResponse) {
				t.Errorf("%s: %v, %v; want ErrBadResponse, not an empty page", body, got, err)
			}
		}
	})
	t.Run("getCrmClientData top level and nested", func(t *testing.T) {
		for _, body := range []string{
			`{"status":"SUCCESS","crm_client_id":"5","email":"x@y.pl","notes":"vip","custom_extra_fields":{"7":"blue","8":{"title":"a.pdf"}}}`,
			`{"status":"SUCCESS","client":{"crm_client_id":5,"email":"x@y.pl","notes":"vip","custom_extra_fields":{"7":"blue","8":{"title":"a.pdf"}}}}`,
		} {
			f := newFakeAPI(t, reply(body))
			a, _ := testAPI(t, f.srv.URL)
			c, err := a.GetCrmClientData(ctx, 5, true)
			if err != nil {
				t.Fatal(err)
			}
			want := Client{CrmClientID: 5, Email: "x@y.pl", Notes: "vip", CustomExtraFields: ExtraFields{"7": "blue", "8": `{"title":"a.pdf"}`}}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", body, c, want)
			}
		}
	})
	t.Run("getCrmClientData empty extra fields list", func(t *testing.T) {
		f := newFakeAPI(t, reply(`{"status":"SUCCESS","crm_client_id":5,"custom_extra_fields":[]}`))
		a, _ := testAPI(t, f.srv.URL)
		c, err := a.GetCrmClientData(ctx, 5, true)
		if err != nil {
			t.Fatal(err)
		}
		if c.CustomExtraFields == nil || len(c.CustomExtraFields) != 0 {
			t.Errorf("extra fields = %#v, want empty map", c.CustomExtraFields)
		}
	})
	t.Run("getCrmClientStatuses lenient is_primary", func(t *testing.T) {
		f := newFakeAPI(t, reply(`{"status":"SUCCESS","statuses":[
			{"id":"1","name":"New","color":"#fff","group_id":"2","is_primary":"1"},
			{"id":2,"name":"Old","color":"","group_id":2,"is_primary":0},
			{"id":3,"name":"VIP","color":"red","group_id":null,"is_primary":true},
			{"id":4,"name":"X","is_primary":"0"},
			{"id":5,"name":"Y","is_primary":1}]}`))
		a, _ := testAPI(t, f.srv.URL)
		got, err := a.GetCrmClientStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Status{
			{ID: 1, Name: "New", Color: "#fff", GroupID: 2, IsPrimary: true},
			{ID: 2, Name: "Old", GroupID: 2},
			{ID: 3, Name: "VIP", Color: "red", IsPrimary: true},
			{ID: 4, Name: "X"},
			{ID: 5, Name: "Y", IsPrimary: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("addCrmClient id as string", func(t *testing.T) {
		f := newFakeAPI(t, reply(`{"status":"SUCCESS","crm_client_id":"991"}`))
		a, _ := testAPI(t, f.srv.URL)
		id, err := a.AddCrmClient(ctx, ClientFields{Values: map[string]string{"email": "a@b.pl"}})
		if err != nil || id != 991 {
			t.Errorf("id %d err %v, want 991", id, err)
		}
	})
}

func TestNewEndpoint(t *testing.T) {
	tests := []struct {
		endpoint string
		token    Token
		ok       bool
	}{
		{"", testToken, true},
		{DefaultEndpoint, testToken, true},
		{"http://127.0.0.1:8080/connector.php", testToken, true},
		{"http://127.5.6.7/x", testToken, true},
		{"http://localhost:9/", testToken, true},
		{"http://[::1]:9/", testToken, true},
		{"http://example.com/connector.php", testToken, false},
		{"http://10.0.0.1/connector.php", testToken, false},
		{"ftp://127.0.0.1/", testToken, false},
		{"https:///nohost", testToken, false},
		{"://bad", testToken, false},
		{DefaultEndpoint, "", false},
		{DefaultEndpoint, "two words", false},
	}
	for _, tc := range tests {
		t.Run(tc.endpoint, func(t *testing.T) {
			a, err := New(tc.endpoint, tc.token)
			if (err == nil) != tc.ok {
				t.Fatalf("New(%q) err = %v, want ok %v", tc.endpoint, err, tc.ok)
			}
			if err != nil && tc.token != "" && strings.Contains(err.Error(), tc.token.Reveal()) {
				t.Errorf("error shows the token: %v", err)
			}
			if err == nil && tc.endpoint == "" && a.endpoint != DefaultEndpoint {
				t.Errorf("endpoint = %q", a.endpoint)
			}
		})
	}
	if _, err := New("http://example.com/", testToken); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("http refusal does not say to use https: %v", err)
	}
}

func TestDefaultHTTPClient(t *testing.T) {
	c := DefaultHTTPClient()
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", c.Transport)
	}
	if tr.TLSHandshakeTimeout <= 0 || tr.DialContext == nil || tr.MaxIdleConnsPerHost < 16 {
		t.Errorf("client dial/TLS timeouts or reuse not set: %+v", tr)
	}
	// WithTimeout is the one bound of a request (through its context): a
	// client or header timeout here would cut a longer WithTimeout short.
	if c.Timeout != 0 || tr.ResponseHeaderTimeout != 0 {
		t.Errorf("client Timeout %v, ResponseHeaderTimeout %v: want none", c.Timeout, tr.ResponseHeaderTimeout)
	}
}

func TestClassify(t *testing.T) {
	apiErr := func(code string) error { return &APIError{Method: "m", Code: code, Message: "x"} }
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ClassRow},
		{"blocked", apiErr("ERROR_BLOCKED_TOKEN"), ClassBlocked},
		{"empty token", apiErr("ERROR_EMPTY_TOKEN"), ClassFatal},
		{"bad token", apiErr("ERROR_BAD_TOKEN"), ClassFatal},
		{"other token code", apiErr("ERROR_TOKEN_EXPIRED"), ClassFatal},
		{"row error", apiErr("ERROR_CLIENT_NOT_FOUND"), ClassRow},
		{"row error wrapped", fmt.Errorf("row 5: %w", apiErr("ERROR_BAD_EMAIL")), ClassRow},
		{"HTTP 401", &TransportError{Status: 401, Written: true}, ClassFatal},
		{"HTTP 403", &TransportError{Status: 403, Written: true}, ClassFatal},
		{"HTTP 404", &TransportError{Status: 404, Written: true}, ClassFatal},
		{"HTTP 302", &TransportError{Status: 302, Written: true}, ClassFatal},
		{"HTTP 429", &TransportError{Status: 429, Written: true}, ClassRetryable},
		{"HTTP 500", &TransportError{Status: 500, Written: true}, ClassRetryable},
		{"HTTP 503", &TransportError{Status: 503, Written: true}, ClassRetryable},
		{"broken JSON", &TransportError{Status: 200, Written: true, Cause: ErrBadResponse}, ClassRetryable},
		{"dial error", &TransportError{Cause: &net.OpError{Op: "dial", Err: errors.New("refused")}}, ClassRetryable},
		{"timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), ClassRetryable},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), ClassFatal},
		{"cancelled transport", &TransportError{Written: true, Cause: context.Canceled}, ClassFatal},
		{"outcome unknown", &OutcomeUnknownError{Method: "addCrmClient", Cause: &TransportError{Status: 500}}, ClassRow},
		{"unknown error", errors.New("something"), ClassRow},
		{"account blocked", apiErr("ERROR_USER_ACCOUNT_BLOCKED"), ClassAccountBlocked},
		{"a limit message with another code", &APIError{Code: "ERROR_X", Message: "Query limit exceeded, token blocked until 2022-05-03 17:15:34"}, ClassAccountBlocked},
		{"blocked until, any code", &APIError{Code: "ERROR_Y", Message: "Konto blocked until 2022-05-03 17:15:34"}, ClassAccountBlocked},
		{"malformed parameters", apiErr("ERROR_PARSE_JSON_PARAMETERS"), ClassBug},
		{"unknown method", apiErr("ERROR_UNKNOWN_METHOD"), ClassBug},
		{"refused parameter", apiErr("ERROR_UNKNOWN_PARAMETER"), ClassRow},
		{"a read that kept failing", &ReadError{Method: "getCrmClientData", Err: apiErr("ERROR_SOMETHING_NEW")}, ClassFatal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	okClients := reply(`{"status":"SUCCESS","clients":[{"crm_client_id":1}]}`)
	okAdd := reply(`{"status":"SUCCESS","crm_client_id":77}`)
	getClients := func(ctx context.Context, a *API) error { _, err := a.GetCrmClients(ctx, 1, Filters{}); return err }
	create := func(ctx context.Context, a *API) error {
		_, err := a.AddCrmClient(ctx, ClientFields{Values: map[string]string{"email": "new@x.pl"}})
		return err
	}
	update := func(ctx context.Context, a *API) error {
		id, err := a.AddCrmClient(ctx, ClientFields{ID: 77, Values: map[string]string{"email": "new@x.pl"}})
		if err == nil && id != 77 {
			return fmt.Errorf("id %d", id)
		}
		return err
	}
	tests := []struct {
		name      string
		call      func(context.Context, *API) error
		answer    func(http.ResponseWriter, *http.Request, int, seen)
		wantReqs  int
		wantErr   func(error) bool
		wantClass Class
	}{
		{name: "read retried on 500", call: getClients, answer: sequence(status(500, "oops"), okClients), wantReqs: 2},
		{name: "read retried on broken JSON", call: getClients, answer: sequence(reply(`{"status":"SUCC`), okClients), wantReqs: 2},
		{name: "read retried on HTML page", call: getClients, answer: sequence(reply(`<html>busy</html>`), okClients), wantReqs: 2},
		{name: "read retried on cut connection", call: getClients, answer: sequence(cut, cut, okClients), wantReqs: 3},
		{name: "read gives up after attempts", call: getClients, answer: status(502, ""), wantReqs: 4,
			wantErr: func(err error) bool { var te *TransportError; return errors.As(err, &te) && te.Status == 502 }, wantClass: ClassRetryable},
		{name: "create not retried after 500", call: create, answer: sequence(status(500, ""), okAdd), wantReqs: 1,
			wantErr: func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }},
		{name: "create not retried after broken JSON", call: create, answer: sequence(reply(`{"status":"SUCCESS","crm_cl`), okAdd), wantReqs: 1,
			wantErr: func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) && errors.Is(err, ErrBadResponse) }},
		{name: "create not retried after cut connection", call: create, answer: sequence(cut, okAdd), wantReqs: 1,
			wantErr: func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }},
		{name: "create: SUCCESS without id is unknown", call: create, answer: reply(`{"status":"SUCCESS"}`), wantReqs: 1,
			wantErr: func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }},
		{name: "update retried on 500", call: update, answer: sequence(status(500, ""), okAdd), wantReqs: 2},
		{name: "update retried on cut connection", call: update, answer: sequence(cut, okAdd), wantReqs: 2},
		{name: "create retried when blocked", call: create,
			answer:   sequence(reply(`{"status":"ERROR","error_code":"ERROR_BLOCKED_TOKEN","error_message":"Token blocked"}`), okAdd),
			wantReqs: 2},
		{name: "fatal: bad token stops at once", call: getClients,
			answer: reply(`{"status":"ERROR","error_code":"ERROR_BAD_TOKEN","error_message":"Invalid token"}`), wantReqs: 1,
			wantErr: func(err error) bool { var ae *APIError; return errors.As(err, &ae) && ae.Code == "ERROR_BAD_TOKEN" }, wantClass: ClassFatal},
		{name: "fatal: HTTP 401 stops at once", call: getClients, answer: status(401, "no"), wantReqs: 1,
			wantErr: func(err error) bool { return err != nil }, wantClass: ClassFatal},
		{name: "read: a refused parameter is not retried", call: func(ctx context.Context, a *API) error {
			_, err := a.GetCrmClientsWithExtraFields(ctx, 1, Filters{})
			return err
		},
			answer: reply(`{"status":"ERROR","error_code":"ERROR_UNKNOWN_PARAMETER","error_message":"Parameter include_custom_extra_fields is not a parameter of getCrmClients."}`), wantReqs: 1,
			wantErr: IsRefusedParameter, wantClass: ClassRow},
		{name: "row error verbatim, not retried", call: create,
			answer: reply(`{"status":"ERROR","error_code":"ERROR_EMAIL","error_message":"Nieprawidłowy e-mail «x»"}`), wantReqs: 1,
			wantErr: func(err error) bool {
				var ae *APIError
				return errors.As(err, &ae) && ae.Code == "ERROR_EMAIL" && ae.Message == "Nieprawidłowy e-mail «x»" && ae.Method == "addCrmClient"
			}, wantClass: ClassRow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, tc.answer)
			a, logs := testAPI(t, f.srv.URL)
			err := tc.call(context.Background(), a)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.wantErr != nil && !tc.wantErr(err) {
				t.Fatalf("err = %v (%T), not the one wanted", err, err)
			}
			if err != nil {
				if got := Classify(err); got != tc.wantClass {
					t.Errorf("Classify = %v, want %v", got, tc.wantClass)
				}
			}
			if got := len(f.requests()); got != tc.wantReqs {
				t.Errorf("%d requests, want %d", got, tc.wantReqs)
			}
			st := a.Stats()
			if st.Requests != int64(tc.wantReqs) {
				t.Errorf("Stats = %+v, want %d requests", st, tc.wantReqs)
			}
			if n := strings.Count(logs.String(), "msg=\"api request\""); n != tc.wantReqs {
				t.Errorf("%d debug lines, want one per request (%d):\n%s", n, tc.wantReqs, logs)
			}
		})
	}
}

func TestCreateRetriedWhenNeverSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens: every dial is refused
	a, _ := testAPI(t, "http://"+addr+"/connector.php")
	_, err = a.AddCrmClient(context.Background(), ClientFields{Values: map[string]string{"email": "a@b.pl"}})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want a plain transport error", err)
	}
	var te *TransportError
	if !errors.As(err, &te) || te.Written {
		t.Errorf("err = %#v, want an unwritten TransportError", err)
	}
	if got := a.Stats().Requests; got != 4 {
		t.Errorf("%d tries, want 4 (all attempts: the server never saw the create)", got)
	}
}

func TestCreateCancelledAfterSendIsUnknown(t *testing.T) {
	release := make(chan struct{})
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int, _ seen) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	a, _ := testAPI(t, f.srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := a.AddCrmClient(ctx, ClientFields{Values: map[string]string{"email": "a@b.pl"}})
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want OutcomeUnknown wrapping the deadline", err)
	}
	if len(f.requests()) != 1 {
		t.Errorf("%d requests", len(f.requests()))
	}
}

// blockedOnce is an API whose first request is answered blocked and the
// others with no clients; seenAt is when each request came.
func blockedOnce(t *testing.T) (f *fakeAPI, seenAt func() []time.Time) {
	blocked := reply(`{"status":"ERROR","error_code":"ERROR_BLOCKED_TOKEN","error_message":"Query limit exceeded, token blocked until 2026-01-01 10:00:00"}`)
	var times []time.Time
	var mu sync.Mutex
	f = newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int, s seen) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n == 1 {
			blocked(w, r, n, s)
			return
		}
		reply(`{"status":"SUCCESS","clients":[]}`)(w, r, n, s)
	})
	return f, func() []time.Time { mu.Lock(); defer mu.Unlock(); return append([]time.Time(nil), times...) }
}

func TestBlockedPausesLimiterThenSucceeds(t *testing.T) {
	f, seenAt := blockedOnce(t)
	lim := pacer.New(1000, pacer.WithBlockBackoff(150*time.Millisecond, 150*time.Millisecond))
	a, logs := testAPI(t, f.srv.URL, WithLimiter(lim))
	// A second caller that only waits for the limiter must pause too.
	if _, err := a.GetCrmClients(context.Background(), 1, Filters{}); err != nil {
		t.Fatal(err)
	}
	times := seenAt()
	gap := times[1].Sub(times[0])
	if gap < 150*time.Millisecond {
		t.Errorf("retry %v after the block, want >= the 150ms pause", gap)
	}
	st := lim.Stats()
	if st.Blocks != 1 || st.Limit != 500 {
		t.Errorf("limiter %+v, want 1 block and the limit halved to 500", st)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no warning logged for the block:\n%s", logs)
	}

	// Every waiter pauses, not only the caller that saw the block.
	lim.Blocked(time.Time{})
	start := time.Now()
	if err := lim.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("another waiter started %v after a block", d)
	}
}

func TestBlockedBounded(t *testing.T) {
	f := newFakeAPI(t, reply(`{"status":"ERROR","error_code":"ERROR_BLOCKED_TOKEN","error_message":"blocked"}`))
	lim := pacer.New(1000, pacer.WithBlockBackoff(time.Millisecond, 2*time.Millisecond))
	a, _ := testAPI(t, f.srv.URL, WithLimiter(lim), WithBlockRetries(2))
	_, err := a.GetCrmClients(context.Background(), 1, Filters{})
	if Classify(err) != ClassBlocked {
		t.Fatalf("err = %v, class %v, want blocked", err, Classify(err))
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (first + 2 block retries)", n)
	}
}

func TestEveryRequestWaitsForLimiter(t *testing.T) {
	f := newFakeAPI(t, sequence(status(500, ""), status(500, ""), reply(`{"status":"SUCCESS","clients":[]}`)))
	lim := pacer.New(1000)
	a, _ := testAPI(t, f.srv.URL, WithLimiter(lim))
	if _, err := a.GetCrmClients(context.Background(), 1, Filters{}); err != nil {
		t.Fatal(err)
	}
	if got := lim.Stats().Starts; got != 3 {
		t.Errorf("limiter granted %d starts for 3 requests", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.GetCrmClients(ctx, 1, Filters{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call err = %v", err)
	}
	if len(f.requests()) != 3 {
		t.Errorf("a cancelled call sent a request")
	}
}

func TestNoRedirects(t *testing.T) {
	var hit atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit.Add(1)
		if r.Header.Get("X-BLToken") != "" {
			t.Error("the token followed a redirect")
		}
	}))
	defer other.Close()
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int, _ seen) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	})
	a, _ := testAPI(t, f.srv.URL)
	_, err := a.GetCrmClients(context.Background(), 1, Filters{})
	if Classify(err) != ClassFatal || hit.Load() != 0 {
		t.Errorf("err %v (class %v), redirect target hit %d times", err, Classify(err), hit.Load())
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	tok := testToken.Reveal()
	answers := map[string]func(http.ResponseWriter, *http.Request, int, seen){
		"error echoes token":  reply(`{"status":"ERROR","error_code":"ERROR_BAD_TOKEN","error_message":"Token ` + tok + ` is invalid"}`),
		"code echoes token":   reply(`{"status":"ERROR","error_code":"` + tok + `","error_message":"x"}`),
		"HTML echoes token":   reply(`<html>` + tok + `</html>`),
		"broken JSON":         reply(`{"status":"` + tok),
		"status echoes token": reply(`{"status":"` + tok + `"}`),
		"500 with token":      status(500, tok),
		"cut":                 cut,
		// Fields that fail to decode, with the token in them (issue 14).
		"star echoes token":         reply(`{"status":"SUCCESS","clients":[{"crm_client_id":1,"star":"` + tok + `"}]}`),
		"id echoes token":           reply(`{"status":"SUCCESS","crm_client_id":"` + tok + `","clients":[]}`),
		"clients echoes token":      reply(`{"status":"SUCCESS","clients":"` + tok + `"}`),
		"JSON-escaped token":        reply(`{"status":"` + jsonEscapeAll(tok) + `"}`),
		"URL-escaped token in HTML": reply(`<a href="?t=` + url.QueryEscape(tok) + `">` + strings.ReplaceAll(url.PathEscape(tok), "-", "%2D") + `</a>`),
		"token late in a long body": reply(strings.Repeat("x", 25) + tok + strings.Repeat("y", 100)),
		"token in a boolean":        reply(`{"status":"SUCCESS","clients":[{"crm_client_id":1,"custom_extra_fields":[],"is_company":"` + tok + `"}]}`),
	}
	for name, ans := range answers {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, ans)
			a, logs := testAPI(t, f.srv.URL)
			_, err := a.GetCrmClients(context.Background(), 1, Filters{})
			if err == nil {
				err = errors.New("") // (an answer that is no error for a read: the create below)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v %s %q", err, err, err, err, err), logs.String()} {
				if strings.Contains(s, tok) || strings.Contains(s, tok[:10]) {
					t.Errorf("token (or a 10-character prefix of it) leaked: %s", s)
				}
			}
			_, err = a.AddCrmClient(context.Background(), ClientFields{Values: map[string]string{"email": "a@b.pl"}})
			if err != nil && (strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), tok[:10])) {
				t.Errorf("token leaked from create: %v", err)
			}
		})
	}
	// The API value itself, printed by mistake.
	a, logs := testAPI(t, "http://127.0.0.1:1/")
	a.log.Info("api", "api", a, "token", a.token)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v", a, a, a), logs.String()} {
		if strings.Contains(s, tok) {
			t.Errorf("token leaked printing the API: %s", s)
		}
	}
}

// jsonEscapeAll writes every character of s as a \\uXXXX escape.
func jsonEscapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

func TestTokenFormatting(t *testing.T) {
	tok := testToken
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	l.Info("x", "token", tok, slog.Any("t2", tok))
	j, _ := json.Marshal(struct{ T Token }{tok})
	txt, _ := tok.MarshalText()
	outs := []string{
		fmt.Sprint(tok), fmt.Sprintf("%s|%v|%+v|%#v|%q|%x|%X|%d|%10s", tok, tok, tok, tok, tok, tok, tok, tok, tok),
		fmt.Sprintf("%v", struct{ T Token }{tok}), fmt.Sprintf("%+v", &struct{ T Token }{tok}), fmt.Sprintf("%#v", []Token{tok}),
		fmt.Sprint(error(fmt.Errorf("with %v", tok))), string(j), string(txt), buf.String(), tok.String(), tok.GoString(),
	}
	for _, s := range outs {
		if strings.Contains(s, tok.Reveal()) || !strings.Contains(s, "[redacted]") {
			t.Errorf("printed %q", s)
		}
	}
	if tok.Reveal() != "3007777-3008888-tokSECRET4f9a2cQW8ZP1" {
		t.Error("Reveal")
	}
}

// TestBlockedUntil: the end a blocked answer states is read in
// Europe/Warsaw, believed when it is ahead and at most an hour away.
func TestBlockedUntil(t *testing.T) {
	warsaw, _ := time.LoadLocation("Europe/Warsaw")
	now := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC) // 14:00 in Warsaw (CET)
	blocked := func(msg string) error {
		return fmt.Errorf("x: %w", &APIError{Method: "m", Code: "ERROR_BLOCKED_TOKEN", Message: msg})
	}
	tests := []struct {
		name string
		err  error
		want time.Time
		ok   bool
	}{
		{"public clients' form", blocked("Query limit exceeded, token blocked until 2026-12-01 14:10:00"), time.Date(2026, 12, 1, 14, 10, 0, 0, warsaw), true},
		{"summer time", blocked("token blocked until 2026-07-01 14:10:00"), time.Time{}, false}, // months ago
		{"ISO T", blocked("blocked until 2026-12-01T14:05:12"), time.Date(2026, 12, 1, 14, 5, 12, 0, warsaw), true},
		{"in the past", blocked("token blocked until 2026-12-01 13:59:00"), time.Time{}, false},
		{"more than an hour ahead", blocked("token blocked until 2026-12-01 15:30:00"), time.Time{}, false},
		{"no end", blocked("Too many requests"), time.Time{}, false},
		{"not an API error", errors.New("blocked until 2026-12-01 14:10:00"), time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := BlockedUntil(tc.err, now)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("BlockedUntil = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzBlockedUntil: a server's message is outside input: whatever it says,
// a stated end is ahead of now and at most an hour away.
func FuzzBlockedUntil(f *testing.F) {
	f.Add("Query limit exceeded, token blocked until 2026-12-01 14:10:00")
	f.Add("blocked until 9999-99-99 99:99:99")
	f.Add("UNTIL 2026-12-01T14:05:12 until 2026-12-01 14:06:00")
	now := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, msg string) {
		got, ok := BlockedUntil(&APIError{Code: "ERROR_BLOCKED_TOKEN", Message: msg}, now)
		if ok && (!got.After(now) || got.Sub(now) > maxStatedBlock) {
			t.Fatalf("%q: stated end %v believed", msg, got)
		}
	})
}

// TestUnknownCodeOnARead: an unknown code on a read says nothing of the
// client: it is tried again, then returned as a ReadError (fatal: the run
// stops, the client is not taken for deleted). The same code on a write is
// the row's refusal, returned at once.
func TestUnknownCodeOnARead(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/html") // the live API's label
		_, _ = w.Write([]byte(`{"status":"ERROR","error_code":"ERROR_SOMETHING_NEW","error_message":"?"}`))
	}))
	defer srv.Close()
	api, err := New(srv.URL, Token("a-token-of-realistic-length-0123456789"), WithLimiter(pacer.New(10000)),
		WithRetry(pacer.Backoff{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.GetCrmClientData(context.Background(), 7, false)
	var re *ReadError
	if !errors.As(err, &re) || Classify(err) != ClassFatal || calls.Load() != 3 {
		t.Fatalf("read: %v (class %v) after %d calls; want a ReadError, fatal, after 3", err, Classify(err), calls.Load())
	}
	calls.Store(0)
	_, err = api.AddCrmClient(context.Background(), ClientFields{Values: map[string]string{"email": "a@b.pl"}})
	if Classify(err) != ClassRow || calls.Load() != 1 {
		t.Fatalf("write: %v (class %v) after %d calls; want a row error after 1", err, Classify(err), calls.Load())
	}
}

// TestBlockSaidOnceEachWay: workers that meet one block log it once when
// it starts and once when it is over, not once each.
func TestBlockSaidOnceEachWay(t *testing.T) {
	end := time.Now().Add(1500 * time.Millisecond).In(warsaw()).Format("2006-01-02 15:04:05")
	blockedUntil := time.Now().Add(1500 * time.Millisecond)
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ seen) {
		w.Header().Set("Content-Type", "text/html")
		if time.Now().Before(blockedUntil) {
			_, _ = io.WriteString(w, `{"status":"ERROR","error_code":"ERROR_BLOCKED_TOKEN","error_message":"Query limit exceeded, token blocked until `+end+`"}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"SUCCESS","clients":[]}`)
	})
	a, logs := testAPI(t, f.srv.URL)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := a.GetCrmClients(context.Background(), 1, Filters{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "is blocked until"); n != 1 {
		t.Errorf("the block was said %d times:\n%s", n, logs)
	}
	if n := strings.Count(logs.String(), "the block is over"); n != 1 {
		t.Errorf("its end was said %d times:\n%s", n, logs)
	}
}
