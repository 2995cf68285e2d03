package baselinker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

// TestShouldRetry: the retry decision is a function of the client's state
// alone; each row is one state and what must follow it. The "clock" is the
// durations in the state: how long the try took, the pause drawn, the
// budget --max-wait has left.
func TestShouldRetry(t *testing.T) {
	noAnswerRead := &TransportError{Method: "getCrmClients", Written: true, NoAnswer: true}
	noAnswerWrite := &TransportError{Method: "addCrmClient", Written: true, NoAnswer: true}
	refused := &TransportError{Method: "addCrmClient"} // never reached the server
	retryAfter503 := &TransportError{Method: "getCrmClients", Status: 503, Written: true, RetryAfter: 20 * time.Second}
	blocked := &APIError{Method: "getCrmClients", Code: "ERROR_BLOCKED_TOKEN", Message: "Query limit exceeded"}
	unknownRead := &APIError{Method: "getCrmClients", Code: "ERROR_SOMETHING", Message: "x"}
	rowErr := &APIError{Method: "addCrmClient", Code: "ERROR_INVALID_VALUE", Message: "x"}
	at := time.Date(2026, 12, 6, 14, 5, 0, 0, time.UTC) // when the try went out
	base := func(method string, err error) attempt {
		return attempt{tries: tries{method: method, idempotent: isRead(method), attempts: 5},
			sent: sent{err: err, class: Classify(err), at: at}, blockRetries: 5, backoff: 500 * time.Millisecond, budget: time.Minute, bounded: true}
	}
	with := func(a attempt, change func(*attempt)) attempt {
		change(&a)
		return a
	}
	for _, tc := range []struct {
		name     string
		in       attempt
		action   retryAction
		wait     time.Duration
		errIs    error  // for retryStop
		errWords string // in the error
	}{
		{name: "silent read, budget left: retry after the backoff", in: base("getCrmClients", noAnswerRead),
			action: retryLater, wait: 500 * time.Millisecond},
		{name: "silent read, the pause would reach what --max-wait has left: stop", in: with(base("getCrmClients", noAnswerRead), func(a *attempt) { a.budget = 500 * time.Millisecond }), action: retryStop, errIs: pacer.ErrWaitedTooLong},
		{name: "silent read, no bound: retry", in: with(base("getCrmClients", noAnswerRead), func(a *attempt) { a.budget, a.bounded = 0, false }), action: retryLater, wait: 500 * time.Millisecond},
		{name: "silent read, last attempt: gave up", in: with(base("getCrmClients", noAnswerRead), func(a *attempt) { a.failures = 4 }), action: retryStop, errWords: "gave up after 5 attempts"},
		{name: "a create that reached the server: outcome unknown, never re-sent", in: base("addCrmClient", noAnswerWrite),
			action: retryStop, errIs: ErrOutcomeUnknown},
		{name: "a create past --max-wait: outcome unknown, and too long", in: with(base("addCrmClient", noAnswerWrite), func(a *attempt) { a.budget = 0 }), action: retryStop, errIs: pacer.ErrWaitedTooLong},
		{name: "a create that never left: retried", in: base("addCrmClient", refused),
			action: retryLater, wait: 500 * time.Millisecond},
		{name: "Retry-After longer than the backoff wins", in: base("getCrmClients", retryAfter503),
			action: retryLater, wait: 20 * time.Second},
		{name: "Retry-After beyond the budget: stop now, not after the pause", in: with(base("getCrmClients", retryAfter503), func(a *attempt) { a.budget = 10 * time.Second }), action: retryStop, errIs: pacer.ErrWaitedTooLong},
		{name: "a block pauses", in: base("getCrmClients", blocked), action: retryPause},
		{name: "a block past the block retries stops", in: with(base("getCrmClients", blocked), func(a *attempt) { a.blocks = 5 }), action: retryStop, errWords: "stayed blocked through 5 pauses"},
		{name: "an unknown code on a read is retried", in: base("getCrmClients", unknownRead),
			action: retryLater, wait: 500 * time.Millisecond},
		{name: "an unknown code on a read, last attempt: a read error", in: with(base("getCrmClients", unknownRead), func(a *attempt) { a.failures = 4 }), action: retryStop, errWords: "kept failing"},
		{name: "a row's error is the row's", in: base("addCrmClient", rowErr), action: retryStop, errWords: "ERROR_INVALID_VALUE"},
		{name: "the run is ending: a written create is unknown", in: with(base("addCrmClient", noAnswerWrite), func(a *attempt) { a.ending = true }), action: retryStop, errIs: ErrOutcomeUnknown},
		{name: "the run is ending: a read stops as it is", in: with(base("getCrmClients", noAnswerRead), func(a *attempt) { a.ending = true }), action: retryStop, errWords: "getCrmClients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := shouldRetry(tc.in)
			if v.action != tc.action || v.wait != tc.wait {
				t.Errorf("got action %d wait %s; want %d, %s (err %v)", v.action, v.wait, tc.action, tc.wait, v.err)
			}
			if (v.action == retryStop) != (v.err != nil) {
				t.Errorf("action %d with err %v", v.action, v.err)
			}
			if tc.errIs != nil && !errors.Is(v.err, tc.errIs) {
				t.Errorf("err %v, want %v", v.err, tc.errIs)
			}
			if tc.errWords != "" && (v.err == nil || !strings.Contains(v.err.Error(), tc.errWords)) {
				t.Errorf("err %v, want it to say %q", v.err, tc.errWords)
			}
			// A lost write says when its try went out: the caller waits
			// until the server can no longer finish it before a look-up.
			if oe := (*OutcomeUnknownError)(nil); errors.As(v.err, &oe) && !oe.Sent.Equal(at) {
				t.Errorf("outcome unknown, sent %v; want the try's %v", oe.Sent, at)
			}
		})
	}
}

// TestOutcomeUnknownMayLandLater: a create whose try failed after it was
// written is outcome unknown either way; whether it may still land later
// (the caller waits before its look-up) follows from what came back. A
// whole answer that says the server is done with it (HTTP 500 with the
// API's JSON, 429/503 with Retry-After) cannot be followed by a late
// commit; silence, a cut or unreadable body, a 500 page of a proxy in
// front of the API, and a gateway's 502/504 can. A Retry-After is carried
// (bounded), counted from the answer: the caller waits for it before it
// looks the create up and sends it again.
func TestOutcomeUnknownMayLandLater(t *testing.T) {
	const m = "addCrmClient"
	at := time.Date(2026, 12, 6, 14, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		err    *TransportError
		ending bool // the run is ending (interrupt)
		budget time.Duration
		later  bool
		// retryAt: when the answer said to come back (the answer came a
		// second after the send), zero when it said nothing
		retryAt time.Time
	}{
		{name: "HTTP 500 with the API's JSON: answered", err: &TransportError{Method: m, Status: 500, Written: true, Replied: true}},
		{name: "HTTP 500 while the run ends: answered", err: &TransportError{Method: m, Status: 500, Written: true, Replied: true}, ending: true},
		{name: "HTTP 500 past --max-wait: answered", err: &TransportError{Method: m, Status: 500, Written: true, Replied: true}, budget: -1},
		{name: "HTTP 500 page of a proxy, not the API's JSON", err: &TransportError{Method: m, Status: 500, Written: true}, later: true},
		{name: "HTTP 500 page of a proxy while the run ends", err: &TransportError{Method: m, Status: 500, Written: true}, ending: true, later: true},
		{name: "503 with Retry-After: refused", err: &TransportError{Method: m, Status: 503, Written: true, RetryAfter: time.Second}, retryAt: at.Add(2 * time.Second)},
		{name: "429 with Retry-After: refused", err: &TransportError{Method: m, Status: 429, Written: true, RetryAfter: time.Second}, retryAt: at.Add(2 * time.Second)},
		{name: "429 with a Retry-After past the bound", err: &TransportError{Method: m, Status: 429, Written: true, RetryAfter: time.Hour}, retryAt: at.Add(time.Second + maxRetryAfter)},
		{name: "503 without Retry-After: maybe a gateway", err: &TransportError{Method: m, Status: 503, Written: true}, later: true},
		{name: "502 from a gateway", err: &TransportError{Method: m, Status: 502, Written: true}, later: true},
		{name: "504 from a gateway", err: &TransportError{Method: m, Status: 504, Written: true}, later: true},
		{name: "no answer at the timeout", err: &TransportError{Method: m, Written: true, NoAnswer: true}, later: true},
		{name: "connection cut, no status", err: &TransportError{Method: m, Written: true, Cause: errors.New("EOF")}, later: true},
		{name: "HTTP 500 whose body was cut", err: &TransportError{Method: m, Status: 500, Written: true, Cause: errors.New("reading the answer: unexpected EOF")}, later: true},
		{name: "200 with a truncated body", err: badAnswer(m, 200, errors.New("unexpected end of JSON input")), later: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := attempt{tries: tries{method: m, attempts: 5}, sent: sent{err: tc.err, class: Classify(tc.err), at: at, back: at.Add(time.Second)},
				ending: tc.ending, blockRetries: 5, backoff: time.Millisecond, budget: time.Minute, bounded: true}
			if tc.budget < 0 {
				a.budget = 0
			}
			v := shouldRetry(a)
			var oe *OutcomeUnknownError
			if !errors.As(v.err, &oe) {
				t.Fatalf("verdict %d, err %v; want an OutcomeUnknownError", v.action, v.err)
			}
			if got := !oe.Answered; got != tc.later {
				t.Errorf("may land later (not Answered) = %v, want %v (err %v)", got, tc.later, v.err)
			}
			if !oe.Sent.Equal(at) {
				t.Errorf("Sent = %v, want %v", oe.Sent, at)
			}
			if !oe.RetryAt.Equal(tc.retryAt) {
				t.Errorf("RetryAt = %v, want %v", oe.RetryAt, tc.retryAt)
			}
		})
	}
}

// TestCreate500AnsweredOnlyByTheAPIsJSON: an HTTP 500 to a create is the
// back end's answer only when its body is the API's JSON reply; a page of
// HTML or text comes from a proxy, CDN or firewall in front of the API,
// while the back end may go on making the client — its look-up waits. A
// 500 whose JSON says ERROR is the API's error, not an unknown outcome.
func TestCreate500AnsweredOnlyByTheAPIsJSON(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		later  bool // may land later (not Answered); an *APIError when the body says ERROR
		apiErr bool
	}{
		{name: "HTML page of a proxy", body: "<html><body><h1>500 Internal Server Error</h1>nginx</body></html>", later: true},
		{name: "plain text", body: "Internal Server Error\n", later: true},
		{name: "empty body", body: "", later: true},
		{name: "JSON without the API's status field", body: `{"message":"internal error"}`, later: true},
		{name: "a proxy's JSON with a status of its own", body: `{"status":"error","message":"upstream failed"}`, later: true},
		{name: "JSON with a numeric status", body: `{"status":500}`, later: true},
		{name: "the API's JSON reply", body: `{"status":"SUCCESS","crm_client_id":5}`},
		{name: "the API's ERROR", body: `{"status":"ERROR","error_code":"ERROR_INTERNAL","error_message":"x"}`, apiErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int, s seen) {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(tc.body))
			})
			a, _ := testAPI(t, f.srv.URL)
			_, err := a.AddCrmClientResult(context.Background(), ClientFields{Values: map[string]string{"email": "a@b.pl"}})
			var oe *OutcomeUnknownError
			var ae *APIError
			switch {
			case tc.apiErr:
				if !errors.As(err, &ae) {
					t.Fatalf("err %T %v; want an *APIError", err, err)
				}
			case !errors.As(err, &oe):
				t.Fatalf("err %T %v; want an *OutcomeUnknownError", err, err)
			case !oe.Answered != tc.later:
				t.Errorf("may land later (not Answered) = %v, want %v (err %v)", !oe.Answered, tc.later, err)
			}
		})
	}
}

// TestCreateSuccessWithoutIDIsAnswered: a SUCCESS without a crm_client_id
// is outcome unknown (the client was most likely made, its ID is not
// known) but answered: the server is done with the create, nothing lands
// later, so the look-up need not wait.
func TestCreateSuccessWithoutIDIsAnswered(t *testing.T) {
	for _, body := range []string{`{"status":"SUCCESS"}`, `{"status":"SUCCESS","crm_client_id":0}`} {
		f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int, s seen) {
			_, _ = w.Write([]byte(body))
		})
		a, _ := testAPI(t, f.srv.URL)
		_, err := a.AddCrmClientResult(context.Background(), ClientFields{Values: map[string]string{"email": "a@b.pl"}})
		var oe *OutcomeUnknownError
		if !errors.As(err, &oe) || !errors.Is(err, ErrNoClientID) {
			t.Fatalf("%s: err %T %v; want an *OutcomeUnknownError of ErrNoClientID", body, err, err)
		}
		if !oe.Answered {
			t.Errorf("%s: Answered = false; want true: the server answered", body)
		}
	}
}

// TestOutcomeUnknownGot: what a create whose outcome is unknown got back
// is said from the facts — any HTTP answer (the server's own, a
// gateway's, a body cut short) is "no usable answer"; no answer at all
// (a cut, a timeout) is one that "never came".
func TestOutcomeUnknownGot(t *testing.T) {
	cut := &TransportError{Method: "addCrmClient", Written: true, Cause: errors.New("EOF")}
	for _, tc := range []struct {
		name string
		e    *OutcomeUnknownError
		want string
	}{
		{"a 500 with the API's JSON", &OutcomeUnknownError{Cause: &TransportError{Status: 500, Written: true, Replied: true}, Answered: true}, NoUsableAnswer},
		{"a gateway's 502", &OutcomeUnknownError{Cause: &TransportError{Status: 502, Written: true}}, NoUsableAnswer},
		{"a 200 cut short", &OutcomeUnknownError{Cause: badAnswer("addCrmClient", 200, errors.New("unexpected end of JSON input"))}, NoUsableAnswer},
		{"a cut connection", &OutcomeUnknownError{Cause: cut}, "its answer never came"},
		{"a timeout, wrapped", &OutcomeUnknownError{Cause: fmt.Errorf("gave up: %w", &TransportError{Written: true, NoAnswer: true})}, "its answer never came"},
		{"not an OutcomeUnknownError", nil, NoUsableAnswer},
	} {
		if got := tc.e.Got(); got != tc.want {
			t.Errorf("%s: Got() = %q, want %q", tc.name, got, tc.want)
		}
	}
}
