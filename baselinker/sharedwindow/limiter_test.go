package sharedwindow_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
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
		a.Blocked()
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
