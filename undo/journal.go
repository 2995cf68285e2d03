package undo

import (
	"fmt"

	events "github.com/crmbulk/crmbulk/run"
)

// An undo's journal is run's, beside its report: a send is on disk
// (fsynced) before its request leaves, so after a crash --resume knows
// which writes may have happened and settles them by the clients' state.

// journalPath is where an undo logs the writes it sends: beside its report.
func journalPath(report string) string { return report + ".journal" }

// readJournal returns the rows whose write was sent and never answered, as
// an interrupted or killed undo left them. A missing journal is none; a
// torn last line is the crash's and ignored.
func readJournal(path string) (map[int]bool, error) {
	js, err := events.ReadJournal(path)
	if err != nil {
		return nil, fmt.Errorf("%w: the undo's journal: %w", ErrBadInput, err)
	}
	open := make(map[int]bool, len(js.Open))
	for row := range js.Open {
		open[row] = true
	}
	return open, nil
}

// journal is the undo's open journal.
type journal struct{ j *events.Journal }

// createJournal starts the journal, carrying the sends an earlier undo
// left open (until this run settles them).
func createJournal(path string, carry map[int]bool) (*journal, error) {
	open := make(map[int]events.Pending, len(carry))
	for row := range carry {
		open[row] = events.Pending{Op: "carried"}
	}
	j, err := events.CreateJournal(path, events.JournalStart{Open: open, Sync: true})
	if err != nil {
		return nil, err
	}
	return &journal{j}, nil
}

func (j *journal) send(row int, op string, id int64) error {
	if err := j.j.Send(row, op, "", id); err != nil {
		return fmt.Errorf("%w (nothing was sent for this line)", err)
	}
	return nil
}

// done settles the row of line l once its line is on the report.
func (j *journal) done(l *events.Line) error { return j.j.Done(l) }

// close closes the journal and removes it when the undo finished with no
// write left unsettled.
func (j *journal) close(finished bool) error {
	_, err := j.j.Close(finished)
	return err
}
