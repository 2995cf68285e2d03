package importer

import (
	events "github.com/crmbulk/crmbulk/run"
)

// The import's journal (REPORT.journal) is run.Journal: a "send" before
// each addCrmClient and a "done" with the row's outcome before its report
// line. A dry run has none (a nil *run.Journal records nothing).

// pendingSend is a write whose answer the journal never recorded, or (for
// a row a resume cannot prove unsent) may have been sent.
type pendingSend = events.Pending

// journalState is what an old journal proves.
type journalState = events.JournalState

// readJournal reads the journal at path (run.ReadJournal).
func readJournal(path string) (journalState, error) { return events.ReadJournal(path) }
