package importer

import (
	"fmt"

	"github.com/crmbulk/crmbulk/internal/recordmac"
	events "github.com/crmbulk/crmbulk/run"
)

// ReportLine is one line of a report as a file holds it: an import's
// report, or an undo's (crmbulk undo writes the same columns). It is Line:
// one type for every line.
type ReportLine = events.Line

// DryRunNote is the note every line of a dry run carries.
const DryRunNote = events.DryRunNote

// ErrOldReport is returned for a report without the columns an undo needs
// (written by an older crmbulk).
var ErrOldReport = events.ErrOldReport

// ReadReport reads a report written by crmbulk, calling fn with each line
// in file order: see run.ReadReport.
func ReadReport(path string, key []byte, account string, fn func(ReportLine) error) error {
	return events.ReadReport(path, key, account, fn)
}

// RecordKey is the record key of account in the state directory dir,
// made the first time (recordmac.Key): what proves an import's or undo's
// report lines.
func RecordKey(dir, account string) ([]byte, error) {
	key, err := recordmac.Key(dir, account)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return key, nil
}

// ReportFile writes report lines (CSV) one at a time, each flushed to the
// file before Write returns: a crash loses at most the line being written.
type ReportFile = events.ReportFile

// CreateReport creates (or truncates) a CSV report at path and writes its
// header. With a key (RecordKey) every line carries its proof.
func CreateReport(path string, key []byte) (*ReportFile, error) {
	return events.CreateReportFile(path, key, nil)
}
