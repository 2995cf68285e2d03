package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
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

// highest is a random source whose every draw is the largest: a full
// jitter Backoff then pauses its whole cap (Backoff.Cap), every time.
type highest struct{}

func (highest) Uint64() uint64 { return math.MaxUint64 }

// TestCreateAnsweredResendsAfterThePause: a create answered HTTP 500 with
// the API's JSON (an answer: nothing can land later, so no
// --request-timeout wait) that a look-up proved was not made goes again
// only after the API client's own retry pause (its Backoff), counted from
// the send — it went again at once, five sends in a few ms against a
// struggling server. A pause that would pass --max-wait (the second, 300
// ms, here; the client refuses a first one itself) is not sat out (the
// row is not sent again, the run stops as for any wait past it), and
// an interrupt during the pause sends nothing more.
func TestCreateAnsweredResendsAfterThePause(t *testing.T) {
	t.Parallel()
	backoff := pacer.Backoff{Attempts: 6, Base: 150 * time.Millisecond, Max: 300 * time.Millisecond, Rand: rand.New(highest{})}
	for _, tc := range []struct {
		name      string
		maxWait   time.Duration
		interrupt time.Duration // after the first send
		sends     int64
		status    string
		code      string
		message   string
		runErr    error
		block     time.Duration // the first look-up is answered ERROR_BLOCKED_TOKEN: every request pauses this long
	}{
		{"pauses between the sends", 0, 0, maxCreateAttempts, "failed", events.CodeOutcomeUnknown, "no usable answer 5 times", nil, 0},
		{"a pause past --max-wait", 200 * time.Millisecond, 0, 2, "skipped", CodeWaitedTooLong,
			"the create was sent but got no usable answer (", events.ErrFatal, 0},
		// The block (420 ms of the 550 --max-wait allows) outlasts the
		// first pause (150 ms), which is then not refused though it is
		// more than the 130 ms left; the second send's own retry pause
		// (150 ms) is refused by the client, which says a 500, not a refusal.
		{"a pause that passed during a blocked look-up", 550 * time.Millisecond, 0, 2, "skipped", CodeWaitedTooLong,
			"the create was sent but got no usable answer (", events.ErrFatal, 420 * time.Millisecond},
		{"interrupted in the pause", 0, 50 * time.Millisecond, 1, "skipped", events.CodeInterrupted,
			"the create was sent once and each time a look-up proved no client was made (the last time the create was sent but got no usable answer: ", events.ErrInterrupted, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 63})
			h := &answerCreates{srv: srv, status: http.StatusInternalServerError, body: `{"status":"SUCCESS"}`}
			var hh http.Handler = h
			if tc.block > 0 {
				hh = &blockFirstLookup{next: h}
			}
			ts := httptest.NewServer(hh)
			defer ts.Close()
			popts := []pacer.Option{pacer.WithMargin(time.Millisecond)}
			if tc.maxWait > 0 {
				popts = append(popts, pacer.WithMaxWait(tc.maxWait))
			}
			if tc.block > 0 { // a block of exactly tc.block: its jitter is cut at Max
				popts = append(popts, pacer.WithBlockBackoff(tc.block, tc.block), pacer.WithRand(rand.New(highest{})))
			}
			api, err := baselinker.New(ts.URL+"/connector.php", baselinker.Token(sandboxtest.DefaultToken),
				baselinker.WithLimiter(pacer.New(10000, popts...)), baselinker.WithRetry(backoff), baselinker.WithTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.interrupt > 0 {
				go func() {
					for h.creates.Load() == 0 {
						time.Sleep(time.Millisecond)
					}
					time.Sleep(tc.interrupt)
					cancel()
				}()
			}
			in := writeFile(t, t.TempDir(), "in.csv", genRows("p", 1))
			start := time.Now()
			sum, err := Run(ctx, api, in, Config{MatchBy: []string{"email"}, Workers: 1, RequestTimeout: time.Second})
			took := time.Since(start)
			if !errors.Is(err, tc.runErr) && (tc.runErr != nil || err != nil) {
				t.Fatalf("Run = %v, want %v", err, tc.runErr)
			}
			if n := h.creates.Load(); n != tc.sends || len(srv.Clients()) != 0 {
				t.Errorf("%d creates sent, %d clients; want %d sent, none made", n, len(srv.Clients()), tc.sends)
			}
			// The server sees each send a little after the client sent it:
			// half the pause proves it (without it the gap is a few ms).
			var total time.Duration
			for i, g := range h.gaps() {
				if want := backoff.Cap(i + 1); g < want/2 {
					t.Errorf("send %d went %s after the one before; want the retry pause, %s", i+2, g, want)
				}
				total += backoff.Cap(i + 1)
			}
			if bound := total + 3*time.Second; took > bound {
				t.Errorf("the run took %s; want at most its pauses (%s) and a little", took, total)
			}
			l := byRow(t, readReport(t, sum.Report))["2"]
			if l["status"] != tc.status || l["error_code"] != tc.code || !strings.Contains(l["error_message"], tc.message) {
				t.Errorf("row 2: %s %s %q; want %s %s saying %q", l["status"], l["error_code"], l["error_message"], tc.status, tc.code, tc.message)
			}
		})
	}
}

// blockFirstLookup answers the first getCrmClients after next's first
// create (the row's look-up, not the index's read) ERROR_BLOCKED_TOKEN,
// with no end stated, and passes every other request to next.
type blockFirstLookup struct {
	next    *answerCreates
	blocked atomic.Bool
}

func (b *blockFirstLookup) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, method, ok := readForm(w, r)
	if !ok {
		return
	}
	if method == "getCrmClients" && b.next.creates.Load() > 0 && b.blocked.CompareAndSwap(false, true) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ERROR","error_code":"ERROR_BLOCKED_TOKEN","error_message":"Token blocked"}`)
		return
	}
	b.next.ServeHTTP(w, r)
}

// TestNotResentSaysWhatHappened: a create a look-up proved was not made
// and that is not sent again says what it got — a gateway's 502 or a lost
// answer was "answered without a client", and a 500 whose retry pause the
// client refused was "refused for longer than --max-wait" — and a row
// interrupted or stopped before it went again says it was sent, not "not
// sent" or "not attempted".
func TestNotResentSaysWhatHappened(t *testing.T) {
	t.Parallel()
	tooLong := fmt.Errorf("a pause of 300ms more before sending it again: %w", pacer.ErrWaitedTooLong)
	gateway := &baselinker.OutcomeUnknownError{Method: "addCrmClient", Cause: &baselinker.TransportError{Status: http.StatusBadGateway, Written: true}}
	lost := &baselinker.OutcomeUnknownError{Method: "addCrmClient", Cause: &baselinker.TransportError{Written: true, NoAnswer: true}}
	refused500 := &baselinker.OutcomeUnknownError{Method: "addCrmClient", Answered: true,
		Cause: fmt.Errorf("baselinker: addCrmClient: %w; last error: %w", pacer.ErrWaitedTooLong, &baselinker.TransportError{Status: 500, Written: true, Replied: true})}
	retryAfter := &baselinker.OutcomeUnknownError{Method: "addCrmClient", Answered: true, RetryAt: time.Now().Add(time.Hour),
		Cause: fmt.Errorf("baselinker: addCrmClient: %w; last error: %w", pacer.ErrWaitedTooLong, &baselinker.TransportError{Status: 429, Written: true, RetryAfter: time.Hour})}
	for _, tc := range []struct {
		name  string
		line  func(r *run) events.Line
		code  string
		want  string
		wrong string
	}{
		{"a 502, pause refused", func(r *run) events.Line {
			return r.tooLongToResend(context.Background(), events.Line{Row: 2}, gateway, tooLong)
		},
			CodeWaitedTooLong, "the create was sent but " + baselinker.NoUsableAnswer + " (", "answered without a client"},
		{"a lost answer, pause refused", func(r *run) events.Line {
			return r.tooLongToResend(context.Background(), events.Line{Row: 2}, lost, tooLong)
		},
			CodeWaitedTooLong, "the create was sent but its answer never came (", "answered without a client"},
		{"a 500, the client's retry refused", func(r *run) events.Line {
			return r.tooLongToResend(context.Background(), events.Line{Row: 2}, refused500, refused500)
		}, CodeWaitedTooLong, "the create was sent but " + baselinker.NoUsableAnswer + " (", "refused"},
		{"a Retry-After past --max-wait", func(r *run) events.Line {
			return r.tooLongToResend(context.Background(), events.Line{Row: 2}, retryAfter, retryAfter)
		}, CodeWaitedTooLong, "sent, refused for longer than --max-wait", "no usable answer"},
		{"interrupted after two sends", func(r *run) events.Line { return r.notResent(context.Background(), events.Line{Row: 2}, 2, lost, nil) },
			events.CodeInterrupted, "the create was sent twice and each time a look-up proved no client was made (the last time the create was sent but its answer never came: ", "not sent:"},
		{"stopped after four sends", func(r *run) events.Line {
			r.halt(&baselinker.APIError{Method: "addCrmClient", Code: "ERROR_BAD_TOKEN", Message: "invalid token"}, 4)
			return r.notResent(context.Background(), events.Line{Row: 2}, 4, gateway, nil)
		}, events.CodeNotAttempted, "the create was sent 4 times and each time a look-up proved no client was made (the last time the create was sent but got no usable answer: ", "not attempted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := tc.line(&run{stop: make(chan struct{})})
			if l.Status != events.StatusSkipped || l.Code != tc.code || !strings.Contains(l.Message, tc.want) || strings.Contains(l.Message, tc.wrong) {
				t.Errorf("row 2: %s %s %q; want skipped %s saying %q, not %q", l.Status, l.Code, l.Message, tc.code, tc.want, tc.wrong)
			}
		})
	}
}
