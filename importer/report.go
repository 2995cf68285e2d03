package importer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// Error codes the importer itself writes (API refusals keep the API's code).
const (
	CodeInvalid       = "INVALID"         // validation or mapping problems
	CodeNoSuchClient  = "NO_SUCH_CLIENT"  // the row's crm_client_id is not a client of the account
	CodeAmbiguous     = "AMBIGUOUS_MATCH" // two or more clients share the row's key
	CodeTransport     = "TRANSPORT"       // no answer after the client's retries
	CodeJournal       = "JOURNAL"         // the journal could not be written: nothing was sent
	CodeWaitedTooLong = "WAITED_TOO_LONG" // the API's blocks took longer than --max-wait: not sent
	CodeKeyConflict   = "KEY_CONFLICT"    // a later key of match_by found a client that is not this row's person (conflict)
	CodeEmptyRow      = "EMPTY_ROW"       // every mapped field of the row is empty: no client from nothing (skipped)
	CodeTotalRow      = "TOTAL_ROW"       // the row reads as a spreadsheet's total line (skipped)
	CodeSameAsRow     = "SAME_AS_ROW"     // the row repeats an earlier row without a key, which is planned once (skipped)
)

// oldReport is the report a --resume names, read in lock-step with the
// input (reports are in input order) by a run.ReportLines that applies
// resume's rules (check) to every line it reads.
type oldReport struct {
	path  string // the report named by --resume
	cfg   events.ReadConfig
	src   string              // the file read: the report, its record, or either moved aside
	lines *events.ReportLines // nil: the report has no rows (or is closed)
	sha   string              // the input_sha256 of the first line read
	// Of the whole report (openOldReport's first pass):
	lastRow int // the input row of its last line (0: it has none; a line's row is 1 or more)
}

// newOldReport reads the report at path: key proves each line (nil: not
// checked); account is this run's, to tell a line of another token from an
// edited one.
func newOldReport(path string, key []byte, account string) *oldReport {
	o := &oldReport{path: path}
	o.cfg = events.ReadConfig{Key: key, Account: account, Restore: "restore it or import without --resume", InOrder: true, Check: o.check}
	return o
}

// openOldReport opens a report written by Run. It reads the whole report
// once first: an edited, reordered or dry-run report is refused before any
// row is sent, not when the run reaches the bad line (the rows before it
// would have been sent again).
func openOldReport(path string, key []byte, account string, line func()) (*oldReport, error) {
	o := newOldReport(path, key, account)
	err := o.each("", func(l events.Line) error {
		line()
		o.lastRow = l.Row
		return nil
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// each reads the report from src (as start does) to its end, calls fn
// with each line, and closes it.
func (o *oldReport) each(src string, fn func(events.Line) error) error {
	if err := o.start(src); err != nil {
		return err
	}
	for {
		l, err := o.lines.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = fn(l)
		}
		if err != nil {
			_ = o.close()
			return err
		}
	}
	if err := o.close(); err != nil {
		return fmt.Errorf("reading the report to resume: %w", err)
	}
	return nil
}

// start opens the report (src, or the file run.OpenRecords picks when src
// is "") to read it from its first line.
func (o *oldReport) start(src string) error {
	_ = o.close()
	open, path := events.OpenXLSXRecords, src
	switch {
	case src == "":
		open, path = events.OpenRecords, o.path
	case strings.HasSuffix(src, ".csv") || strings.HasSuffix(src, ".csv.prev"):
		open = events.OpenCSVRecords
	}
	rs, err := open(path)
	if errors.Is(err, sheet.ErrNoRows) {
		o.src = src
		return nil
	}
	if err != nil {
		return err
	}
	o.lines, o.src, o.sha = rs.Lines(o.cfg), rs.Path(), ""
	return nil
}

// moveAside renames the file the report is read from to NAME.prev (the new
// report takes its path) and reads it from there.
func (o *oldReport) moveAside() error {
	_ = o.close()
	// The record of an XLSX report (src is not path): the XLSX goes too.
	for _, p := range slices.Compact([]string{o.src, o.path}) {
		if err := os.Rename(p, p+".prev"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("moving the old report aside: %w", err)
		}
	}
	if err := o.start(o.src + ".prev"); err != nil {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	return nil
}

// check is resume's rule for a report line (run.ReportLines has proven it
// and checked its row is in order): a real run's, of one input, with a
// status crmbulk writes and, when finished, the client's ID.
func (o *oldReport) check(l events.Line) error {
	if l.DryRun() {
		return fmt.Errorf("%s: row %d is a dry run's (note %q): a dry run sends nothing, so its report cannot be resumed — give the report of a real run, or import without --resume", o.src, l.Num, events.DryRunNote)
	}
	if strings.TrimSpace(l.InputSHA) == "" {
		return fmt.Errorf("%s: row %d, column \"input_sha256\" is empty: crmbulk writes the input's fingerprint on every line, so the report was edited — restore it or import without --resume", o.src, l.Num)
	}
	if o.sha == "" {
		o.sha = l.InputSHA // the first line's: every line must carry the same
	} else if l.InputSHA != o.sha {
		return fmt.Errorf("%s: row %d, column \"input_sha256\": %q differs from the report's first line (%q); the report was edited or mixes two inputs", o.src, l.Num, l.InputSHA, o.sha)
	}
	if !slices.Contains(events.Statuses(), l.Status) {
		return fmt.Errorf("%s: row %d, column \"status\": %q is not a status crmbulk writes (%s) — the report was edited; restore it or import without --resume", o.src, l.Num, l.Status, strings.Join(statusNames(), ", "))
	}
	if st := l.Status; st.Finished() && l.ID <= 0 {
		return fmt.Errorf("%s: row %d says %s but has no crm_client_id: crmbulk writes the client's ID with every %s line, so the report was edited — restore it or import without --resume", o.src, l.Num, st, st)
	}
	return nil
}

// statusNames is every status in report order.
func statusNames() []string {
	names := make([]string, 0, len(events.Statuses()))
	for _, s := range events.Statuses() {
		names = append(names, string(s))
	}
	return names
}

// close closes the report's lines; closing a closed (or nil) report does nothing.
func (o *oldReport) close() error {
	if o == nil {
		return nil
	}
	rl := o.lines
	o.lines = nil
	return rl.Close()
}
