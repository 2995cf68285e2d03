package importer

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
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
	}{
		{"pauses between the sends", 0, 0, maxCreateAttempts, "failed", events.CodeOutcomeUnknown, "no usable answer 5 times", nil},
		{"a pause past --max-wait", 200 * time.Millisecond, 0, 2, "skipped", CodeWaitedTooLong, "the pause before sending it again would pass --max-wait", events.ErrFatal},
		{"interrupted in the pause", 0, 50 * time.Millisecond, 1, "skipped", events.CodeInterrupted, "", events.ErrInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 63})
			h := &answerCreates{srv: srv, status: http.StatusInternalServerError, body: `{"status":"SUCCESS"}`}
			ts := httptest.NewServer(h)
			defer ts.Close()
			popts := []pacer.Option{pacer.WithMargin(time.Millisecond)}
			if tc.maxWait > 0 {
				popts = append(popts, pacer.WithMaxWait(tc.maxWait))
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
