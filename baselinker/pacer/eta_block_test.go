package pacer

import (
	"context"
	"testing"
	"time"
)

// heldShared is a shared window whose Take waits until release closes:
// another run holds the window's file lock.
type heldShared struct{ release chan struct{} }

func (s heldShared) Take(ctx context.Context, now time.Time, _ int, _ time.Duration) (time.Time, bool, bool, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	return now, true, false, nil
}

func (heldShared) Pause(context.Context, time.Time, time.Time) error { return nil }

// TestETADoesNotWaitForAnotherRun: while a request waits for the shared
// window another run holds, ETA answers at once with 0 (unknown) instead of
// waiting for the limiter too — a progress line that asks for the ETA
// would otherwise not say the wait at all. Free again, it has an answer.
func TestETADoesNotWaitForAnotherRun(t *testing.T) {
	s := heldShared{make(chan struct{})}
	l := New(100, WithShared(s, func(error) {}))
	waited := make(chan error, 1)
	go func() { waited <- l.Wait(context.Background()) }()
	time.Sleep(100 * time.Millisecond) // the request now holds the limiter, in Take
	got := make(chan time.Duration, 1)
	go func() { got <- l.ETA(500) }()
	select {
	case d := <-got:
		if d != 0 {
			t.Errorf("ETA = %v while the limiter is held, want 0 (unknown)", d)
		}
	case <-time.After(2 * time.Second):
		close(s.release)
		t.Fatal("ETA waits while a request waits for another run's window")
	}
	close(s.release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if d := l.ETA(500); d <= 0 {
		t.Errorf("ETA = %v once the limiter is free, want the time 500 more starts take", d)
	}
}
