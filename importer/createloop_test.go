package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// answerCreates stands between the client and a sandbox and answers every
// addCrmClient itself with status (and Retry-After, if set) and body (a
// plain-text one if empty); the sandbox never sees a create. Everything
// else goes through. It notes when each create came.
type answerCreates struct {
	srv        *sandbox.Server
	status     int
	retryAfter string
	body       string
	later      string // if set, the body of every create after the first, answered 200
	creates    atomic.Int64

	mu sync.Mutex
	at []time.Time
}

// gaps is the time between each create and the one before it.
func (h *answerCreates) gaps() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	var g []time.Duration
	for i := 1; i < len(h.at); i++ {
		g = append(g, h.at[i].Sub(h.at[i-1]))
	}
	return g
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
	n := h.creates.Add(1)
	h.mu.Lock()
	h.at = append(h.at, time.Now())
	h.mu.Unlock()
	if n > 1 && h.later != "" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, h.later)
		return
	}
	if h.retryAfter != "" {
		w.Header().Set("Retry-After", h.retryAfter)
	}
	if h.body == "" {
		http.Error(w, "boom", h.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(h.status)
	_, _ = io.WriteString(w, h.body)
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
// handler of a test) with fast retries and no limit to speak of (opts:
// more of the limiter's options).
func clientOf(t *testing.T, endpoint string, opts ...pacer.Option) *baselinker.API {
	t.Helper()
	api, err := baselinker.New(endpoint, baselinker.Token(sandboxtest.DefaultToken),
		baselinker.WithLimiter(pacer.New(10000, append([]pacer.Option{pacer.WithMargin(time.Millisecond)}, opts...)...)),
		baselinker.WithRetry(pacer.Backoff{Attempts: 6, Base: time.Millisecond, Max: 5 * time.Millisecond}),
		baselinker.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestCreateAnsweredLooksUpAtOnce: a create the server answered it was
// done with (HTTP 500 with the API's JSON reply, or 429/503 with
// Retry-After) cannot land later, so its look-up does not wait
// --request-timeout (five sends of 90 s held a worker 7.5 minutes per
// row, whatever --max-wait said) — but it waits the Retry-After, counted
// from the answer, before it is looked up and sent again (it went again at
// once, five sends in a few ms). A 500 whose body is not the API's JSON
// comes from a proxy or firewall in front of it, and a gateway's 502/504
// may leave the back end running: those wait --request-timeout. Either way
// the look-up proves no client was made, the row is sent again up to the
// bound and then fails, naming the last answer.
func TestCreateAnsweredLooksUpAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		body       string
		timeout    time.Duration
		gap        time.Duration // the least time between two sends
	}{
		{"HTTP 500 with the API's JSON", http.StatusInternalServerError, "", `{"status":"SUCCESS"}`, time.Second, 0},
		{"HTTP 500 with a proxy's JSON: waits", http.StatusInternalServerError, "", `{"status":"FAILURE"}`, 300 * time.Millisecond, 300 * time.Millisecond},
		{"HTTP 500 page of a proxy: waits", http.StatusInternalServerError, "", "", 300 * time.Millisecond, 300 * time.Millisecond},
		{"503 with Retry-After: waits it", http.StatusServiceUnavailable, "1", "", 3 * time.Second, time.Second},
		{"429 with Retry-After: waits it", http.StatusTooManyRequests, "1", "", 3 * time.Second, time.Second},
		{"502 from a gateway: waits", http.StatusBadGateway, "", "", 300 * time.Millisecond, 300 * time.Millisecond},
		{"504 from a gateway: waits", http.StatusGatewayTimeout, "", "", 300 * time.Millisecond, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 61})
			h := &answerCreates{srv: srv, status: tc.status, retryAfter: tc.retryAfter, body: tc.body}
			ts := httptest.NewServer(h)
			defer ts.Close()
			api := clientOf(t, ts.URL+"/connector.php")
			in := writeFile(t, t.TempDir(), "in.csv", genRows("q", 1))
			sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 1, RequestTimeout: tc.timeout})
			if err != nil {
				t.Fatal(err)
			}
			// The wait counts from the try's send in the client; the server
			// sees each send later, the first one maybe much later than the
			// next on a loaded machine (282 ms gaps seen for a 300 ms wait):
			// half the gap proves the wait (without it the gap is a few ms).
			for i, g := range h.gaps() {
				switch {
				case g < tc.gap/2:
					t.Errorf("send %d went %s after the one before; want about %s", i+2, g, tc.gap)
				case tc.gap < tc.timeout && g >= tc.timeout:
					t.Errorf("send %d went %s after the one before: its look-up waited --request-timeout %s after an answered create", i+2, g, tc.timeout)
				}
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

// TestCreateRetryAfterLongWait: a create refused with a long Retry-After
// (30 s) is not looked up and sent again before it has passed — it was,
// at once, five times in a few ms. An interrupt during the wait leaves the
// row OUTCOME_UNKNOWN, its send open for --resume, sent once; a wait that
// would pass --max-wait is not sat out: the look-up proves nothing was
// made and the row is skipped WAITED_TOO_LONG, not sent again.
func TestCreateRetryAfterLongWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		maxWait time.Duration
		status  string
		code    string
		message string
		runErr  error
	}{
		{"interrupted while it waits", 0, "failed", events.CodeOutcomeUnknown,
			"the server refused the create for now (", events.ErrInterrupted},
		{"past --max-wait", 2 * time.Second, "skipped", CodeWaitedTooLong,
			"sent, refused for longer than --max-wait, and a look-up proved no client was made", events.ErrFatal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 61})
			h := &answerCreates{srv: srv, status: http.StatusTooManyRequests, retryAfter: "30"}
			ts := httptest.NewServer(h)
			defer ts.Close()
			var opts []pacer.Option
			if tc.maxWait > 0 {
				opts = append(opts, pacer.WithMaxWait(tc.maxWait))
			}
			api := clientOf(t, ts.URL+"/connector.php", opts...)
			in := writeFile(t, t.TempDir(), "in.csv", genRows("q", 1))
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			sum, err := Run(ctx, api, in, Config{MatchBy: []string{"email"}, Workers: 1, RequestTimeout: 90 * time.Second})
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("the run took %s", took)
			}
			if !errors.Is(err, tc.runErr) {
				t.Fatalf("Run = %v, want %v", err, tc.runErr)
			}
			if n := h.creates.Load(); n != 1 {
				t.Errorf("%d creates sent; want 1: none before the Retry-After has passed", n)
			}
			l := byRow(t, readReport(t, sum.Report))["2"]
			if l["status"] != tc.status || l["error_code"] != tc.code || !strings.Contains(l["error_message"], tc.message) {
				t.Errorf("row 2: %s %s %q; want %s %s saying %q", l["status"], l["error_code"], l["error_message"], tc.status, tc.code, tc.message)
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
	if l["status"] != "skipped" || l["error_code"] != events.CodeNotAttempted || !strings.Contains(l["error_message"], "the run stopped at row 2") ||
		!strings.Contains(l["error_message"], "the create was sent once and each time a look-up proved no client was made") {
		t.Errorf("row 3: %s %s %q; want skipped NOT_ATTEMPTED saying it was sent once, proven not made, and the run stopped at row 2", l["status"], l["error_code"], l["error_message"])
	}
}

// TestNotAttemptedSaysWhatStoppedTheRun: the rows a stopped run leaves say
// what stopped it — a journal that could not be written said "on a fatal
// API error", sending the user to the token instead of the disk.
func TestNotAttemptedSaysWhatStoppedTheRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want string
		not  string
	}{
		{"a fatal API error", &baselinker.APIError{Method: "addCrmClient", Code: "ERROR_BAD_TOKEN", Message: "invalid token"},
			"the run stopped at row 4 on a fatal API error", ""},
		{"the journal could not be written", fmt.Errorf("writing the journal /tmp/r.csv.journal: %w", syscall.ENOSPC),
			"the run stopped at row 4: writing the journal /tmp/r.csv.journal: no space left on device", "API"},
		{"--max-wait", fmt.Errorf("baselinker: addCrmClient: %w", pacer.ErrWaitedTooLong),
			"the run stopped at row 4: the API's blocks or its silence took longer than --max-wait", "fatal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &run{stop: make(chan struct{})}
			r.halt(tc.err, 4)
			l := r.notAttempted(events.Line{Row: 7})
			if l.Status != events.StatusSkipped || l.Code != events.CodeNotAttempted || !strings.Contains(l.Message, tc.want) ||
				(tc.not != "" && strings.Contains(l.Message, tc.not)) {
				t.Errorf("row 7: %s %s %q; want skipped NOT_ATTEMPTED saying %q", l.Status, l.Code, l.Message, tc.want)
			}
		})
	}
}
