package inorder

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// counter yields 0..n-1.
func counter(n int) func(context.Context) (int, bool) {
	i := -1
	return func(context.Context) (int, bool) {
		i++
		return i, i < n
	}
}

func TestMapOrderAndBound(t *testing.T) {
	tests := []struct {
		name         string
		n, ahead     int
		wantInFlight int // the most calls at once the slow calls must reach
	}{
		{"one at a time", 12, 1, 1},
		{"three in flight", 30, 3, 3},
		{"ahead below one counts as one", 5, 0, 1},
		{"more room than inputs", 4, 16, 4},
		{"no input", 0, 4, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var now, peak atomic.Int32
			do := func(_ context.Context, i int) int {
				n := now.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				// Wait (briefly) for the others Map may run beside this call.
				for end := time.Now().Add(time.Second); int(peak.Load()) < tc.wantInFlight && time.Now().Before(end); {
					time.Sleep(100 * time.Microsecond)
				}
				// Later inputs answer first: the order must come from Map.
				time.Sleep(time.Duration((tc.n-i)%4) * time.Millisecond)
				now.Add(-1)
				return i * i
			}
			var got []int
			err := Map(context.Background(), tc.ahead, counter(tc.n), do, func(i, r int) (bool, error) {
				if r != i*i {
					t.Errorf("input %d got result %d", i, r)
				}
				got = append(got, i)
				return true, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("emitted %d results, want %d", len(got), tc.n)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("result %d is input %d's: not in input order (%v)", i, v, got)
				}
			}
			if p := int(peak.Load()); p > max(tc.ahead, 1) || p < tc.wantInFlight {
				t.Errorf("at most %d calls were in flight, want %d (ahead %d)", p, tc.wantInFlight, tc.ahead)
			}
		})
	}
}

func TestMapEmitStops(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		stopAt  int
		err     error
		wantErr error
	}{
		{"error", 3, boom, boom},
		{"more=false", 3, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cancelled atomic.Int32
			later := make(chan struct{}) // the call after the stop has started
			do := func(ctx context.Context, i int) int {
				if i <= tc.stopAt {
					return i
				}
				if i == tc.stopAt+1 {
					close(later)
				}
				<-ctx.Done() // a call after the stop must be cut
				cancelled.Add(1)
				return -1
			}
			var last int
			err := Map(context.Background(), 4, counter(1000), do, func(i, _ int) (bool, error) {
				last = i
				if i == tc.stopAt {
					<-later
					return false, tc.err
				}
				return true, nil
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Map = %v, want %v", err, tc.wantErr)
			}
			if last != tc.stopAt {
				t.Errorf("last emitted %d, want %d", last, tc.stopAt)
			}
			if cancelled.Load() == 0 {
				t.Error("no call in flight saw its context cancelled")
			}
		})
	}
}

func TestMapContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// next blocks on the second input until ctx ends (a page asked only
	// once the first is known).
	i := -1
	next := func(ctx context.Context) (int, bool) {
		i++
		if i == 1 {
			cancel()
			<-ctx.Done()
		}
		return i, true
	}
	var got []int
	err := Map(ctx, 3, next, func(_ context.Context, i int) int { return i }, func(i, _ int) (bool, error) {
		got = append(got, i)
		return true, nil
	})
	if err != nil || ctx.Err() == nil {
		t.Fatalf("Map = %v, ctx.Err() = %v; want nil and cancelled", err, ctx.Err())
	}
	if len(got) != 1 || got[0] != 0 {
		t.Errorf("emitted %v, want the input taken before the end: [0]", got)
	}
}

// TestMapNextStartsAfterEmit: an input's place is held until its emit
// returns, so with ahead 1 what emit does (the last page's cancel, a
// fault) is done before the next call starts.
func TestMapNextStartsAfterEmit(t *testing.T) {
	var emitting atomic.Bool
	var overlapped atomic.Int32
	do := func(_ context.Context, i int) int {
		if emitting.Load() {
			overlapped.Add(1)
		}
		return i
	}
	err := Map(context.Background(), 1, counter(20), do, func(int, int) (bool, error) {
		emitting.Store(true)
		defer emitting.Store(false)
		time.Sleep(time.Millisecond)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := overlapped.Load(); n > 0 {
		t.Errorf("%d calls started while an emit ran, want none with ahead 1", n)
	}
}

// TestOrderedPlace: results delivered by the caller's own goroutines, last
// first, are emitted in input order; once emit fails, Reserve says no and
// Cause is emit's error.
func TestOrderedPlace(t *testing.T) {
	boom := errors.New("boom")
	var got []int
	o := New(context.Background(), 8, func(i, r int) (bool, error) {
		got = append(got, r)
		if i == 5 {
			return false, boom
		}
		return true, nil
	})
	done := make(chan error)
	go func() { done <- o.Emit() }()
	var deliver []func(int)
	for i := range 8 {
		if !o.Reserve() {
			t.Fatalf("no room for input %d of 8", i)
		}
		deliver = append(deliver, o.Place(i))
	}
	for i := 7; i >= 0; i-- {
		go deliver[i](i)
	}
	for o.Reserve() { // room comes back as results are emitted, until emit fails
		o.Place(-1)
	}
	if !errors.Is(o.Cause(), boom) {
		t.Errorf("Cause = %v, want emit's error", o.Cause())
	}
	o.Close()
	if err := <-done; !errors.Is(err, boom) {
		t.Fatalf("Emit = %v, want %v", err, boom)
	}
	if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("emitted %v, want %v", got, want)
	}
}
