package pacer

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is a bounded retry policy: at most Attempts tries in all, and
// before retry k (k = 1, 2, …) a pause drawn uniformly from
// [0, min(Max, Base·2^(k-1))] ("full jitter").
type Backoff struct {
	Attempts int           // total tries, the first included; < 1 means 1
	Base     time.Duration // cap of the first pause
	Max      time.Duration // cap of any pause; 0 means no cap beyond Base·2^(k-1)
	// Rand, when set, makes the jitter deterministic (tests). A *rand.Rand is
	// not safe for concurrent use: leave it nil when the Backoff is shared;
	// nil draws from the goroutine-safe global source.
	Rand *rand.Rand
}

// DefaultBackoff returns 5 attempts, pauses capped at 0.5 s, 1 s, 2 s, 4 s
// (max 30 s).
func DefaultBackoff() Backoff {
	return Backoff{Attempts: 5, Base: 500 * time.Millisecond, Max: 30 * time.Second}
}

// Delay returns the pause before retry k (k >= 1).
func (b Backoff) Delay(k int) time.Duration {
	c := b.Cap(k)
	if c <= 0 {
		return 0
	}
	if b.Rand != nil {
		return time.Duration(b.Rand.Int64N(int64(c) + 1))
	}
	return time.Duration(rand.Int64N(int64(c) + 1))
}

// Cap returns the upper bound of the pause before retry k (k >= 1).
func (b Backoff) Cap(k int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	c := b.Base
	// Doubling stops at Max, and before it would overflow.
	for i := 1; i < k && (b.Max <= 0 || c < b.Max) && c <= time.Duration(1<<62)/2; i++ {
		c *= 2
	}
	if b.Max > 0 {
		c = min(c, b.Max)
	}
	return c
}

// Sleep pauses for d, or until ctx ends (then it returns an
// error wrapping ctx.Err()).
func (b Backoff) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
