package run

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Wait is one thing a run may wait for: what it is now, in words ("" when
// the run does not wait for it), and when that wait ends (zero: unknown).
type Wait func() (what string, until time.Time)

// Words is a Wait said in words only, its end unknown (nil: nil).
func Words(f func() string) Wait {
	if f == nil {
		return nil
	}
	return func() (string, time.Time) { return f(), time.Time{} }
}

// Phase is a phase of a run as it begins.
type Phase struct {
	Name  string // what it does, in words ("import", "reading in.csv")
	Total int64  // units it counts; -1: unknown
	Unit  string // "rows", "clients", "lines"
	// Paced: its units go at the request limit, so its updates carry the
	// rate over the last minute and the ETA.
	Paced bool
	// Settles: its units are lines that settle (Settle, Kept), so its
	// updates are said by their counts by status.
	Settles bool
	// Walk: it reads the account's clients page by page (Page), so its
	// updates are said by their pages.
	Walk bool
	// ETA, in a paced phase, is the time its left units take at the limit
	// and what decides it ("limit"); nil: no ETA.
	ETA func(left int64) (time.Duration, string)
}

// DefaultEvery is the least time between two throttled Updates: a few a
// second.
const DefaultEvery = 250 * time.Millisecond

// waitEvery is how often an Update is sent while the run waits, so that a
// printer's countdown moves though nothing else does.
const waitEvery = time.Second

// AggregatorConfig says what an Aggregator reports and where.
type AggregatorConfig struct {
	Command  string           // "import", "undo", "export"
	Printer  Printer          // nil: nothing is printed
	Statuses []string         // the order the counts are said in (Update.Statuses)
	Waits    []Wait           // what the run may wait for, said in this order
	Requests func() int64     // requests sent so far, retries included (nil: 0)
	Now      func() time.Time // nil: time.Now
	Every    time.Duration    // least time between throttled Updates (0: DefaultEvery; < 0: none, in tests)
}

// Aggregator turns a pipeline's increments — a phase begins, n more units
// done, a line settled, a page read — into the run's typed events: counts
// by status, throttled Updates (at once when a phase begins or ends or a
// wait begins or ends, and every second while a wait lasts), each Item in
// the order it settles, and one Summary. It is safe for concurrent use;
// it calls its Printer under its own lock, so events arrive in order (a
// Printer must not call back into it, nor log through its Logger). A nil
// Aggregator reports nothing.
type Aggregator struct {
	cfg   AggregatorConfig
	start time.Time

	mu      sync.Mutex
	waits   []Wait
	phase   Phase
	open    bool // a phase runs
	done    int64
	pages   int64
	counts  map[string]int
	minute  [60]bucket // units of a paced phase done, by second, over the last minute
	last    time.Time  // when the last Update was sent
	dirty   bool       // something changed since
	waiting bool       // the last Update said a wait
	summary bool       // the Summary was sent
}

type bucket struct {
	sec int64 // the Unix second it counts
	n   int64
}

// NewAggregator returns an Aggregator of cfg; the run's Elapsed counts
// from now.
func NewAggregator(cfg AggregatorConfig) *Aggregator {
	if cfg.Printer == nil {
		cfg.Printer = Nop{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Requests == nil {
		cfg.Requests = func() int64 { return 0 }
	}
	cfg.Every = cmp.Or(cfg.Every, DefaultEvery)
	a := &Aggregator{cfg: cfg, start: cfg.Now(), counts: map[string]int{}}
	a.waits = slices.DeleteFunc(slices.Clone(cfg.Waits), func(w Wait) bool { return w == nil })
	return a
}

// locked runs f under a's lock; a nil Aggregator reports nothing.
func (a *Aggregator) locked(f func()) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}

// AddWait makes the run's updates say one more wait, after those they say
// already (nil: none).
func (a *Aggregator) AddWait(w Wait) {
	if w != nil {
		a.locked(func() { a.waits = append(a.waits, w) })
	}
}

// Begin begins a phase (ending the one that runs, if any) and says so at
// once.
func (a *Aggregator) Begin(p Phase) {
	a.locked(func() {
		a.endLocked()
		a.phase, a.open, a.done, a.pages = p, true, 0, 0
		a.minute = [60]bucket{}
		a.emitLocked(false)
	})
}

// End ends the phase that runs, said at once with its last counts.
func (a *Aggregator) End() { a.locked(a.endLocked) }

// endLocked ends the phase that runs, if any.
func (a *Aggregator) endLocked() {
	if a.open {
		a.emitLocked(true)
		a.open = false
	}
}

// Add records n more units of the phase done.
func (a *Aggregator) Add(n int64) { a.locked(func() { a.addLocked(n, true) }) }

// Step records n more units done and sends an Update at once: a phase
// that says its count every so many units (its own throttle).
func (a *Aggregator) Step(n int64) {
	a.locked(func() {
		a.done += n
		if a.open {
			a.emitLocked(false)
		}
	})
}

// Page records one more page of the account's clients read, and n more
// units done (its clients the phase counts).
func (a *Aggregator) Page(n int64) {
	a.locked(func() {
		a.pages++
		a.addLocked(n, true)
	})
}

// Settle records a line settled by this run: counted by its status, one
// unit done, and its Item sent.
func (a *Aggregator) Settle(it Item) { a.settle(it, true) }

// Kept records a line an earlier run settled (a resume's): counted and
// sent like Settle's, but not in the rate, which is this run's.
func (a *Aggregator) Kept(it Item) { a.settle(it, false) }

func (a *Aggregator) settle(it Item, fresh bool) {
	a.locked(func() {
		a.recordLocked(it)
		a.addLocked(1, fresh)
	})
}

// Record counts a line by its status and sends its Item, with no unit of
// the phase done: an export's rows, written as its walk counts the
// clients it reads (or after it, from the details read).
func (a *Aggregator) Record(it Item) { a.locked(func() { a.recordLocked(it) }) }

func (a *Aggregator) recordLocked(it Item) {
	a.counts[it.Status]++
	a.cfg.Printer.Item(it)
}

func (a *Aggregator) addLocked(n int64, fresh bool) {
	a.done += n
	if fresh && a.phase.Paced {
		sec := a.cfg.Now().Unix()
		b := &a.minute[sec%int64(len(a.minute))]
		if b.sec != sec {
			*b = bucket{sec: sec}
		}
		b.n += n
	}
	a.dirty = true
	// The throttle: an Update once the last is old enough.
	if a.open && (a.cfg.Every < 0 || a.cfg.Now().Sub(a.last) >= a.cfg.Every) {
		a.emitLocked(false)
	}
}

// Message sends a note or warning.
func (a *Aggregator) Message(m Message) { a.locked(func() { a.cfg.Printer.Message(m) }) }

// Counts returns the lines settled so far, by status.
func (a *Aggregator) Counts() (counts map[string]int) {
	a.locked(func() { counts = maps.Clone(a.counts) })
	return counts
}

// Finish ends the phase that runs and sends the Summary, once: the counts,
// the requests and the time since the aggregator was made, and text, the
// run's summary in words.
func (a *Aggregator) Finish(text string) {
	a.locked(func() {
		a.endLocked()
		if !a.summary {
			a.summary = true
			a.cfg.Printer.Summary(Summary{Command: a.cfg.Command, Counts: maps.Clone(a.counts), Requests: a.cfg.Requests(),
				Elapsed: a.cfg.Now().Sub(a.start), Text: text})
		}
	})
}

// Poll looks at the waits and sends an Update when one is due: at once
// when a wait begins or ends, every second while one lasts, and when
// something changed and the last Update is older than Every. Watch calls
// it; tests call it with their clock.
func (a *Aggregator) Poll() { a.locked(a.pollLocked) }

func (a *Aggregator) pollLocked() {
	if !a.open {
		return
	}
	what, _ := a.waitLocked()
	since := a.cfg.Now().Sub(a.last)
	switch {
	case (what != "") != a.waiting,
		what != "" && since >= waitEvery,
		a.dirty && since >= a.cfg.Every:
		a.emitLocked(false)
	}
}

// Watch polls every Every (or DefaultEvery) until stop is called.
func (a *Aggregator) Watch() (stop func()) {
	if a == nil {
		return func() {}
	}
	every := a.cfg.Every
	if every <= 0 {
		every = DefaultEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				a.Poll()
			case <-done:
				return
			}
		}
	})
	return sync.OnceFunc(func() { close(done); wg.Wait() })
}

// waitLocked joins the waits of now, the first given first, and the end
// of the first that says one.
func (a *Aggregator) waitLocked() (string, time.Time) {
	var words []string
	var until time.Time
	for _, w := range a.waits {
		what, end := w()
		if what == "" {
			continue
		}
		words = append(words, what)
		if until.IsZero() {
			until = end
		}
	}
	return strings.Join(words, " · "), until
}

// emitLocked sends the Update of now (ended: the phase's last).
func (a *Aggregator) emitLocked(ended bool) {
	now := a.cfg.Now()
	u := Update{Command: a.cfg.Command, Phase: a.phase.Name, Unit: a.phase.Unit, Done: a.done, Total: a.phase.Total,
		Counts: maps.Clone(a.counts), Requests: a.cfg.Requests(), Elapsed: now.Sub(a.start),
		Statuses: a.cfg.Statuses, Pages: a.pages, Paced: a.phase.Paced, Settles: a.phase.Settles, Walk: a.phase.Walk, Ended: ended}
	u.Waiting, u.Until = a.waitLocked()
	if a.phase.Paced {
		u.PerMinute = a.perMinuteLocked(now)
		if left := a.phase.Total - a.done; a.phase.ETA != nil && a.phase.Total >= 0 && left > 0 {
			u.ETA, u.ETAWhy = a.phase.ETA(left)
		}
	}
	a.last, a.dirty, a.waiting = now, false, u.Waiting != ""
	a.cfg.Printer.Update(u)
}

// perMinuteLocked is the units done in the minute up to now.
func (a *Aggregator) perMinuteLocked(now time.Time) int64 {
	var n int64
	sec := now.Unix()
	for _, b := range a.minute {
		if b.sec > sec-int64(len(a.minute)) && b.sec <= sec {
			n += b.n
		}
	}
	return n
}
