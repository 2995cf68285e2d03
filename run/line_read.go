package run

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/crmbulk/crmbulk/internal/shellquote"
)

// ErrOldReport is returned for a report without the columns an undo needs
// (written by an older crmbulk).
var ErrOldReport = errors.New("the report was written by an older crmbulk")

// ReadConfig says how ReportLines reads a report back.
type ReadConfig struct {
	Key     []byte // proves each line after the one before it (nil: not checked)
	Account string // the reader's: a line of another token is told from an edited one
	Restore string // what the refusal of an edited line tells to do ("restore it" if empty)
	// InOrder refuses a line whose row does not come after the row before
	// it (Lookup walks in step with the input: it would miss that line).
	InOrder bool
	Check   func(Line) error // the reader's own rules, if any, for every line read
}

// ReportLines reads a report crmbulk wrote back a line at a time, in file
// order: each line proven after the one before it (a chain) and read into
// a Line (Num: its row in the file; Proven: checked under a key). A line
// whose row or client ID is not one is refused. A nil ReportLines has no
// lines.
type ReportLines struct {
	cfg  ReadConfig
	rs   *Records
	prev string // the MAC of the line read last
	last int    // the row of the line read last
	next *Line  // read ahead by Peek
}

// Lines reads the records as lines: each proven, read and checked by cfg.
func (rs *Records) Lines(cfg ReadConfig) *ReportLines { return &ReportLines{cfg: cfg, rs: rs} }

// Close closes the file.
func (r *ReportLines) Close() error {
	if r == nil {
		return nil
	}
	return r.rs.Close()
}

// Next takes the next line; io.EOF at the end.
func (r *ReportLines) Next() (Line, error) {
	l, err := r.Peek()
	if l == nil {
		return Line{}, cmp.Or(err, io.EOF)
	}
	r.next = nil
	return *l, nil
}

// Peek returns the next line without taking it; nil at the end.
func (r *ReportLines) Peek() (*Line, error) {
	if r == nil {
		return nil, nil
	}
	if r.next == nil {
		l, err := r.read()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		r.next = &l
	}
	return r.next, nil
}

// Lookup returns the line of input row row (nil if the report has none),
// taking the lines before it but not the line itself: rows are looked up
// in ascending order, of a report read InOrder.
func (r *ReportLines) Lookup(row int) (*Line, error) {
	for {
		l, err := r.Peek()
		if err != nil || l == nil || l.Row > row {
			return nil, err
		}
		if l.Row == row {
			return l, nil
		}
		r.next = nil
	}
}

// read reads, proves and checks the line after the last one read.
func (r *ReportLines) read() (Line, error) {
	c, num, err := r.rs.Next()
	if err != nil {
		return Line{}, err
	}
	src, restore := r.rs.Path(), cmp.Or(r.cfg.Restore, "restore it")
	if err := c.Proven(r.cfg.Key, r.prev, src, num, r.cfg.Account); err != nil {
		return Line{}, err
	}
	r.prev = c.MAC()
	l, err := c.Line()
	if ce := (*CellError)(nil); errors.As(err, &ce) || l.Row < 1 || l.ID < 0 {
		col, what := "row", "a row number"
		if (ce != nil && ce.Column != "row") || (ce == nil && l.Row >= 1) {
			col, what = "crm_client_id", "a client ID"
		}
		return Line{}, fmt.Errorf("%s: row %d, column %q: %q is not %s; the report was edited — %s", src, num, col, c.Cell(col), what, restore)
	}
	if r.cfg.InOrder && l.Row <= r.last {
		return Line{}, fmt.Errorf("%s: row %d, column \"row\": %d comes after %d; the report's lines must stay in input order (was it sorted?) — %s", src, num, l.Row, r.last, restore)
	}
	r.last = l.Row
	l.Num, l.Proven = num, r.cfg.Key != nil
	if r.cfg.Check != nil {
		if err := r.cfg.Check(l); err != nil {
			return Line{}, err
		}
	}
	return l, nil
}

// ReadReport reads a report written by crmbulk (OpenRecords) and calls fn
// with each line, in file order. It refuses a file crmbulk did not write,
// one whose last line was cut, and one without the changes and account
// columns (errors.Is(err, ErrOldReport)). With a key every line must pass
// its proof: an edited or forged line is refused before fn sees any line
// (errors.Is(err, ErrUnproven)); account names the reader's account.
func ReadReport(path string, key []byte, account string, fn func(Line) error) error {
	if key != nil {
		if err := readReport(path, key, account, func(Line) error { return nil }); err != nil {
			return err
		}
	}
	return readReport(path, key, account, fn)
}

func readReport(path string, key []byte, account string, fn func(Line) error) error {
	rs, err := OpenRecords(path)
	if err != nil {
		return err
	}
	defer rs.Close()
	return readRecords(rs, path, key, account, fn)
}

// ReadReportFile is ReadReport, without a key, of the CSV report open in
// f (named by f.Name()), read from f's start: the file a caller opened and
// checked is the one read, whatever its path names meanwhile. f stays open.
func ReadReportFile(f *os.File, fn func(Line) error) error {
	rs, err := csvRecords(f, f.Name())
	if err != nil {
		return err
	}
	return readRecords(rs, f.Name(), nil, "", fn)
}

// readRecords calls fn with each line of the report rs (opened from path).
func readRecords(rs *Records, path string, key []byte, account string, fn func(Line) error) error {
	src, rl := rs.Path(), rs.Lines(ReadConfig{Key: key, Account: account})
	if rs.Torn() {
		return fmt.Errorf("%s: its last line was cut short (the run that wrote it was killed): the outcome of that row is in the run's journal; finish the run first with --resume %s", src, shellquote.ForGOOS(runtime.GOOS).Quote(path))
	}
	for _, need := range []string{"changes", "account"} {
		if !HasColumn(rs.Header(), need) {
			return fmt.Errorf("%w: %s has no %q column; undo needs a report of this crmbulk version, whose lines say what they changed and on which account", ErrOldReport, src, need)
		}
	}
	for {
		l, err := rl.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
}
