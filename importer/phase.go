package importer

import (
	"fmt"

	"github.com/crmbulk/crmbulk/internal/progress"
)

// The start of a run is never a blank screen: each phase before the first
// row is sent (the input read and its rows compared, a resumed report
// checked line by line against the input) is said on the progress — the
// bar, or the log without a terminal — with its count as it goes.

// phaseStep is how many units a phase counts between two redraws of its text.
const phaseStep = 1000

// phase is one start phase on the run's progress.
type phase struct {
	p     progress.Reporter
	what  string // "checking the report r.csv against data.csv"
	unit  string
	total int64 // -1: not known
	n     int64
}

// startPhase says a start phase on the progress: what it does, then its
// count ("reading data.csv: 12000 rows so far", "…: 12000 of 50000 rows").
func (r *run) startPhase(what string, total int64, unit string) *phase {
	ph := &phase{p: r.cfg.Progress, what: what, unit: unit, total: total}
	ph.p.Start(what, total, unit)
	ph.describe()
	return ph
}

// add counts one unit done.
func (ph *phase) add() {
	ph.n++
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

// end finishes the phase, its count said.
func (ph *phase) end() {
	ph.describe()
	ph.p.Finish()
}
