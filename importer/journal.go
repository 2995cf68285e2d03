package importer

import (
	events "github.com/crmbulk/crmbulk/run"
)

// The import's journal (REPORT.journal) is run's: a "send" before each
// addCrmClient and a "done" with the row's outcome before its report line.

// pendingSend is a write whose answer the journal never recorded, or (for
// a row a resume cannot prove unsent) may have been sent.
type pendingSend = events.Pending

// journalState is what an old journal proves.
type journalState = events.JournalState

// readJournal reads the journal at path (run.ReadJournal).
func readJournal(path string) (journalState, error) { return events.ReadJournal(path) }

// journal is the run's journal; a nil journal (a dry run) records nothing.
type journal struct {
	j    *events.Journal
	path string
}

// createJournal writes the new journal at path (run.CreateJournal).
func createJournal(path string, st events.JournalStart) (*journal, error) {
	j, err := events.CreateJournal(path, st)
	if err != nil {
		return nil, err
	}
	return &journal{j, path}, nil
}

func (j *journal) send(row int, op, key string) error {
	if j == nil {
		return nil
	}
	return j.j.Send(row, op, key, 0)
}

// settle records the end of a row that has a send open (run.Journal.Done).
func (j *journal) settle(l Line) error {
	if j == nil {
		return nil
	}
	return j.j.Done(&l)
}

// close closes the journal; it is removed only when remove is set and no
// write is left unsettled.
func (j *journal) close(remove bool) (kept bool, err error) {
	if j == nil {
		return false, nil
	}
	return j.j.Close(remove)
}
