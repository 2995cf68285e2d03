package baselinker

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

// TestResendPause: the pause before a caller's k-th resend is the client's
// own retry pause (its Backoff: full jitter under a cap doubling from
// Base), and is refused as a wait past --max-wait when it would pass what
// that leaves.
func TestResendPause(t *testing.T) {
	t.Parallel()
	backoff := pacer.Backoff{Attempts: 5, Base: 100 * time.Millisecond, Max: 400 * time.Millisecond}
	for _, tc := range []struct {
		name    string
		maxWait time.Duration
		k       int
		tooLong bool
	}{
		{"first resend, no bound", 0, 1, false},
		{"third resend, no bound", 0, 3, false},
		{"a cap past --max-wait", 50 * time.Millisecond, 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var popts []pacer.Option
			if tc.maxWait > 0 {
				popts = append(popts, pacer.WithMaxWait(tc.maxWait))
			}
			b := backoff
			if tc.tooLong { // every draw its cap, 400 ms: past the 50 ms --max-wait leaves
				b.Rand = rand.New(highest{})
			}
			a, _ := testAPI(t, "https://example.invalid/connector.php", WithRetry(b), WithLimiter(pacer.New(1000, popts...)))
			for range 50 { // the jitter draws anew each time
				d, err := a.ResendPause(tc.k)
				if got := errors.Is(err, pacer.ErrWaitedTooLong); got != tc.tooLong {
					t.Fatalf("ResendPause(%d) = %s, %v; want a wait past --max-wait: %v", tc.k, d, err, tc.tooLong)
				}
				if tc.tooLong {
					return
				}
				if d < 0 || d > backoff.Cap(tc.k) {
					t.Fatalf("ResendPause(%d) = %s; want within the Backoff's cap %s", tc.k, d, backoff.Cap(tc.k))
				}
			}
		})
	}
}

// highest is a random source whose every draw is the largest.
type highest struct{}

func (highest) Uint64() uint64 { return math.MaxUint64 }
