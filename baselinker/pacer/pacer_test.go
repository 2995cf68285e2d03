package pacer

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// hammerCfg describes one simulated run of many goroutines calling Wait.
type hammerCfg struct {
	workers  int
	duration time.Duration
	// work, if set, is how long a worker's request takes after its start.
	work func(r *rand.Rand) time.Duration
	// idleFrom/idleTo: workers do not call Wait in this span of the run.
	idleFrom, idleTo time.Duration
	// at runs hooks at given offsets of fake time (e.g. Blocked).
	at map[time.Duration]func()
}

// hammer runs cfg against l on fc and returns every start time.
func hammer(t *testing.T, l *Limiter, fc *fakeClock, cfg hammerCfg) []time.Time {
	t.Helper()
	t0 := fc.Now()
	until := t0.Add(cfg.duration)
	var (
		mu     sync.Mutex
		starts []time.Time
		live   atomic.Int64
		wg     sync.WaitGroup
	)
	sleep := func(d time.Duration) {
		if d > 0 {
			<-fc.NewTimer(d).C()
		}
	}
	live.Store(int64(cfg.workers))
	for w := range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer live.Add(-1)
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				now := fc.Now()
				if off := now.Sub(t0); cfg.idleTo > 0 && off >= cfg.idleFrom && off < cfg.idleTo {
					sleep(cfg.idleTo - off)
					continue
				}
				if err := l.Wait(context.Background()); err != nil {
					t.Errorf("Wait: %v", err)
					return
				}
				now = fc.Now()
				if !now.Before(until) {
					return
				}
				mu.Lock()
				starts = append(starts, now)
				mu.Unlock()
				if cfg.work != nil {
					sleep(cfg.work(r))
				}
				l.Answered() // the request's answer came (not a block), as the API client says
			}
		}()
	}
	hooks := make(map[time.Duration]func(), len(cfg.at))
	for k, v := range cfg.at {
		hooks[k] = v
	}
	for live.Load() > 0 {
		// Wait until every live worker sleeps on a fake timer.
		deadline := time.Now().Add(10 * time.Second)
		for int64(fc.Waiters()) != live.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("workers never settled: %d timers, %d live", fc.Waiters(), live.Load())
			}
			time.Sleep(10 * time.Microsecond)
		}
		if live.Load() == 0 {
			break
		}
		next, ok := fc.Next()
		if !ok {
			t.Fatal("no pending timer but live workers")
		}
		// Run the earliest hook due before next, at its own time.
		var hookAt time.Duration = -1
		for off := range hooks {
			if !t0.Add(off).After(next) && (hookAt < 0 || off < hookAt) {
				hookAt = off
			}
		}
		if hookAt >= 0 {
			fc.AdvanceTo(t0.Add(hookAt))
			hooks[hookAt]()
			delete(hooks, hookAt)
			continue
		}
		fc.AdvanceTo(next)
	}
	wg.Wait()
	return starts
}

func TestWindowNeverExceeded(t *testing.T) {
	const window, margin = 60 * time.Second, 250 * time.Millisecond
	reqTime := func(r *rand.Rand) time.Duration { return time.Duration(50+r.IntN(1500)) * time.Millisecond }
	tests := []struct {
		name    string
		limit   int
		cfg     hammerCfg
		blocked bool
	}{
		{name: "burst workers 100/min", limit: 100, cfg: hammerCfg{workers: 60, duration: 200 * time.Second}},
		{name: "slow requests 100/min", limit: 100, cfg: hammerCfg{workers: 50, duration: 200 * time.Second, work: reqTime}},
		{name: "small limit many workers", limit: 7, cfg: hammerCfg{workers: 64, duration: 190 * time.Second, work: reqTime}},
		{name: "idle pause then burst", limit: 100, cfg: hammerCfg{workers: 50, duration: 240 * time.Second, work: reqTime,
			idleFrom: 70 * time.Second, idleTo: 100 * time.Second}},
		{name: "blocked mid-run", limit: 100, blocked: true, cfg: hammerCfg{workers: 50, duration: 300 * time.Second, work: reqTime}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeClock()
			l := New(tc.limit, WithClock(fc), WithBlockBackoff(20*time.Second, time.Minute), WithRand(rand.New(rand.NewPCG(1, 2))))
			var pauseFrom, pauseTo time.Time
			if tc.blocked {
				tc.cfg.at = map[time.Duration]func(){90 * time.Second: func() {
					l.Blocked(time.Time{})
					pauseFrom, pauseTo = fc.Now(), l.Stats().PausedUntil
				}}
			}
			starts := hammer(t, l, fc, tc.cfg)
			if len(starts) < tc.limit {
				t.Fatalf("only %d starts", len(starts))
			}
			for _, w := range []time.Duration{window, window + margin} {
				if n, at := maxInWindow(starts, w); n > tc.limit {
					t.Errorf("%d starts in the %v window from %v, limit %d", n, w, at.Sub(starts[0]), tc.limit)
				}
			}
			if tc.blocked {
				if pauseTo.Sub(pauseFrom) < 20*time.Second {
					t.Fatalf("pause %v, want >= 20s", pauseTo.Sub(pauseFrom))
				}
				var during, after int
				for _, s := range starts {
					if !s.Before(pauseFrom) && s.Before(pauseTo) {
						during++
					}
					if !s.Before(pauseTo) && s.Before(pauseTo.Add(window)) {
						after++
					}
				}
				if during != 0 {
					t.Errorf("%d starts during the block pause", during)
				}
				if after > tc.limit/2 || after < tc.limit/2-1 {
					t.Errorf("%d starts in the window after the pause, want about %d (reduced)", after, tc.limit/2)
				}
				t.Logf("block: pause %v, %d starts in the first window after it", pauseTo.Sub(pauseFrom), after)
			}
		})
	}
}

func TestEfficiency(t *testing.T) {
	tests := []struct {
		name string
		work func(r *rand.Rand) time.Duration
	}{
		{name: "instant requests"},
		{name: "requests of 0.05–1.5 s", work: func(r *rand.Rand) time.Duration { return time.Duration(50+r.IntN(1450)) * time.Millisecond }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const limit, minutes = 100, 3
			fc := newFakeClock()
			l := New(limit, WithClock(fc))
			starts := hammer(t, l, fc, hammerCfg{workers: 50, duration: minutes * time.Minute, work: tc.work})
			eff := float64(len(starts)) / float64(limit*minutes)
			t.Logf("efficiency over %d fake minutes, 50 goroutines, limit %d/min: %d starts = %.4f", minutes, limit, len(starts), eff)
			if eff < 0.98 {
				t.Errorf("efficiency %.4f < 0.98", eff)
			}
			if n, _ := maxInWindow(starts, time.Minute); n > limit {
				t.Errorf("%d starts in one window", n)
			}
		})
	}
}

// TestRealClockSynctest drives the real clock inside a synctest bubble, so
// the default clock path is checked with the same guarantee.
func TestRealClockSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 100
		l := New(limit)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var mu sync.Mutex
		var starts []time.Time
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				for l.Wait(ctx) == nil {
					mu.Lock()
					starts = append(starts, time.Now())
					mu.Unlock()
					time.Sleep(200 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if n, _ := maxInWindow(starts, time.Minute); n > limit {
			t.Errorf("%d starts in one window", n)
		}
		if len(starts) < 3*limit*98/100 {
			t.Errorf("%d starts in 3 minutes, want >= %d", len(starts), 3*limit*98/100)
		}
		st := l.Stats()
		if st.Starts != int64(len(starts)) {
			t.Errorf("Stats.Starts = %d, want %d", st.Starts, len(starts))
		}
	})
}

func TestCancelledWaiterTakesNoSlot(t *testing.T) {
	fc := newFakeClock()
	l := New(3, WithClock(fc), WithWindow(10*time.Second), WithMargin(0))
	ctx := context.Background()
	for range 3 {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	errs := make(chan error, 20)
	for range 20 {
		go func() { errs <- l.Wait(cctx) }()
	}
	fc.BlockUntil(t, 20)
	cancel()
	for range 20 {
		err := <-errs
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Wait = %v, want context.Canceled", err)
		}
	}
	if fc.Waiters() != 0 {
		t.Fatalf("%d timers left behind", fc.Waiters())
	}
	fc.Advance(10 * time.Second)
	for i := range 3 {
		done := make(chan error, 1)
		go func() { done <- l.Wait(ctx) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("start %d after the window was not granted at once: a cancelled waiter took a slot", i+1)
		}
	}
	if got := l.Stats().Starts; got != 6 {
		t.Errorf("Starts = %d, want 6", got)
	}
	// An already-cancelled context never waits.
	if err := l.Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(cancelled) = %v", err)
	}
}

func TestBlockedPausesAllThenRecovers(t *testing.T) {
	fc := newFakeClock()
	const limit = 10
	window := 10 * time.Second
	l := New(limit, WithClock(fc), WithWindow(window), WithMargin(0),
		WithBlockBackoff(4*time.Second, 30*time.Second), WithRecovery(window, 2),
		WithRand(rand.New(rand.NewPCG(3, 4))))
	ctx := context.Background()
	for range 4 {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	l.Blocked(time.Time{})
	st := l.Stats()
	pause := st.PausedUntil.Sub(fc.Now())
	if pause < 4*time.Second || pause > 5*time.Second {
		t.Fatalf("first pause %v, want 4s..5s (25%% jitter)", pause)
	}
	if st.Limit != limit/2 || st.Blocks != 1 {
		t.Fatalf("after block: limit %d blocks %d, want %d, 1", st.Limit, st.Blocks, limit/2)
	}
	l.Blocked(time.Time{}) // same block reported by another in-flight request
	if got := l.Stats(); got.Blocks != 1 || !got.PausedUntil.Equal(st.PausedUntil) {
		t.Fatalf("a second report during the pause changed it: %+v", got)
	}

	// 12 waiters: none may start before the pause ends, although slots are free.
	var granted atomic.Int64
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range 12 {
		go func() {
			if l.Wait(wctx) == nil {
				granted.Add(1)
			}
		}()
	}
	fc.BlockUntil(t, 12)
	fc.AdvanceTo(st.PausedUntil.Add(-time.Millisecond))
	fc.BlockUntil(t, 12)
	if g := granted.Load(); g != 0 {
		t.Fatalf("%d waiters started during the pause", g)
	}
	fc.AdvanceTo(st.PausedUntil)
	// The 4 old starts are still in the window; at the reduced limit 5,
	// only one more start fits now.
	fc.BlockUntil(t, 11)
	for deadline := time.Now().Add(5 * time.Second); granted.Load() < 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if g := granted.Load(); g != 1 {
		t.Fatalf("%d started right after the pause, want 1 (reduced limit 5, 4 in window)", g)
	}
	if got := l.ETA(1); got <= 0 {
		t.Errorf("ETA(1) = %v with a full reduced window", got)
	}

	// A block during recovery counts as consecutive: the pause doubles.
	l.Blocked(time.Time{})
	st2 := l.Stats()
	pause2 := st2.PausedUntil.Sub(fc.Now())
	if pause2 < 8*time.Second || pause2 > 10*time.Second {
		t.Fatalf("second pause %v, want 8s..10s", pause2)
	}
	if st2.Limit != 2 {
		t.Fatalf("limit after second block %d, want 2", st2.Limit)
	}
	// Recovery: +2 every window until 10.
	wants := []int{2, 4, 6, 8, 10, 10}
	for i, want := range wants {
		at := st2.PausedUntil.Add(time.Duration(i) * window)
		fc.AdvanceTo(at)
		if got := l.Stats().Limit; got != want {
			t.Errorf("limit %v after the pause = %d, want %d", time.Duration(i)*window, got, want)
		}
	}
	// Back at full limit, a new block is a first block again.
	fc.Advance(time.Minute)
	l.Blocked(time.Time{})
	if p := l.Stats().PausedUntil.Sub(fc.Now()); p < 4*time.Second || p > 5*time.Second {
		t.Errorf("pause after full recovery %v, want 4s..5s", p)
	}
}

func TestBlockBackoffCapped(t *testing.T) {
	fc := newFakeClock()
	l := New(100, WithClock(fc), WithBlockBackoff(time.Second, 5*time.Second))
	var last time.Duration
	for range 8 {
		l.Blocked(time.Time{})
		last = l.Stats().PausedUntil.Sub(fc.Now())
		if last > 5*time.Second {
			t.Fatalf("pause %v above max", last)
		}
		fc.AdvanceTo(l.Stats().PausedUntil)
	}
	if last < 5*time.Second {
		t.Errorf("after 8 consecutive blocks pause = %v, want the max 5s", last)
	}
	if l.Stats().Limit != 1 {
		t.Errorf("limit after 8 halvings = %d, want 1", l.Stats().Limit)
	}
}

func TestETA(t *testing.T) {
	const w, m = time.Minute, 250 * time.Millisecond
	tests := []struct {
		name  string
		prior int // starts already made at t=0
		n     int
		want  time.Duration
	}{
		{"nothing", 0, 0, 0},
		{"one burst", 0, 100, 0},
		{"one more than a burst", 0, 101, w + m},
		{"two and a half windows", 0, 250, 2 * (w + m)},
		{"window already used", 100, 1, w + m},
		{"half used", 50, 50, 0},
		{"half used, one more", 50, 51, w + m},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeClock()
			l := New(100, WithClock(fc))
			for range tc.prior {
				if err := l.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if got := l.ETA(tc.n); got != tc.want {
				t.Errorf("ETA(%d) = %v, want %v", tc.n, got, tc.want)
			}
		})
	}
	fc := newFakeClock()
	l := New(100, WithClock(fc), WithBlockBackoff(30*time.Second, 30*time.Second))
	l.Blocked(time.Time{})
	if got := l.ETA(1); got != 30*time.Second {
		t.Errorf("ETA during a 30s pause = %v", got)
	}
	if got := l.ETA(51); got != 30*time.Second+w+m {
		t.Errorf("ETA(51) at reduced limit 50 = %v, want %v", got, 30*time.Second+w+m)
	}
}

func TestNewDefaults(t *testing.T) {
	l := New(0)
	if l.Limit() != 1 || l.Window() != DefaultWindow {
		t.Errorf("New(0): limit %d window %v", l.Limit(), l.Window())
	}
	if got := New(100).Stats().Limit; got != 100 {
		t.Errorf("effective limit %d", got)
	}
}

// TestBlockedUntilIsExact: no waiter starts before a block's stated end (+
// UntilMargin), every waiter included; a later end lengthens the block, an
// earlier one changes nothing; after it the limiter resumes at half.
func TestBlockedUntilIsExact(t *testing.T) {
	fc := newFakeClock()
	const limit = 10
	l := New(limit, WithClock(fc), WithWindow(10*time.Second), WithMargin(0))
	end := fc.Now().Add(10 * time.Minute)
	if got, started := l.Blocked(end); !started || !got.Equal(end.Add(UntilMargin)) {
		t.Fatalf("Blocked = %v, %v; want %v, true", got, started, end.Add(UntilMargin))
	}
	if _, started := l.Blocked(end.Add(-time.Minute)); started || !l.Stats().PausedUntil.Equal(end.Add(UntilMargin)) {
		t.Fatal("an earlier end changed the block")
	}
	later := end.Add(2 * time.Minute) // another run's request restarted the block
	if _, started := l.Blocked(later); started || !l.Stats().PausedUntil.Equal(later.Add(UntilMargin)) || l.Stats().Blocks != 1 {
		t.Fatalf("a later end of the same block: %+v", l.Stats())
	}
	var granted atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 8 {
		go func() {
			if l.Wait(ctx) == nil {
				granted.Add(1)
			}
		}()
	}
	fc.BlockUntil(t, 8)
	fc.AdvanceTo(later.Add(UntilMargin - time.Millisecond))
	fc.BlockUntil(t, 8)
	if g := granted.Load(); g != 0 {
		t.Fatalf("%d waiters started before the block's end", g)
	}
	fc.AdvanceTo(later.Add(UntilMargin))
	for deadline := time.Now().Add(5 * time.Second); granted.Load() < limit/2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if g, lim := granted.Load(), l.Stats().Limit; g != limit/2 || lim != limit/2 {
		t.Errorf("after the block: %d started, limit %d; want %d at the halved limit", g, lim, limit/2)
	}
	// The end is said once, whoever asks first.
	said := 0
	for range 8 {
		if now, full, ok := l.Answered(); ok {
			said++
			if now != limit/2 || full != limit {
				t.Errorf("Answered = %d, %d; want %d, %d", now, full, limit/2, limit)
			}
		}
	}
	if said != 1 {
		t.Errorf("the block's end was said %d times, want once", said)
	}
}

// TestProbeAfterAGuessedBlock: after a block whose end the server did not
// state, one request goes first; the others start only once it is answered.
func TestProbeAfterAGuessedBlock(t *testing.T) {
	fc := newFakeClock()
	l := New(100, WithClock(fc), WithWindow(10*time.Second), WithMargin(0), WithBlockBackoff(time.Second, time.Second))
	until, _ := l.Blocked(time.Time{})
	var granted atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 5 {
		go func() {
			if l.Wait(ctx) == nil {
				granted.Add(1)
			}
		}()
	}
	fc.BlockUntil(t, 5)
	fc.AdvanceTo(until)
	for deadline := time.Now().Add(5 * time.Second); granted.Load() < 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	fc.Advance(time.Second) // time passes; the probe has no answer yet
	time.Sleep(20 * time.Millisecond)
	if g := granted.Load(); g != 1 {
		t.Fatalf("%d started before the probe was answered, want 1", g)
	}
	l.Answered()
	for deadline := time.Now().Add(5 * time.Second); granted.Load() < 5 && time.Now().Before(deadline); {
		fc.Advance(probePoll)
		time.Sleep(time.Millisecond)
	}
	if g := granted.Load(); g != 5 {
		t.Errorf("%d started after the probe's answer, want 5", g)
	}
}

// TestMaxWait: once the blocks would add up to more than the bound, every
// wait returns ErrWaitedTooLong at once.
func TestMaxWait(t *testing.T) {
	fc := newFakeClock()
	l := New(100, WithClock(fc), WithMaxWait(90*time.Second))
	l.Blocked(fc.Now().Add(time.Minute))
	fc.Advance(time.Minute + UntilMargin)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatalf("after a 1 min block with 90 s allowed: %v", err)
	}
	l.Blocked(fc.Now().Add(time.Minute)) // 2 min in all
	if err := l.Wait(context.Background()); !errors.Is(err, ErrWaitedTooLong) {
		t.Fatalf("after 2 min of blocks with 90 s allowed: %v, want ErrWaitedTooLong", err)
	}
}

// TestWaiting: the progress line's words for a block, a full window and a
// free slot.
func TestWaiting(t *testing.T) {
	fc := newFakeClock()
	l := New(2, WithClock(fc), WithWindow(10*time.Second), WithMargin(0))
	if w := l.Waiting(); w != "" {
		t.Errorf("a free limiter waits for %q", w)
	}
	_ = l.Wait(context.Background())
	_ = l.Wait(context.Background())
	if w := l.Waiting(); w != "waiting for the limit: next request in 10s (2/10s)" {
		t.Errorf("a full window: %q", w)
	}
	end := fc.Now().Add(8 * time.Minute)
	l.Blocked(end)
	if w, want := l.Waiting(), "blocked until "+end.Add(UntilMargin).Format("15:04:05")+" (8m1s left)"; w != want {
		t.Errorf("a block: %q, want %q", w, want)
	}
}

// TestSilenceCountsTowardMaxWait: the API's silence — from the first
// request that failed without an answer since the last answer — counts
// toward --max-wait as wall time, on the fake clock: workers failing at
// once count it once, an answer ends it, and a run silent for the whole
// bound gives up, its Budget shrinking to nothing on the way.
func TestSilenceCountsTowardMaxWait(t *testing.T) {
	type step struct {
		advance time.Duration
		fail    time.Duration // > 0: a request failed after this long
		heard   bool
		left    time.Duration // Budget after the step
		gaveUp  bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{name: "one silent request, then an answer: the budget comes back", steps: []step{
			{advance: 10 * time.Second, fail: 10 * time.Second, left: 50 * time.Second},
			{heard: true, left: time.Minute},
		}},
		{name: "eight workers failing at once count the silence once", steps: []step{
			{advance: 10 * time.Second, fail: 10 * time.Second, left: 50 * time.Second},
			{fail: 9 * time.Second, left: 50 * time.Second},
			{fail: 10 * time.Second, left: 50 * time.Second},
			{advance: 20 * time.Second, left: 30 * time.Second}, // still silent: the time goes on counting
		}},
		{name: "a fault now and then over a long run never adds up", steps: []step{
			{advance: 40 * time.Second, fail: 40 * time.Second, left: 20 * time.Second},
			{heard: true, left: time.Minute},
			{advance: time.Hour, fail: 40 * time.Second, left: 20 * time.Second},
			{heard: true, left: time.Minute},
		}},
		{name: "silent for the whole bound: gave up, for good", steps: []step{
			{advance: 30 * time.Second, fail: 30 * time.Second, left: 30 * time.Second},
			{advance: 30 * time.Second, fail: 30 * time.Second, gaveUp: true},
			{heard: true, gaveUp: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeClock()
			l := New(100, WithClock(fc), WithMaxWait(time.Minute))
			for i, s := range tc.steps {
				fc.Advance(s.advance)
				if s.fail > 0 {
					l.Failing(s.fail)
				}
				if s.heard {
					l.Heard()
				}
				left, bounded := l.Budget()
				err := l.Wait(context.Background())
				if !bounded || left != s.left || errors.Is(err, ErrWaitedTooLong) != s.gaveUp {
					t.Fatalf("step %d: budget %s (bounded %v), Wait %v; want %s, gave up %v", i+1, left, bounded, err, s.left, s.gaveUp)
				}
			}
		})
	}
}
