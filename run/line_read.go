package run

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/crmbulk/crmbulk/internal/shellquote"
)

// ErrOldReport is returned for a report without the columns an undo needs
// (written by an older crmbulk).
var ErrOldReport = errors.New("the report was written by an older crmbulk")

// ReadReport reads a report written by crmbulk (CSV or XLSX; the record an
// XLSX report keeps beside it while its run goes, if a crash left one) and
// calls fn with each line, in file order (Num: its row in the file; Proven:
// checked under key). It refuses a file crmbulk did not write, and one
// without the changes and account columns (errors.Is(err, ErrOldReport)).
// With a key every line must pass its proof: an edited or forged line is
// refused before fn sees any line (errors.Is(err, ErrUnproven)); account
// names the reader's account.
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
	src := rs.Path()
	if rs.Torn() {
		return fmt.Errorf("%s: its last line was cut short (the run that wrote it was killed): the outcome of that row is in the run's journal; finish the run first with --resume %s", src, shellquote.ForGOOS(runtime.GOOS).Quote(path))
	}
	for _, need := range []string{"changes", "account"} {
		if !HasColumn(rs.Header(), need) {
			return fmt.Errorf("%w: %s has no %q column; undo needs a report of this crmbulk version, whose lines say what they changed and on which account", ErrOldReport, src, need)
		}
	}
	prev := ""
	for {
		c, num, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := c.Proven(key, prev, src, num, account); err != nil {
			return err
		}
		prev = c.MAC()
		l, err := c.Line()
		if ce := (*CellError)(nil); errors.As(err, &ce) || l.Row < 1 {
			col, what := "row", "a row number"
			if ce != nil && ce.Column != "row" {
				col, what = ce.Column, "a client ID"
			}
			return fmt.Errorf("%s: row %d, column %q: %q is not %s; the report was edited — restore it", src, num, col, c.Cell(col), what)
		}
		if l.ID < 0 {
			return fmt.Errorf("%s: row %d, column \"crm_client_id\": %q is not a client ID; the report was edited — restore it", src, num, c.Cell("crm_client_id"))
		}
		l.Num, l.Proven = num, key != nil
		if err := fn(l); err != nil {
			return err
		}
	}
}
