package ui

import (
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/run"
)

// bridge turns what an import or undo reports today — its phases and units
// done (progress.Reporter), each report line (Config.OnLine), the API's
// waits, request count and the limit's ETA — into run events for a
// run.Printer: an Update at most every updateEvery and every second while
// the run waits.
type bridge struct {
	ev      run.Printer
	command string
	api     interface{ Stats() baselinker.Stats }
	begun   time.Time
	before  int64 // requests before the run

	mu          sync.Mutex
	phase, unit string
	done, total int64
	counts      map[string]int
	last        time.Time
	waiting     func() string           // the API's wait in words (nil: none said)
	eta         func(int) time.Duration // the limit's time for n requests (nil: none)
}

// updateEvery bounds how often Add sends an Update.
const updateEvery = 200 * time.Millisecond

func newBridge(command string, api interface{ Stats() baselinker.Stats }, ev run.Printer) *bridge {
	return &bridge{ev: ev, command: command, api: api, begun: time.Now(), before: api.Stats().Requests,
		total: -1, counts: map[string]int{}}
}

// Start begins a phase.
func (b *bridge) Start(phase string, total int64, unit string) {
	b.mu.Lock()
	b.phase, b.total, b.unit, b.done = phase, total, unit, 0
	b.mu.Unlock()
	b.send(true)
}

// Add counts n more units done.
func (b *bridge) Add(n int64) {
	b.mu.Lock()
	b.done += n
	b.mu.Unlock()
	b.send(false)
}

// Describe is the terminal's detail line: the page shows the counts and
// waits themselves.
func (b *bridge) Describe(string) {}

// Finish ends the phase.
func (b *bridge) Finish() { b.send(true) }

// line counts a settled report line and hands it on as an Item.
func (b *bridge) line(l *importer.Line) {
	b.mu.Lock()
	b.counts[string(l.Status)]++
	b.mu.Unlock()
	b.ev.Item(run.Item{Row: l.Row, Status: string(l.Status), Reason: l.Message, Line: l})
}

// send sends an Update now (force) or when the last is older than
// updateEvery.
func (b *bridge) send(force bool) {
	b.mu.Lock()
	now := time.Now()
	if !force && now.Sub(b.last) < updateEvery {
		b.mu.Unlock()
		return
	}
	b.last = now
	u := run.Update{Command: b.command, Phase: b.phase, Unit: b.unit, Done: b.done, Total: b.total,
		Requests: b.api.Stats().Requests - b.before, Elapsed: now.Sub(b.begun), Counts: make(map[string]int, len(b.counts))}
	for k, v := range b.counts {
		u.Counts[k] = v
	}
	waiting, eta := b.waiting, b.eta
	b.mu.Unlock()
	if waiting != nil {
		u.Waiting = waiting()
	}
	if eta != nil && u.Total > 0 && u.Unit == "rows" {
		u.ETA = eta(int(u.Total - u.Done))
	}
	b.ev.Update(u)
}

// watch sends an Update every second until stop is called, so that a
// run that waits (the limit, a block, a retry) says so while no unit is
// done.
func (b *bridge) watch() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				b.send(true)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		b.send(true)
	}
}
