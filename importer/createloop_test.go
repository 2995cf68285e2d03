package importer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// answerCreates stands between the client and a sandbox and answers every
// addCrmClient itself with status (and Retry-After, if set), a plain-text
// body; the sandbox never sees a create. Everything else goes through.
type answerCreates struct {
	srv        *sandbox.Server
	status     int
	retryAfter string
	creates    atomic.Int64
}

func (h *answerCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, method, ok := readForm(w, r)
	if !ok {
		return
	}
	if method != "addCrmClient" {
		h.srv.ServeHTTP(w, r)
		return
	}
	h.creates.Add(1)
	if h.retryAfter != "" {
		w.Header().Set("Retry-After", h.retryAfter)
	}
	http.Error(w, "boom", h.status)
}

// readForm reads the body of r, a request to the API, and puts it back
// for the sandbox; it returns the body and its API method. It answers 400
// itself (ok false) when the body cannot be read.
func readForm(w http.ResponseWriter, r *http.Request) (body []byte, method string, ok bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, "", false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	return body, form.Get("method"), true
}

// clientOf is a client of the API at endpoint (a sandbox behind a
// handler of a test) with fast retries and no limit to speak of.
func clientOf(t *testing.T, endpoint string) *baselinker.API {
	t.Helper()
	api, err := baselinker.New(endpoint, baselinker.Token(sandboxtest.DefaultToken),
		baselinker.WithLimiter(pacer.New(10000, pacer.WithMargin(time.Millisecond))),
		baselinker.WithRetry(pacer.Backoff{Attempts: 6, Base: time.Millisecond, Max: 5 * time.Millisecond}),
		baselinker.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestCreateAnsweredLooksUpAtOnce: a create the server answered it was
// done with (HTTP 500, or 429/503 with Retry-After) cannot land later, so
// its look-up goes at once — each of the row's sends is not followed by a
// wait of --request-timeout (five sends of 90 s held a worker 7.5 minutes
// per row, whatever --max-wait said). A gateway's 502/504 may leave the
// back end running: those still wait. Either way the look-up proves no
// client was made, the row is sent again up to the bound and then fails,
// naming the last answer.
func TestCreateAnsweredLooksUpAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		timeout    time.Duration
		waits      bool // each send waits --request-timeout before its look-up
	}{
		{"HTTP 500", http.StatusInternalServerError, "", time.Second, false},
		{"503 with Retry-After", http.StatusServiceUnavailable, "1", time.Second, false},
		{"429 with Retry-After", http.StatusTooManyRequests, "1", time.Second, false},
		{"502 from a gateway: waits", http.StatusBadGateway, "", 300 * time.Millisecond, true},
		{"504 from a gateway: waits", http.StatusGatewayTimeout, "", 300 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 61})
			h := &answerCreates{srv: srv, status: tc.status, retryAfter: tc.retryAfter}
			ts := httptest.NewServer(h)
			defer ts.Close()
			api := clientOf(t, ts.URL+"/connector.php")
			in := writeFile(t, t.TempDir(), "in.csv", genRows("q", 1))
			start := time.Now()
			sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 1, RequestTimeout: tc.timeout})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !tc.waits && took >= tc.timeout:
				t.Errorf("the run took %s: a look-up waited --request-timeout %s after an answered create", took, tc.timeout)
			case tc.waits && took < maxCreateAttempts*tc.timeout:
				t.Errorf("the run took %s: less than %d waits of --request-timeout %s", took, maxCreateAttempts, tc.timeout)
			}
			if n := h.creates.Load(); n != maxCreateAttempts || len(srv.Clients()) != 0 {
				t.Errorf("%d creates sent, %d clients; want %d sent (each proven not made), none made", n, len(srv.Clients()), maxCreateAttempts)
			}
			l := byRow(t, readReport(t, sum.Report))["2"]
			if l["status"] != "failed" || l["error_code"] != events.CodeOutcomeUnknown ||
				!strings.Contains(l["error_message"], "no usable answer 5 times") || !strings.Contains(l["error_message"], "HTTP "+itoa(int64(tc.status))) {
				t.Errorf("row 2: %s %s %q; want failed OUTCOME_UNKNOWN naming the 5 sends and HTTP %d", l["status"], l["error_code"], l["error_message"], tc.status)
			}
		})
	}
}

// stopDuringLookup gives the first row's create a fatal answer once the
// second row's create has failed and its look-up is under way, and holds
// that look-up until the first row's line is written — the run has
// stopped by then. The second row's create is lost each time (the server
// never sees it), so its look-up proves no client was made.
type stopDuringLookup struct {
	*baselinker.API
	lost       string // the second row's email
	lostSends  atomic.Int64
	looking    chan struct{} // closed when the second row's look-up begins
	stopped    chan struct{} // closed when the first row's line is written
	lookupOnce atomic.Bool
}

func (a *stopDuringLookup) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	if f.Values["email"] == a.lost {
		a.lostSends.Add(1)
		return baselinker.Added{}, &baselinker.OutcomeUnknownError{Method: "addCrmClient", Cause: errors.New("connection cut"), Answered: true}
	}
	<-a.looking
	return baselinker.Added{}, &baselinker.APIError{Method: "addCrmClient", Code: "ERROR_BAD_TOKEN", Message: "invalid token"}
}

func (a *stopDuringLookup) GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error) {
	if a.lostSends.Load() > 0 && a.lookupOnce.CompareAndSwap(false, true) {
		close(a.looking)
		<-a.stopped
	}
	return a.API.GetCrmClients(ctx, page, f)
}

// TestCreateNotResentAfterFatalStop: a row whose lost create a look-up
// proved was not made is not sent again once the run has stopped on
// another row's fatal error (it was, before: the loop checked only for an
// interrupt); it is skipped NOT_ATTEMPTED like the rest of the file.
func TestCreateNotResentAfterFatalStop(t *testing.T) {
	t.Parallel()
	_, base := newAPI(t, sandbox.Config{Seed: 61}, 0, 0)
	api := &stopDuringLookup{API: base, lost: "lost@example.com", looking: make(chan struct{}), stopped: make(chan struct{})}
	in := writeFile(t, t.TempDir(), "in.csv", csvOf("email,invoice_fullname", "fatal@example.com,Fatal Client", "lost@example.com,Lost Client"))
	sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 2, RequestTimeout: time.Second,
		OnLine: func(l *events.Line) {
			if l.Row == 2 {
				close(api.stopped)
			}
		}})
	if !errors.Is(err, events.ErrFatal) {
		t.Fatalf("Run = %v, want ErrFatal", err)
	}
	if n := api.lostSends.Load(); n != 1 {
		t.Errorf("row 3's create was sent %d times; want once (not again after the run stopped)", n)
	}
	l := byRow(t, readReport(t, sum.Report))["3"]
	if l["status"] != "skipped" || l["error_code"] != events.CodeNotAttempted || !strings.Contains(l["error_message"], "the run stopped at row 2") {
		t.Errorf("row 3: %s %s %q; want skipped NOT_ATTEMPTED, the run stopped at row 2", l["status"], l["error_code"], l["error_message"])
	}
}
