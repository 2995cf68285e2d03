package baselinker

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

// TestResendAt: a caller's k-th resend goes at the send plus the client's
// own retry pause (its Backoff: full jitter under a cap doubling from
// Base). Only the part of it still to wait counts against --max-wait: a
// pause that passed during the look-up is not refused however little of
// --max-wait is left (it was: the whole pause was compared to what is
// left, and the run stopped though nothing needed waiting), and one whose
// remaining part would pass what --max-wait leaves is refused as a wait
// past --max-wait.
func TestResendAt(t *testing.T) {
	t.Parallel()
	backoff := pacer.Backoff{Attempts: 5, Base: 100 * time.Millisecond, Max: 400 * time.Millisecond}
	for _, tc := range []struct {
		name    string
		maxWait time.Duration
		k       int
		ago     time.Duration // the send went this long before the call
		highest bool          // every draw its cap
		tooLong bool
	}{
		{"first resend, no bound", 0, 1, 0, false, false},
		{"third resend, no bound", 0, 3, 0, false, false},
		{"a cap past --max-wait", 50 * time.Millisecond, 20, 0, true, true},
		{"a cap past --max-wait that passed during the look-up", 50 * time.Millisecond, 20, time.Second, true, false},
		{"a cap whose rest is past --max-wait", 50 * time.Millisecond, 20, 300 * time.Millisecond, true, true},
		{"a cap whose rest is within --max-wait", 50 * time.Millisecond, 20, 380 * time.Millisecond, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var popts []pacer.Option
			if tc.maxWait > 0 {
				popts = append(popts, pacer.WithMaxWait(tc.maxWait))
			}
			b := backoff
			if tc.highest { // every draw its cap, 400 ms
				b.Rand = rand.New(highest{})
			}
			a, _ := testAPI(t, "https://example.invalid/connector.php", WithRetry(b), WithLimiter(pacer.New(1000, popts...)))
			for range 50 { // the jitter draws anew each time
				sent := time.Now().Add(-tc.ago)
				until, err := a.ResendAt(tc.k, sent)
				if got := errors.Is(err, pacer.ErrWaitedTooLong); got != tc.tooLong {
					t.Fatalf("ResendAt(%d, %s ago) = %s after the send, %v; want a wait past --max-wait: %v", tc.k, tc.ago, until.Sub(sent), err, tc.tooLong)
				}
				if d := until.Sub(sent); d < 0 || d > backoff.Cap(tc.k) || tc.highest && d != backoff.Cap(tc.k) {
					t.Fatalf("ResendAt(%d) = %s after the send; want within the Backoff's cap %s", tc.k, d, backoff.Cap(tc.k))
				}
			}
			if until, _ := a.ResendAt(tc.k, time.Time{}); time.Until(until) < 0 && tc.highest {
				t.Errorf("ResendAt(%d, zero) = %s; want counted from now", tc.k, until)
			}
		})
	}
}

// highest is a random source whose every draw is the largest.
type highest struct{}

func (highest) Uint64() uint64 { return math.MaxUint64 }
