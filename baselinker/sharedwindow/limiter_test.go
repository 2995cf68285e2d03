package sharedwindow_test

import (
	"context"
	"errors"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/internal/flock"
)

// TestTwoLimitersShareOneWindow: two limiters — two crmbulk processes on
// one token — whose windows are shared through one state file never start
// more than the limit together in any window, and together still use it.
func TestTwoLimitersShareOneWindow(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		const limit = 100
		var mu sync.Mutex
		var starts []time.Time
		var wg sync.WaitGroup
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		for range 2 {
			s, err := sharedwindow.Open(dir, "a-token-of-realistic-length-0123456789", nil)
			if err != nil {
				t.Fatal(err)
			}
			l := pacer.New(limit, pacer.WithShared(s, func(err error) { t.Errorf("shared window failed: %v", err) }))
			for range 25 {
				wg.Go(func() {
					for l.Wait(ctx) == nil {
						mu.Lock()
						starts = append(starts, time.Now())
						mu.Unlock()
						time.Sleep(200 * time.Millisecond)
					}
				})
			}
		}
		wg.Wait()
		if n := maxInWindow(starts, time.Minute); n > limit {
			t.Errorf("%d starts of the two runs in one window, limit %d", n, limit)
		}
		if len(starts) < 3*limit*97/100 {
			t.Errorf("%d starts in 3 minutes together, want >= %d", len(starts), 3*limit*97/100)
		}
	})
}

// TestBlockStopsTheOtherRun: a block one limiter meets stops the other
// until its end.
func TestBlockStopsTheOtherRun(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		open := func() *pacer.Limiter {
			s, err := sharedwindow.Open(dir, "a-token-of-realistic-length-0123456789", nil)
			if err != nil {
				t.Fatal(err)
			}
			return pacer.New(100, pacer.WithShared(s, nil), pacer.WithBlockBackoff(time.Minute, time.Minute))
		}
		a, b := open(), open()
		start := time.Now()
		a.Blocked(time.Time{})
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < time.Minute {
			t.Errorf("the other run started %v after the block, before its end (1 min)", waited)
		}
	})
}

func maxInWindow(ts []time.Time, w time.Duration) int {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// TestSharedWaitsHonourMaxWaitAndContext: a run never hangs on the shared
// window. Another run's block that would take this one past --max-wait
// ends it at once (ErrWaitedTooLong) and is said as a block; a lock another
// process holds is waited for only until the context ends.
func TestSharedWaitsHonourMaxWaitAndContext(t *testing.T) {
	const tok = "a-token-of-realistic-length-0123456789"
	dir := t.TempDir()
	s, err := sharedwindow.Open(dir, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(context.Background(), time.Now(), time.Now().Add(50*time.Minute)); err != nil {
		t.Fatal(err)
	}
	l := pacer.New(100, pacer.WithShared(s, func(err error) { t.Errorf("shared window failed: %v", err) }), pacer.WithMaxWait(time.Minute))
	start := time.Now()
	if err := l.Wait(context.Background()); !errors.Is(err, pacer.ErrWaitedTooLong) || time.Since(start) > time.Second {
		t.Fatalf("another run's 50-minute block under --max-wait 1m: %v after %s", err, time.Since(start))
	}
	if w := l.Waiting(); !strings.Contains(w, "blocked until") {
		t.Errorf("Waiting() = %q, want the block said", w)
	}

	s2, err := sharedwindow.Open(t.TempDir(), tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	holdLock(t, s2)
	l2 := pacer.New(100, pacer.WithShared(s2, func(err error) { t.Errorf("shared window dropped: %v", err) }))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := l2.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("Wait under a held lock: %v after %s, want the context's end", err, time.Since(start))
	}
}

// TestLockWaitIsSaid: a run that waits for another process's lock on the
// shared window says so — once in the log after a second, naming the
// window file and that Ctrl-C and --max-wait bound it, and on the progress
// line (Waiting) with how long it has waited — and stops at its context's end.
func TestLockWaitIsSaid(t *testing.T) {
	const tok = "a-token-of-realistic-length-0123456789"
	var mu sync.Mutex
	var warned []string
	s, err := sharedwindow.Open(t.TempDir(), tok, func(msg string) { mu.Lock(); warned = append(warned, msg); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	holdLock(t, s)
	l := pacer.New(100, pacer.WithShared(s, func(err error) { t.Errorf("shared window dropped: %v", err) }))
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx) }()
	var said string
	for said == "" {
		select {
		case err := <-done:
			t.Fatalf("Wait under a held lock ended (%v) before its wait was said", err)
		case <-time.After(100 * time.Millisecond):
			if w := l.Waiting(); strings.HasPrefix(w, "waiting for another run's lock: ") && strings.Contains(w, "s so far (the shared request window)") {
				said = w
			}
		}
	}
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait under a held lock: %v, want the context's end", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "waiting for another run's lock on the shared request window " + s.Path() + " (held for 1s so far; Ctrl-C stops, --max-wait bounds the wait)"
	if len(warned) != 1 || warned[0] != want {
		t.Errorf("warned %q, want once %q", warned, want)
	}
	t.Logf("the progress line said %q", said)
}

// holdLock writes the store's file and holds its lock, as another process
// would, until the test ends.
func holdLock(t *testing.T, s *sharedwindow.Store) {
	t.Helper()
	if _, _, _, err := s.Take(context.Background(), time.Now(), 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(s.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	unlock, err := flock.Lock(f, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unlock() })
}
