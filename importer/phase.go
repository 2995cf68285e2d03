package importer

import (
	"sync"
	"time"

	events "github.com/crmbulk/crmbulk/run"
)

// The start of a run is never a blank screen: each phase before the first
// row is sent (the input read and its rows compared, a resumed report
// checked line by line against the input, the new journal written) is an
// Update of the run's events — on the bar, or in the log without a
// terminal — with its count as it goes, once it has lasted phaseAfter (a
// small file's phases, done at once, are not said).

// phaseStep is how many units a phase counts between two of its Updates.
const phaseStep = 1000

// phaseAfter is how long a start phase goes unsaid.
const phaseAfter = 500 * time.Millisecond

// phase is one start phase on the run's events.
type phase struct {
	ev    *events.Aggregator
	p     events.Phase // "checking the report r.csv against data.csv"
	timer *time.Timer

	mu    sync.Mutex
	n     int64
	said  int64 // of n, the units the events have
	shown bool
	ended bool
}

// startPhase begins a start phase, said on the events once it has lasted
// after: what it does, then its count ("reading data.csv: 12000 rows so
// far", "…: 12000 of 50000 rows": the printers' words).
func (r *run) startPhase(what string, total int64, unit string) *phase {
	ph := &phase{ev: r.ev, p: events.Phase{Name: what, Total: total, Unit: unit}}
	if r.cfg.phaseAfter < 0 { // tests: said at once
		ph.show()
	} else {
		ph.timer = time.AfterFunc(max(r.cfg.phaseAfter, phaseAfter), ph.show)
	}
	return ph
}

func (ph *phase) show() {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	if ph.shown || ph.ended {
		return
	}
	ph.shown = true
	ph.ev.Begin(ph.p)
	ph.step()
}

// add counts one unit done.
func (ph *phase) add() {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.n++
	if ph.shown && ph.n%phaseStep == 0 {
		ph.step()
	}
}

// step says the units done since the last step, at once.
func (ph *phase) step() {
	ph.ev.Step(ph.n - ph.said)
	ph.said = ph.n
}

// end finishes the phase, its count said if the phase was.
func (ph *phase) end() {
	if ph.timer != nil {
		ph.timer.Stop()
	}
	ph.mu.Lock()
	defer ph.mu.Unlock()
	if ph.shown {
		ph.ev.Add(ph.n - ph.said)
		ph.said = ph.n
		ph.ev.End()
	}
	ph.ended = true // a timer that fired meanwhile shows nothing
}
