package sheet

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of input problems. Every *ParseError wraps exactly one of them, so
// callers test the kind with errors.Is.
var (
	// ErrEncoding: the bytes are not text in the expected encoding.
	ErrEncoding = errors.New("the text is not in the expected encoding")
	// ErrRagged: a row has non-empty cells beyond the header's columns.
	ErrRagged = errors.New("the row has more cells than the header")
	// ErrEmptyHeader: a cell has a value under a header cell that is empty.
	ErrEmptyHeader = errors.New("the column has a value but no header name")
	// ErrEmpty: the file (or the sheet) has no non-blank row at all.
	ErrEmpty = errors.New("the file has no rows")
	// ErrNoRows: the file has a header but no data row under it.
	ErrNoRows = errors.New("the file has a header but no data rows")
	// ErrQuote: a CSV quote is not closed or stands inside an unquoted cell.
	ErrQuote = errors.New("a quote is misplaced")
	// ErrFormat: the file is not the format its name or the options say.
	ErrFormat = errors.New("the file format is not supported")
	// ErrIncomplete: the file is cut short or a record of it is not whole
	// (an EDI++ line cut, a quote not closed, too few fields).
	ErrIncomplete = errors.New("the file is damaged or cut short")
	// ErrTooLarge: an XLSX part inflates beyond the configured limit.
	ErrTooLarge = errors.New("the spreadsheet inflates beyond the size limit")
	// ErrRowTooLarge: a row has more bytes or cells than crmbulk reads.
	ErrRowTooLarge = errors.New("a row is larger than crmbulk reads")
	// ErrSheetNotFound: the requested XLSX sheet does not exist.
	ErrSheetNotFound = errors.New("no such sheet")
	// ErrLocked: another process holds the lock of an output path.
	ErrLocked = errors.New("another crmbulk is writing there")
)

// ParseError reports a problem with the input, like encoding/csv's
// ParseError. Row is the row number a spreadsheet shows (0 = the whole file),
// Column is 1-based (0 = the whole row), Name is the column's header name
// when known. Err wraps one of the Err* kinds and says what to do.
type ParseError struct {
	File   string
	Row    int
	Column int
	Name   string
	Err    error
}

// Error formats as `customers.csv: row 12, column 3 ("Phone"): what — what to do`.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	sep := ":" // before the column: "row 12, column 3" or "column 3"
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
		sep = ","
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, "%s column %d", sep, e.Column)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%q)", e.Name)
		}
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the wrapped kind.
func (e *ParseError) Unwrap() error { return e.Err }

// Recoverable reports whether err is a row-level problem after which Read
// may be called again (the row is skipped): ErrRagged and ErrEmptyHeader.
// Every other error from Read is sticky and ends the reading.
func Recoverable(err error) bool {
	return errors.Is(err, ErrRagged) || errors.Is(err, ErrEmptyHeader)
}

// hint joins a kind, a detail and advice into `kind: detail — advice`.
func hint(kind error, detail, advice string) error {
	if detail == "" {
		return fmt.Errorf("%w — %s", kind, advice)
	}
	return fmt.Errorf("%w: %s — %s", kind, detail, advice)
}
