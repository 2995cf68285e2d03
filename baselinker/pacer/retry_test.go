package pacer

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

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

func TestSleepHonoursContext(t *testing.T) {
	b := Backoff{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Sleep(ctx, time.Hour) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Sleep = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Sleep did not return when its context ended")
	}
	if err := b.Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
}
