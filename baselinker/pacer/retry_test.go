package pacer

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

var errTry = errors.New("try failed")

func TestRetryAttempts(t *testing.T) {
	tests := []struct {
		name      string
		attempts  int
		failUntil int  // fn fails on attempts < failUntil
		retry     bool // what fn says about its failures
		wantCalls int
		wantErr   bool
	}{
		{name: "first try ok", attempts: 5, failUntil: 1, retry: true, wantCalls: 1},
		{name: "ok on third", attempts: 5, failUntil: 3, retry: true, wantCalls: 3},
		{name: "ok on last", attempts: 5, failUntil: 5, retry: true, wantCalls: 5},
		{name: "always fails", attempts: 5, failUntil: 99, retry: true, wantCalls: 5, wantErr: true},
		{name: "not retryable", attempts: 5, failUntil: 99, retry: false, wantCalls: 1, wantErr: true},
		{name: "zero attempts means one", attempts: 0, failUntil: 99, retry: true, wantCalls: 1, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := Backoff{Attempts: tc.attempts, Base: time.Microsecond, Max: 10 * time.Microsecond, Rand: rand.New(rand.NewPCG(1, 1))}
			calls := 0
			err := Retry(context.Background(), b, func(_ context.Context, attempt int) (bool, error) {
				calls++
				if attempt != calls {
					t.Errorf("attempt %d on call %d", attempt, calls)
				}
				if attempt < tc.failUntil {
					return tc.retry, errTry
				}
				return false, nil
			})
			if calls != tc.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tc.wantCalls)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, errTry) {
				t.Errorf("err %v does not wrap fn's error", err)
			}
		})
	}
}

func TestRetryHonoursContext(t *testing.T) {
	fc := newFakeClock()
	b := Backoff{Attempts: 5, Base: time.Hour, Max: time.Hour, Clock: fc, Rand: rand.New(rand.NewPCG(9, 9))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	calls := 0
	go func() {
		done <- Retry(ctx, b, func(context.Context, int) (bool, error) {
			calls++
			return true, errTry
		})
	}()
	fc.BlockUntil(t, 1) // sleeping before the second try
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errTry) {
			t.Errorf("err = %v, want both context.Canceled and the last error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Retry did not return after cancel")
	}
	if calls != 1 {
		t.Errorf("calls = %d, want 1", calls)
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second, Rand: rand.New(rand.NewPCG(5, 6))}
	caps := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, c := range caps {
		k := i + 1
		if got := b.Cap(k); got != c*time.Millisecond {
			t.Errorf("Cap(%d) = %v, want %v", k, got, c*time.Millisecond)
		}
		var lo, hi time.Duration = time.Hour, 0
		for range 2000 {
			d := b.Delay(k)
			if d < 0 || d > b.Cap(k) {
				t.Fatalf("Delay(%d) = %v outside [0, %v]", k, d, b.Cap(k))
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Full jitter: the draws spread over the whole range.
		if lo > b.Cap(k)/10 || hi < b.Cap(k)*9/10 {
			t.Errorf("Delay(%d) spans [%v, %v], want about [0, %v]", k, lo, hi, b.Cap(k))
		}
	}
	// Same seed, same sequence.
	x := Backoff{Base: time.Second, Rand: rand.New(rand.NewPCG(42, 42))}
	y := Backoff{Base: time.Second, Rand: rand.New(rand.NewPCG(42, 42))}
	for k := 1; k < 20; k++ {
		if a, b := x.Delay(k), y.Delay(k); a != b {
			t.Fatalf("seeded Delay(%d) differ: %v vs %v", k, a, b)
		}
	}
	if got := (Backoff{}).Delay(3); got != 0 {
		t.Errorf("zero Backoff delay = %v", got)
	}
	if got := (Backoff{Base: time.Hour}).Cap(200); got <= 0 {
		t.Errorf("Cap overflowed: %v", got)
	}
}
