package importer

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/sheet"
)

// Status is the outcome of one row.
type Status string

// The statuses of a report line.
const (
	StatusCreated   Status = "created"   // a new client was created
	StatusUpdated   Status = "updated"   // an existing client was updated
	StatusUnchanged Status = "unchanged" // the matched client already held the row's values; nothing sent
	StatusInvalid   Status = "invalid"   // the row broke a rule; nothing sent
	StatusFailed    Status = "failed"    // the API refused the row or its outcome could not be settled
	StatusSkipped   Status = "skipped"   // not attempted (interrupted, or the run stopped on a fatal error)
)

// Statuses lists every status in report order.
func Statuses() []Status {
	return []Status{StatusCreated, StatusUpdated, StatusUnchanged, StatusInvalid, StatusFailed, StatusSkipped}
}

// finished reports whether a row with status s needs no further work on resume.
func (s Status) finished() bool {
	return s == StatusCreated || s == StatusUpdated || s == StatusUnchanged
}

// Error codes the importer itself writes (API refusals keep the API's code).
const (
	CodeInvalid        = "INVALID"         // validation or mapping problems
	CodeAmbiguous      = "AMBIGUOUS_MATCH" // two or more clients share the row's key
	CodeOutcomeUnknown = "OUTCOME_UNKNOWN" // a create was sent, its answer never came, and a look-up could not settle it
	CodeInterrupted    = "INTERRUPTED"     // SIGINT/SIGTERM before the row was sent
	CodeNotAttempted   = "NOT_ATTEMPTED"   // a fatal API error stopped the run before the row
	CodeTransport      = "TRANSPORT"       // no answer after the client's retries
)

// ReportHeader is the header of every report, in column order.
func ReportHeader() []string {
	return []string{"row", "status", "crm_client_id", "error_code", "error_message",
		"match_key", "column", "warnings", "note", "input_sha256"}
}

// Line is one line of the report: the outcome of one non-blank input row.
type Line struct {
	Row      int    // the row number a spreadsheet shows
	Status   Status //
	ID       int64  // crm_client_id created, updated or matched (0 = none)
	Code     string // error code: the API's verbatim, or one of the Code* constants
	Message  string // error message: the API's verbatim, or what went wrong and what to do
	MatchKey string // the normalised match key, "field:value"
	Column   string // source column(s) of the problems
	Warnings string // warnings (the row was still sent)
	Note     string // e.g. "dry run: not sent"

	// unsettled: a write was sent and whether it took effect is not known;
	// the journal keeps its "send" open for --resume.
	unsettled bool
}

// appendCells appends the line's report cells to buf (a writer reuses one
// buffer for every line). The fingerprint comes last: a line formatted
// before it was known ends with shaPending, overwritten in place later.
func (l *Line) appendCells(buf []string, sha string) []string {
	id := ""
	if l.ID > 0 {
		id = strconv.FormatInt(l.ID, 10)
	}
	return append(buf, strconv.Itoa(l.Row), string(l.Status), id, l.Code, l.Message,
		l.MatchKey, l.Column, l.Warnings, l.Note, sha)
}

// oldReport streams a previous report for --resume, in lock-step with the
// input (reports are in input order).
type oldReport struct {
	r    sheet.Reader
	col  map[string]int
	file string
	next *Line
	sha  string
	done bool
	last int // the row number of the line read before next
}

// openOldReport opens a report written by Run and reads its first line.
// format is "xlsx" or "csv" (a moved-aside REPORT.prev has no telling extension).
// It reads the whole report once first: an edited, reordered or dry-run
// report is refused before any row is sent, not when the run reaches the
// bad line (the rows before it would have been sent again).
func openOldReport(path, format string) (*oldReport, error) {
	o, err := startOldReport(path, format)
	if err != nil {
		return nil, err
	}
	for o.next != nil {
		if err := o.advance(); err != nil {
			_ = o.close()
			return nil, err
		}
	}
	if err := o.close(); err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	return startOldReport(path, format)
}

// startOldReport opens the report and reads its first line.
func startOldReport(path, format string) (*oldReport, error) {
	r, err := sheet.Open(path, sheet.Options{Format: format, UnguardFormulas: true})
	if err != nil {
		if errors.Is(err, sheet.ErrNoRows) {
			return &oldReport{done: true}, nil
		}
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	o := &oldReport{r: r, col: map[string]int{}, file: path}
	for i, h := range r.Header() {
		o.col[h] = i
	}
	for _, need := range []string{"row", "status", "input_sha256"} {
		if _, ok := o.col[need]; !ok {
			_ = r.Close()
			return nil, fmt.Errorf("%s: the header has no %q column: it is not a crmbulk import report; give the report an earlier import wrote", path, need)
		}
	}
	if err := o.advance(); err != nil {
		_ = r.Close()
		return nil, err
	}
	return o, nil
}

// reportFormat is the format of a report path, as sheet.Create chose it
// (CSV for a name without a known extension).
func reportFormat(path string) string {
	if f, err := sheet.FormatOf(path, ""); err == nil {
		return f
	}
	return "csv"
}

func (o *oldReport) cell(cells []string, name string) string {
	i, ok := o.col[name]
	if !ok || i >= len(cells) {
		return ""
	}
	return cells[i]
}

func (o *oldReport) advance() error {
	o.next = nil
	if o.done {
		return nil
	}
	row, err := o.r.Read()
	if errors.Is(err, io.EOF) {
		o.done = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the report to resume: %w", err)
	}
	c := row.Cells
	n, err := strconv.Atoi(strings.TrimSpace(o.cell(c, "row")))
	if err != nil {
		return fmt.Errorf("%s: row %d, column \"row\": %q is not a row number; the report was edited — restore it or import without --resume", o.file, row.Num, o.cell(c, "row"))
	}
	if n <= o.last {
		// lookup walks the report in step with the input: a line out of
		// order would be missed and its row sent again.
		return fmt.Errorf("%s: row %d, column \"row\": %d comes after %d; the report's lines must stay in input order (was it sorted?) — restore it or import without --resume", o.file, row.Num, n, o.last)
	}
	o.last = n
	if o.cell(c, "note") == dryNote {
		return fmt.Errorf("%s: row %d is a dry run's (note %q): a dry run sends nothing, so its report cannot be resumed — give the report of a real run, or import without --resume", o.file, row.Num, dryNote)
	}
	id, _ := strconv.ParseInt(strings.TrimSpace(o.cell(c, "crm_client_id")), 10, 64)
	o.next = &Line{Row: n, Status: Status(o.cell(c, "status")), ID: id, Code: o.cell(c, "error_code"),
		Message: o.cell(c, "error_message"), MatchKey: o.cell(c, "match_key"), Column: o.cell(c, "column"),
		Warnings: o.cell(c, "warnings"), Note: o.cell(c, "note")}
	sha := o.cell(c, "input_sha256")
	if o.sha == "" {
		o.sha = sha // the first line's: every line must carry the same
	} else if sha != o.sha {
		return fmt.Errorf("%s: row %d, column \"input_sha256\": %q differs from the report's first line (%q); the report was edited or mixes two inputs", o.file, row.Num, sha, o.sha)
	}
	return nil
}

// lookup returns the old line for input row num, if the report has one.
func (o *oldReport) lookup(num int) (*Line, error) {
	for o.next != nil && o.next.Row < num {
		if err := o.advance(); err != nil {
			return nil, err
		}
	}
	if o.next != nil && o.next.Row == num {
		l := o.next
		return l, nil
	}
	return nil, nil
}

func (o *oldReport) close() error {
	if o.r == nil {
		return nil
	}
	return o.r.Close()
}
