// Package pacer paces and retries calls to a rate-limited API, in the spirit
// of rclone's lib/pacer. It has one job: never let more than limit requests
// start in any sliding window (60 s by default), across all goroutines, while
// losing as little throughput as possible, and to back off — every caller at
// once — when the server says the limit was crossed anyway.
//
// The Limiter keeps a sliding-window log: a ring of the last limit start
// times. A new start is allowed when the start limit places back lies at
// least window+margin in the past. A full burst of limit starts at t=0 is
// therefore fine; after it, one start is let through per freed slot. A token
// bucket with a burst would allow about twice the limit in the first window;
// this design never does, after an idle pause or a block included.
//
// The window can also be shared (WithShared) with every other process that
// uses the same token: a Shared store sees each start the local window
// allows and may refuse it because other runs used the window, or because
// one of them met a block. The Limiter's own ring still bounds this
// process; the store bounds all of them together.
//
// Backoff gives the pauses of bounded retries: exponential with full
// jitter.
package pacer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the limiter's source of time. The real clock is the default; a
// fake clock lets tests run minutes of traffic in milliseconds.
type Clock interface {
	Now() time.Time
	// TimerAt returns a timer that sends on C once the clock reaches t.
	// The time is absolute because a clock that skips the time it is asked
	// to wait needs it: several waiters of one block end ask for the same
	// deadline, and must move such a clock once, not once each.
	TimerAt(t time.Time) Timer
}

// Timer is a one-shot timer made by a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it stopped it.
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time            { return time.Now() }
func (realClock) TimerAt(t time.Time) Timer { return realTimer{time.NewTimer(time.Until(t))} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Defaults of New.
const (
	DefaultWindow       = 60 * time.Second
	DefaultMargin       = 250 * time.Millisecond
	DefaultBlockInitial = 30 * time.Second
	DefaultBlockMax     = 10 * time.Minute
)

// Option configures a Limiter.
type Option func(*Limiter)

// WithClock sets the clock (default: the wall clock, time.Now and time.NewTimer).
func WithClock(c Clock) Option { return func(l *Limiter) { l.clock = c } }

// WithWindow sets the length of the sliding window (default 60 s).
func WithWindow(d time.Duration) Option { return func(l *Limiter) { l.window = d } }

// WithMargin sets the safety margin added to the window for clock and
// network skew (default 250 ms).
func WithMargin(d time.Duration) Option { return func(l *Limiter) { l.margin = d } }

// WithBlockBackoff sets the pause after a block: initial for the first block,
// doubling on consecutive blocks up to max, plus up to 25 % jitter (capped at
// max). Defaults: 30 s, 10 min.
func WithBlockBackoff(initial, max time.Duration) Option {
	return func(l *Limiter) { l.block = Backoff{Base: initial, Max: max} }
}

// WithRecovery sets how the limit climbs back after a block: every period
// without a new block the effective limit grows by step until it reaches the
// configured limit. Defaults: period = the window, step = limit/10 (at least 1).
func WithRecovery(period time.Duration, step int) Option {
	return func(l *Limiter) { l.recoverEvery, l.recoverStep = period, step }
}

// Shared is the part of the window that lives outside the process: the
// starts of every run that uses the same token, and a block one of them met
// (baselinker/sharedwindow keeps it in a file). It must be safe to call from
// one goroutine at a time (the Limiter holds its lock around the calls).
// Both methods may wait for another process (a file lock): they end with
// ctx.
type Shared interface {
	// Take records a start at now unless limit starts already lie within
	// span before now, or a pause runs; then ok is false, next is when a
	// start may be tried again, and paused says a pause (another run's
	// block) is why.
	Take(ctx context.Context, now time.Time, limit int, span time.Duration) (next time.Time, ok, paused bool, err error)
	// Pause records that no run may start before until.
	Pause(ctx context.Context, now, until time.Time) error
}

// WithShared shares the window with other processes through s. When s
// fails, the Limiter warns once through warn and goes on with its own
// window alone.
func WithShared(s Shared, warn func(error)) Option {
	return func(l *Limiter) { l.shared, l.sharedWarn = s, warn }
}

// ErrWaitedTooLong is returned by Wait once the run's blocks (and the time
// the API was silent, see Failing) add up to more than WithMaxWait allows: the run should stop cleanly and be resumed later.
var ErrWaitedTooLong = errors.New("waited too long for the API (its blocks, or requests it never answered)")

// WithMaxWait bounds the time every block of the run may add up to (0 =
// no bound). A block that would take the total past it makes every Wait
// return ErrWaitedTooLong at once, instead of waiting.
func WithMaxWait(d time.Duration) Option { return func(l *Limiter) { l.maxWait = d } }

// Failing reports that a request failed without an answer — cut at its
// timeout, a refused or cut connection, an HTTP error, a garbled answer —
// after took. From the first such request after the last answer (Heard)
// the API is silent, and the silence counts toward WithMaxWait with the
// blocks, as wall time: several workers failing at once count it once, a
// long run with a fault now and then never adds them up. A silence past
// WithMaxWait gives the run up for good, even if an answer comes later.
func (l *Limiter) Failing(took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if start := now.Add(-max(took, 0)); l.silentSince.IsZero() || start.Before(l.silentSince) {
		l.silentSince = start
	}
	l.overLocked(now)
}

// Heard reports an answer from the API (a SUCCESS, or an error it
// answered): a silence, if any, is over.
func (l *Limiter) Heard() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.silentSince = time.Time{}
}

// overLocked reports whether the run's blocks and the API's silence so far
// reached WithMaxWait; once they did, the run gives up for good.
func (l *Limiter) overLocked(now time.Time) bool {
	if l.maxWait > 0 && l.pausedTotal+l.silenceLocked(now) >= l.maxWait {
		l.gaveUp = true
	}
	return l.gaveUp
}

func (l *Limiter) silenceLocked(now time.Time) time.Duration {
	if l.silentSince.IsZero() {
		return 0
	}
	return max(now.Sub(l.silentSince), 0)
}

// Budget returns what WithMaxWait has left for the run's blocks and the
// API's silence, and whether there is a bound at all. A request is never
// given longer than the budget to answer, nor a retry a longer pause: a
// run against a dead server ends within --max-wait, its timeouts included.
func (l *Limiter) Budget() (left time.Duration, bounded bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxWait <= 0 {
		return 0, false
	}
	now := l.clock.Now()
	if l.overLocked(now) {
		return 0, true
	}
	return l.maxWait - l.pausedTotal - l.silenceLocked(now), true
}

// probePoll is how often waiters look whether the probe after a block
// with no stated end was answered.
const probePoll = 50 * time.Millisecond

// WithRand sets the random source of the block jitter (for deterministic
// tests). The limiter only uses it under its own lock.
func WithRand(r *rand.Rand) Option { return func(l *Limiter) { l.rand = r } }

// Stats is a snapshot of a Limiter's counters.
type Stats struct {
	Starts      int64     // starts granted by Wait
	Blocks      int64     // blocks reported with Blocked (one per pause)
	Limit       int       // current effective limit per window
	PausedUntil time.Time // end of the current block pause; zero if none
}

// Limiter lets at most limit starts happen in any sliding window. It is safe
// for concurrent use.
type Limiter struct {
	clock        Clock
	limit        int
	window       time.Duration
	margin       time.Duration
	block        Backoff // the pause after a block: Base, doubling on consecutive blocks up to Max
	recoverEvery time.Duration
	recoverStep  int
	rand         *rand.Rand
	shared       Shared      // nil: this process's window only
	sharedWarn   func(error) // told once when shared fails
	sharePause   time.Time   // a pause not yet written to shared (its lock was held)
	maxWait      time.Duration

	// sharedSince is when the current call to the shared store began (Unix
	// nanoseconds, 0: none): Waiting reads it without the lock, which that
	// call holds while it waits for another process.
	sharedSince atomic.Int64

	mu   sync.Mutex
	ring ring // the last limit starts

	pausedUntil time.Time
	reducedTo   int       // effective limit when recovery began
	recoverFrom time.Time // zero: not reduced
	consecutive int       // blocks in a row (a block during recovery counts on)
	pausedTotal time.Duration
	silentSince time.Time // the start of the first request that failed since the last answer; zero: none
	gaveUp      bool      // the blocks and the silence took longer than maxWait
	probe       probe     // after a block with no stated end: one request first

	blocks     int64
	resumeSaid int64 // blocks when Answered last said one was over
}

// probe is the state of the first request after a block whose end the
// server did not state: it goes alone, and the others wait for its answer.
type probe int

const (
	probeNone probe = iota
	probeNeeded
	probeOut // granted; the others wait for Answered
)

// New returns a Limiter allowing limit request starts per window (60 s by
// default). A limit below 1 is treated as 1.
func New(limit int, opts ...Option) *Limiter {
	limit = max(limit, 1)
	l := &Limiter{
		clock:  realClock{},
		limit:  limit,
		window: DefaultWindow,
		margin: DefaultMargin,
		block:  Backoff{Base: DefaultBlockInitial, Max: DefaultBlockMax},
	}
	for _, o := range opts {
		o(l)
	}
	l.recoverEvery = cmp.Or(max(l.recoverEvery, 0), l.window)
	l.recoverStep = cmp.Or(max(l.recoverStep, 0), max(1, l.limit/10))
	l.block.Max = max(l.block.Max, l.block.Base)
	l.margin = max(l.margin, 0)
	l.rand = cmp.Or(l.rand, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	l.ring = ring{t: make([]time.Time, limit)}
	return l
}

// Limit returns the configured limit per window (not the reduced one after a
// block; see Stats().Limit).
func (l *Limiter) Limit() int { return l.limit }

// Now is the limiter's clock: the time every wait, block and window of it
// is measured against.
func (l *Limiter) Now() time.Time { return l.clock.Now() }

// Window returns the length of the sliding window.
func (l *Limiter) Window() time.Duration { return l.window }

// Wait blocks until a request may start, and records the start. It returns an
// error wrapping ctx.Err() if ctx ends first; a cancelled waiter consumes no
// slot.
func (l *Limiter) Wait(ctx context.Context) error {
	for ctx.Err() == nil {
		l.mu.Lock()
		now := l.clock.Now()
		if l.overLocked(now) {
			l.mu.Unlock()
			return fmt.Errorf("pacer: %w (more than %s in all)", ErrWaitedTooLong, l.maxWait)
		}
		at := l.nextLocked(now)
		if !at.After(now) && l.probe == probeOut {
			at = now.Add(probePoll) // the probe has not been answered yet
		}
		if !at.After(now) {
			var err error
			if at, err = l.takeSharedLocked(ctx, now); err != nil {
				l.mu.Unlock()
				return err
			}
		}
		if !at.After(now) && ctx.Err() == nil { // a timer and the end of ctx at once: the end wins
			if l.probe == probeNeeded {
				l.probe = probeOut
			}
			l.ring.push(now)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		t := l.clock.TimerAt(at)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C():
		}
	}
	return fmt.Errorf("pacer: waiting for a request slot: %w", ctx.Err())
}

// takeSharedLocked asks the shared window for a start at now: it returns
// now when the start is granted, or when to try again. A block another run
// met is this run's too: it is waited out as one, and counts toward
// WithMaxWait. Waiting for the store (another process holding its lock)
// ends with ctx and with what WithMaxWait has left. A store that fails
// otherwise is dropped (with a warning): the local window goes on alone.
func (l *Limiter) takeSharedLocked(ctx context.Context, now time.Time) (time.Time, error) {
	if l.shared == nil {
		return now, nil
	}
	sctx, cancel := ctx, context.CancelFunc(func() {})
	if l.maxWait > 0 {
		sctx, cancel = context.WithTimeoutCause(ctx, max(l.maxWait-l.pausedTotal-l.silenceLocked(now), 0), ErrWaitedTooLong)
	}
	defer cancel()
	l.sharedSince.Store(l.clock.Now().UnixNano())
	defer l.sharedSince.Store(0)
	if !l.sharePause.IsZero() {
		if err := l.shared.Pause(sctx, now, l.sharePause); err != nil {
			return l.sharedFailedLocked(ctx, sctx, err)
		}
		l.sharePause = time.Time{}
	}
	next, ok, paused, err := l.shared.Take(sctx, now, l.effectiveLocked(now), l.window+l.margin)
	switch {
	case err != nil:
		return l.sharedFailedLocked(ctx, sctx, err)
	case ok:
		return now, nil
	case paused && next.After(l.pausedUntil): // another run's block: this run's too
		l.pausedTotal += next.Sub(Later(now, l.pausedUntil))
		l.pausedUntil = next
		if l.maxWait > 0 && l.pausedTotal > l.maxWait {
			l.gaveUp = true
			return now, fmt.Errorf("pacer: %w (more than %s in all; another run of the token met a block until %s)",
				ErrWaitedTooLong, l.maxWait, next.Local().Format("15:04:05"))
		}
	}
	return next, nil // other runs filled the window, or one of them met a block
}

// sharedFailedLocked handles a failed call to the shared store: the end of
// ctx is the caller's, a wait past WithMaxWait gives up, anything else
// drops the store.
func (l *Limiter) sharedFailedLocked(ctx, sctx context.Context, err error) (time.Time, error) {
	now := l.clock.Now()
	switch {
	case ctx.Err() != nil:
		return now, fmt.Errorf("pacer: waiting for a request slot: %w", ctx.Err())
	case errors.Is(context.Cause(sctx), ErrWaitedTooLong):
		l.gaveUp = true
		return now, fmt.Errorf("pacer: %w (more than %s in all): %w", ErrWaitedTooLong, l.maxWait, err)
	}
	l.dropSharedLocked(err)
	return now, nil
}

// Later is the later of a and b (b when they are the same instant).
func Later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (l *Limiter) dropSharedLocked(err error) {
	l.shared = nil
	if l.sharedWarn != nil {
		l.sharedWarn(err)
	}
}

// UntilMargin is added to a block's stated end before the first start:
// the server's clock and ours may differ by a little.
const UntilMargin = time.Second

// Blocked reports that the server refused a request because the limit was
// crossed (a blocked token). Every waiter pauses — no start is granted —
// then the limiter resumes at half its effective limit and climbs back
// step by step. It returns the pause's end and whether this report
// started it (so that a block is said once, not once per worker).
//
// A zero until: the server did not say until when. The pause is a
// backoff that doubles on consecutive blocks (with jitter); reports that
// arrive while a pause is running belong to the same block and are
// ignored.
//
// An until the server stated: no start is granted before until +
// UntilMargin. A report that ends no later than the running pause belongs
// to it; one that ends later lengthens it.
func (l *Limiter) Blocked(until time.Time) (end time.Time, started bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	running := now.Before(l.pausedUntil)
	switch {
	case until.IsZero() && running:
		return l.pausedUntil, false
	case until.IsZero():
		d := l.block.Cap(l.nextConsecutiveLocked()) // doubling on consecutive blocks
		if q := int64(d / 4); q > 0 {
			d += time.Duration(l.rand.Int64N(q + 1))
		}
		until, l.probe = now.Add(min(d, l.block.Max)), probeNeeded // the end was a guess: one request finds out first
	case !until.Add(UntilMargin).After(l.pausedUntil):
		return l.pausedUntil, false
	default:
		if !running {
			l.nextConsecutiveLocked()
		}
		until, l.probe = until.Add(UntilMargin), probeNone // the server said when: no guess to check
	}
	l.pauseLocked(now, until)
	return l.pausedUntil, !running
}

// Answered reports that a request got an answer that was not a block:
// after a block with no stated end, the others may start again. It also
// says, once per block, that the block is over: the first caller after
// its end gets resumed, the rate the limiter resumes at (limit per window
// now) and the limit it climbs back to — for one log line per block, not
// one per worker.
func (l *Limiter) Answered() (now, full int, resumed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.probe == probeOut {
		l.probe = probeNone
	}
	t := l.clock.Now()
	if l.blocks == l.resumeSaid || t.Before(l.pausedUntil) {
		return 0, 0, false
	}
	l.resumeSaid = l.blocks
	return l.effectiveLocked(t), l.limit, true
}

// nextConsecutiveLocked counts a new block: consecutive when it comes
// before the limit fully recovered from the last one.
func (l *Limiter) nextConsecutiveLocked() int {
	if l.recoverFrom.IsZero() {
		l.consecutive = 0
	}
	l.consecutive++
	return l.consecutive
}

// pauseLocked pauses every start until until, then recovers from half the
// limit in force, and tells the other runs of the token.
func (l *Limiter) pauseLocked(now, until time.Time) {
	from := Later(now, l.pausedUntil) // a running pause lengthened: only the extra time counts
	l.pausedTotal += max(until.Sub(from), 0)
	if l.maxWait > 0 && l.pausedTotal > l.maxWait {
		l.gaveUp = true
	}
	if !now.Before(l.pausedUntil) { // a new block; a running pause lengthened keeps its reduced limit
		l.reducedTo = max(1, l.effectiveLocked(now)/2)
		l.blocks++
	}
	l.pausedUntil, l.recoverFrom = until, until
	if l.shared != nil { // one try at the store's lock (no context here); when held, the next Wait writes it
		done, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.shared.Pause(done, now, l.pausedUntil); err != nil && !errors.Is(err, context.Canceled) {
			l.dropSharedLocked(err)
		} else if err != nil {
			l.sharePause = l.pausedUntil
		}
	}
}

// Waiting says what a request waits for now, for a progress line and the
// log: "" when one may start within a second or two, else the block and
// its end with a countdown ("blocked until 14:05:12 (8m0s left)"), another
// run's lock on the shared window ("waiting for another run's lock: 12s so
// far (the shared request window)"), or the limit ("waiting for the limit:
// next request in 42s (100/1m0s)"). It never waits itself.
func (l *Limiter) Waiting() string {
	if since := l.sharedSince.Load(); since != 0 {
		if d := l.clock.Now().Sub(time.Unix(0, since)); d > 2*time.Second {
			return fmt.Sprintf("waiting for another run's lock: %s so far (the shared request window)", d.Round(time.Second))
		}
	}
	if !l.mu.TryLock() { // held for a moment by a start, or by the wait above
		return ""
	}
	defer l.mu.Unlock()
	now := l.clock.Now()
	if now.Before(l.pausedUntil) {
		return fmt.Sprintf("blocked until %s (%s left)", l.pausedUntil.Local().Format("15:04:05"), l.pausedUntil.Sub(now).Round(time.Second))
	}
	if at := l.nextLocked(now); at.Sub(now) > 2*time.Second {
		return fmt.Sprintf("waiting for the limit: next request in %s (%d/%s)", at.Sub(now).Round(time.Second), l.effectiveLocked(now), l.window)
	}
	return ""
}

// Stats returns a snapshot of the limiter's counters.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	s := Stats{Starts: l.ring.pushed, Blocks: l.blocks, Limit: l.effectiveLocked(now)}
	if now.Before(l.pausedUntil) {
		s.PausedUntil = l.pausedUntil
	}
	return s
}

// ETA returns how long from now until n more starts will have been granted at
// the current effective limit (a running pause included), for progress bars
// and "this will take about X" messages. It does not count the time the
// requests themselves take, nor a later recovery of the limit.
//
// It waits at most etaPatience for the limiter: while a request holds it
// longer (waiting for the shared window of another run, which can take
// seconds), the ETA is unknown (0), so that a progress line that asks
// still says what the run waits for.
func (l *Limiter) ETA(n int) time.Duration {
	if n <= 0 || !tryLockFor(&l.mu, etaPatience) {
		return 0
	}
	now := l.clock.Now()
	eff := l.effectiveLocked(now)
	// A ring of the last eff start times, simulated forward.
	sim := ring{t: make([]time.Time, eff)}
	for k := min(l.ring.held(), eff); k >= 1; k-- {
		sim.push(l.ring.kth(k))
	}
	t := Later(now, l.pausedUntil)
	l.mu.Unlock()

	span := l.window + l.margin
	for range n {
		if sim.held() == eff {
			t = Later(t, sim.kth(eff).Add(span))
		}
		sim.push(t)
	}
	return t.Sub(now)
}

// nextLocked returns the earliest time a start may happen, given now.
func (l *Limiter) nextLocked(now time.Time) time.Time {
	at := Later(now, l.pausedUntil)
	eff := l.effectiveLocked(now)
	if l.ring.held() >= eff {
		at = Later(at, l.ring.kth(eff).Add(l.window+l.margin))
	}
	// While recovering, the limit may grow before the slot frees: wake then.
	if !l.recoverFrom.IsZero() && at.After(now) {
		step := l.recoverFrom
		if now.After(step) {
			k := now.Sub(l.recoverFrom)/l.recoverEvery + 1
			step = l.recoverFrom.Add(k * l.recoverEvery)
		}
		if step.After(now) && step.Before(at) && !l.pausedUntil.After(step) {
			at = step
		}
	}
	return at
}

// ring holds the last len(t) start times, circular: start number i (from
// 0) is at t[i % len(t)] until len(t) later ones replace it.
type ring struct {
	t      []time.Time
	pushed int64 // the starts pushed in all: the limiter's count of starts
}

// push records a start, in place of the oldest when the ring is full.
func (r *ring) push(v time.Time) {
	r.t[r.pushed%int64(len(r.t))] = v
	r.pushed++
}

// held is the number of starts the ring holds.
func (r *ring) held() int { return int(min(r.pushed, int64(len(r.t)))) }

// kth returns the k-th most recent start (k=1: the newest); k <= held().
func (r *ring) kth(k int) time.Time { return r.t[(r.pushed-int64(k))%int64(len(r.t))] }

// effectiveLocked returns the limit in force at now, ending recovery once it
// is back at the configured limit.
func (l *Limiter) effectiveLocked(now time.Time) int {
	if l.recoverFrom.IsZero() {
		return l.limit
	}
	if now.Before(l.recoverFrom) {
		return l.reducedTo
	}
	steps := int64(now.Sub(l.recoverFrom) / l.recoverEvery)
	e := int64(l.reducedTo) + steps*int64(l.recoverStep)
	if e >= int64(l.limit) {
		l.recoverFrom = time.Time{}
		l.consecutive = 0
		return l.limit
	}
	return int(e)
}

// etaPatience is how long ETA waits for a limiter another request holds.
const etaPatience = 50 * time.Millisecond

// tryLockFor locks mu if it comes free within d (in real time: a lock is
// held by real goroutines, whatever the limiter's clock).
func tryLockFor(mu *sync.Mutex, d time.Duration) bool {
	for deadline := time.Now().Add(d); !mu.TryLock(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
