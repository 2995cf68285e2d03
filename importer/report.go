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

// oldReport streams a previous report for --resume, in lock-step with the
// input (reports are in input order).
type oldReport struct {
	path string // the report named by --resume
	// key proves each line (nil: not checked); account is this run's, to
	// tell a line of another token from an edited one.
	key     []byte
	account string
	prevMAC string // the MAC of the line read last (the chain of proofs)
	src     string // the file read: the report, its record, or either moved aside
	rs      *events.Records
	next    *events.Line
	sha     string
	last    int // the row number of the line read before next
	// Of the whole report (openOldReport's first pass):
	lines   int // how many lines it has
	lastRow int // the input row of its last line
}

// openOldReport opens a report written by Run and reads its first line.
// It reads the whole report once first: an edited, reordered or dry-run
// report is refused before any row is sent, not when the run reaches the
// bad line (the rows before it would have been sent again).
func openOldReport(path string, key []byte, account string, line func()) (*oldReport, error) {
	o := &oldReport{path: path, key: key, account: account}
	if err := o.start(""); err != nil {
		return nil, err
	}
	sha := o.sha
	for o.next != nil {
		line()
		o.lines++
		o.lastRow = o.next.Row
		if err := o.advance(); err != nil {
			_ = o.close()
			return nil, err
		}
	}
	if err := o.close(); err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	o.sha = sha
	return o, nil
}

// start opens the report (src, or the one openRecords picks when src is
// "") and reads its first line.
func (o *oldReport) start(src string) error {
	var rs *events.Records
	var err error
	switch {
	case src == "":
		rs, err = events.OpenRecords(o.path)
		if err == nil {
			src = rs.Path()
		}
	case strings.HasSuffix(src, ".csv") || strings.HasSuffix(src, ".csv.prev"):
		rs, err = events.OpenCSVRecords(src)
	default:
		rs, err = events.OpenXLSXRecords(src)
	}
	if err != nil {
		if errors.Is(err, sheet.ErrNoRows) {
			o.rs, o.src, o.next = nil, src, nil
			return nil
		}
		return err
	}
	o.rs, o.src, o.last, o.sha, o.prevMAC = rs, src, 0, "", ""
	return o.advance()
}

// moveAside renames the file the report is read from to NAME.prev (the new
// report takes its path) and reads it from there.
func (o *oldReport) moveAside() error {
	_ = o.close()
	prev := o.src + ".prev"
	if err := os.Rename(o.src, prev); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("moving the old report aside: %w", err)
	}
	if o.src != o.path { // the record of an XLSX report: the XLSX goes too
		if err := os.Rename(o.path, o.path+".prev"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("moving the old report aside: %w", err)
		}
	}
	if err := o.start(prev); err != nil {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	return nil
}

func (o *oldReport) advance() error {
	o.next = nil
	if o.rs == nil {
		return nil
	}
	c, num, err := o.rs.Next()
	if errors.Is(err, io.EOF) {
		return o.close()
	}
	if err != nil {
		return err
	}
	if err := c.Proven(o.key, o.prevMAC, o.src, num, o.account); err != nil {
		return err
	}
	o.prevMAC = c.MAC()
	l, err := c.Line()
	if ce := (*events.CellError)(nil); errors.As(err, &ce) && ce.Column == "row" {
		return fmt.Errorf("%s: row %d, column \"row\": %q is not a row number; the report was edited — restore it or import without --resume", o.src, num, c.Cell("row"))
	}
	n := l.Row
	if n <= o.last {
		// lookup walks the report in step with the input: a line out of
		// order would be missed and its row sent again.
		return fmt.Errorf("%s: row %d, column \"row\": %d comes after %d; the report's lines must stay in input order (was it sorted?) — restore it or import without --resume", o.src, num, n, o.last)
	}
	o.last = n
	if l.Note == events.DryRunNote {
		return fmt.Errorf("%s: row %d is a dry run's (note %q): a dry run sends nothing, so its report cannot be resumed — give the report of a real run, or import without --resume", o.src, num, events.DryRunNote)
	}
	if strings.TrimSpace(l.InputSHA) == "" {
		return fmt.Errorf("%s: row %d, column \"input_sha256\" is empty: crmbulk writes the input's fingerprint on every line, so the report was edited — restore it or import without --resume", o.src, num)
	}
	if o.sha == "" {
		o.sha = l.InputSHA // the first line's: every line must carry the same
	} else if l.InputSHA != o.sha {
		return fmt.Errorf("%s: row %d, column \"input_sha256\": %q differs from the report's first line (%q); the report was edited or mixes two inputs", o.src, num, l.InputSHA, o.sha)
	}
	id, st := l.ID, l.Status // a crm_client_id that is no number reads as none
	if !slices.Contains(events.Statuses(), st) {
		return fmt.Errorf("%s: row %d, column \"status\": %q is not a status crmbulk writes (%s) — the report was edited; restore it or import without --resume", o.src, num, l.Status, strings.Join(statusNames(), ", "))
	}
	if st.Finished() && id <= 0 {
		return fmt.Errorf("%s: row %d says %s but has no crm_client_id: crmbulk writes the client's ID with every %s line, so the report was edited — restore it or import without --resume", o.src, num, st, st)
	}
	l.Num = num
	o.next = &l
	return nil
}

// lookup returns the old line for input row num, if the report has one.
func (o *oldReport) lookup(num int) (*events.Line, error) {
	for o.next != nil && o.next.Row < num {
		if err := o.advance(); err != nil {
			return nil, err
		}
	}
	if o.next != nil && o.next.Row == num {
		return o.next, nil
	}
	return nil, nil
}

// statusNames is every status in report order.
func statusNames() []string {
	names := make([]string, 0, len(events.Statuses()))
	for _, s := range events.Statuses() {
		names = append(names, string(s))
	}
	return names
}

func (o *oldReport) close() error {
	if o.rs == nil {
		return nil
	}
	rs := o.rs
	o.rs = nil
	return rs.Close()
}
