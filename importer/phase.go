package importer

import (
	"fmt"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/internal/progress"
)

// The start of a run is never a blank screen: each phase before the first
// row is sent (the input read and its rows compared, a resumed report
// checked line by line against the input, the new journal written) is said
// on the progress — the bar, or the log without a terminal — with its count
// as it goes, once it has lasted phaseAfter (a small file's phases, done
// at once, are not said).

// phaseStep is how many units a phase counts between two redraws of its text.
const phaseStep = 1000

// phaseAfter is how long a start phase goes unsaid.
const phaseAfter = 500 * time.Millisecond

// phase is one start phase on the run's progress.
type phase struct {
	p     progress.Reporter
	what  string // "checking the report r.csv against data.csv"
	unit  string
	total int64 // -1: not known
	timer *time.Timer

	mu    sync.Mutex
	n     int64
	shown bool
}

// startPhase begins a start phase, said on the progress once it has lasted
// after: what it does, then its count ("reading data.csv: 12000 rows so
// far", "…: 12000 of 50000 rows").
func (r *run) startPhase(what string, total int64, unit string) *phase {
	ph := &phase{p: r.cfg.Progress, what: what, unit: unit, total: total}
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
	if ph.shown || ph.p == nil {
		return
	}
	ph.shown = true
	ph.p.Start(ph.what, ph.total, ph.unit)
	ph.p.Add(ph.n)
	ph.describe()
}

// add counts one unit done.
func (ph *phase) add() {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.n++
	if !ph.shown {
		return
	}
	ph.p.Add(1)
	if ph.n%phaseStep == 0 {
		ph.describe()
	}
}

func (ph *phase) describe() {
	if ph.total >= 0 {
		ph.p.Describe(fmt.Sprintf("%s: %d of %d %s", ph.what, ph.n, ph.total, ph.unit))
		return
	}
	ph.p.Describe(fmt.Sprintf("%s: %d %s so far", ph.what, ph.n, ph.unit))
}

// end finishes the phase, its count said if the phase was.
func (ph *phase) end() {
	if ph.timer != nil {
		ph.timer.Stop()
	}
	ph.mu.Lock()
	defer ph.mu.Unlock()
	if ph.shown {
		ph.describe()
		ph.p.Finish()
	}
	ph.p = nil // a timer that fired meanwhile shows nothing
}
