package sheet

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/xuri/excelize/v2"
)

// Row is one data row: Num is the row number a spreadsheet shows (the header
// row has its own number, the first data row is the header's number + 1;
// in CSV a quoted newline does not advance it) and Cells has exactly as many
// cells as the header.
type Row struct {
	Num   int
	Cells []string
	// Unsaved lists the cells (0-based) that hold a formula with no saved
	// value (an XLSX written by a program that does not compute formulas):
	// they read as empty, though the sheet would show a value.
	Unsaved []int
}

// Options tell a reader how to read a file. The zero value reads CSV or XLSX
// by the file's extension, sniffs the CSV encoding and delimiter and takes
// the first non-blank row as the header.
type Options struct {
	// Format is "csv", "xlsx" or "" (from the file's extension).
	Format string
	// Encoding names the CSV encoding, e.g. "windows-1250", "cp1250",
	// "iso-8859-2", "latin2", "windows-1252", "utf-16le". "" = UTF-8 unless a
	// BOM says UTF-16. A BOM always wins over this name.
	Encoding string
	// Delimiter of CSV cells; 0 = sniff among , ; tab | from the first lines.
	Delimiter rune
	// HeaderRow is the 1-based row number of the header; 0 = 1. Rows above it
	// are ignored; if it is blank, the first non-blank row below is the header.
	HeaderRow int
	// NoHeader says the file has no header row (a mapping's header_row: 0):
	// every non-blank row is data, and the columns are named by letter
	// (A, B, …, as a spreadsheet shows them), as wide as the first row.
	NoHeader bool
	// Sheet names the XLSX sheet; "" = the first sheet with data.
	Sheet string
	// Checked, if set, remembers the XLSX files read whole and found sound,
	// so that opening one again unchanged does not read it all again.
	Checked *Checked
	// UnguardFormulas applies StripTextMark to every cell.
	UnguardFormulas bool
}

// The XLSX limits: how far a workbook may inflate, in total and per part,
// and the size of a part's XML above which excelize spills it to a
// temporary file. A shared-strings part that excelize parses in memory
// costs it some 30 times its size (a 16 MB one peaked at 380 MB), so a
// part over 2 MB is spilled, and excelize keeps only an index
// (BenchmarkLargeInputRSS).
const (
	DefaultMaxUnzipSize   = 256 << 20
	DefaultMaxXMLInMemory = 2 << 20
)

// Count reads r to the end and returns how many data rows it yielded. It
// stops at the first error, which it returns with the rows counted before
// it; a file that counts without error will read without error.
func Count(r *Reader) (int, error) {
	for n := 0; ; n++ {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Open opens a CSV or XLSX file for reading (see Options, Reader).
func Open(path string, opt Options) (*Reader, error) {
	if err := excelOwnerFile(path); err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	format, err := FormatOf(path, opt.Format)
	if isEPP(path, opt.Format) {
		format, err = "epp", nil
	}
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	f, err := safefile.Open(path) // a FIFO or device is refused here, never waited on
	if err != nil {
		return nil, fmt.Errorf("opening the input file: %w", err)
	}
	newReader := newCSVReader
	switch format {
	case "xlsx":
		_ = f.Close()
		return openXLSXFile(path, name, opt)
	case "epp":
		newReader = newEPPReader
	}
	r, err := newReader(f, name, opt)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return r, nil
}

// FormatOf decides "csv" or "xlsx" from an explicit format or, when format
// is "", the file name's extension (.csv .tsv .txt; .xlsx .xlsm), as Open
// and Create do.
func FormatOf(path, format string) (string, error) {
	switch f := strings.ToLower(strings.TrimSpace(format)); f {
	case "csv", "xlsx":
		return f, nil
	case "":
	default:
		return "", hint(ErrFormat, fmt.Sprintf("format %q", format), `use "csv" or "xlsx"`)
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".tsv", ".txt":
		return "csv", nil
	case ".xlsx", ".xlsm":
		return "xlsx", nil
	case ".xls":
		return "", hint(ErrFormat, "old Excel 97–2003 workbook (.xls)", "save it as .xlsx or CSV in the spreadsheet program")
	default:
		return "", hint(ErrFormat, fmt.Sprintf("cannot tell the format from the name (extension %q)", ext),
			"name the file .csv or .xlsx (or .epp for an EDI++ export)")
	}
}

// source yields raw records: num is the row number a spreadsheet shows,
// cells may be reused by the next call. err is io.EOF or a sticky error.
type source interface {
	next() (num int, cells []string, err error)
}

// Reader yields data rows after the header: it turns a source into
// header + padded, checked data rows.
//
// Read returns io.EOF at the end. Blank rows (all cells empty or white
// space) are skipped and keep their numbers. When the error is Recoverable
// (ErrRagged, ErrEmptyHeader) the returned Row carries the row's number and
// cells and Read may be called again; other errors are sticky.
//
// Open reads the header and looks ahead for the first data row, so an
// empty file (ErrEmpty) or a header-only file (ErrNoRows) fails there,
// before any work starts.
type Reader struct {
	src       source
	closer    io.Closer // what Close releases; nil once it has
	file      string
	checkUTF8 bool // read as UTF-8 as it is: each cell is checked
	unguard   bool
	advice    string      // extra advice for ragged rows (e.g. the delimiter)
	delim     rune        // the CSV delimiter in use (given or sniffed); 0 for XLSX
	encoding  string      // the CSV encoding in use (given, by BOM or detected); "" for XLSX
	detected  bool        // encoding was detected, not given
	facts     *sheetFacts // from scanXLSX: formulas with no saved value, merged ranges; nil for CSV
	// fixedWidth names what sets the width when no header row does ("the
	// first row (the file has no header row)", an EDI++ record).
	fixedWidth string

	header []string
	width  int // header width before trailing empty cells were cut
	hdrNum int

	pend    Row
	pendErr error
	hasPend bool
	fatal   error
}

// start reads up to and including the header and looks ahead one data
// row. Without a header the columns are named A, B, … as wide as the first
// non-blank row, which is the first data row.
func (t *Reader) start(headerRow int, noHeader bool) error {
	if noHeader {
		headerRow = 0
	}
	for {
		num, cells, err := t.src.next()
		if errors.Is(err, io.EOF) && headerRow > 1 {
			return &ParseError{File: t.file, Err: hint(ErrEmpty,
				fmt.Sprintf("no non-blank row at or below row %d (the header row)", headerRow),
				"check the header row setting and that this is the right file")}
		}
		if errors.Is(err, io.EOF) {
			return &ParseError{File: t.file, Err: hint(ErrEmpty, "", "check that this is the right file and that it was saved with data")}
		}
		if err != nil {
			return err
		}
		if num < headerRow || blank(cells) {
			continue
		}
		if noHeader {
			t.width, t.fixedWidth = len(cells), "the first row (the file has no header row)"
			t.header = make([]string, len(cells))
			for i := range cells {
				t.header[i] = ColumnName(i)
			}
			t.pend, t.pendErr = t.build(num, cells)
			t.hasPend = true
			return nil
		}
		if err := t.setHeader(num, cells); err != nil {
			return err
		}
		break
	}
	row, err := t.read()
	if errors.Is(err, io.EOF) {
		return &ParseError{File: t.file, Row: t.hdrNum, Err: hint(ErrNoRows,
			fmt.Sprintf("only the header row %d was found", t.hdrNum), "add client rows under the header, or pick the right file or sheet")}
	}
	t.pend, t.pendErr, t.hasPend = row, err, true
	return nil
}

func (t *Reader) setHeader(num int, cells []string) error {
	t.hdrNum, t.width = num, len(cells)
	last := -1
	h := make([]string, len(cells))
	for i, c := range cells {
		if t.checkUTF8 && !utf8.ValidString(c) {
			return t.encodingError(num, i+1, "", c)
		}
		if t.unguard {
			c, _ = StripTextMark(c)
		}
		h[i] = chars.TrimSpace(c)
		if h[i] != "" {
			last = i
		}
	}
	// A name may repeat (a filler column twelve times): only a column the
	// mapping reads must be unique, which mapping.Bind checks; a repeated
	// name nothing reads is a warning there, not an error here.
	t.header = h[:last+1]
	return nil
}

func (t *Reader) encodingError(num, col int, name, cell string) error {
	bad := cell
	for i, r := range cell {
		if r == utf8.RuneError && !strings.HasPrefix(cell[i:], "\uFFFD") { // a bad byte, not the character
			bad = cell[i:min(len(cell), i+2)]
			break
		}
	}
	return &ParseError{File: t.file, Row: num, Column: col, Name: name, Err: hint(ErrEncoding,
		fmt.Sprintf("the file is not valid UTF-8 (bytes % x)", bad),
		"crmbulk could not tell which code page it is in (parts of it may be UTF-8, or its letters make no language): save it as \"CSV UTF-8\", or name the code page with --encoding windows-1250 (Polish, Czech), windows-1252 (Western) or iso-8859-2 (or `encoding:` in the mapping)")}
}

// Header returns the header names, white space trimmed, trailing empty
// header cells cut. Cells of every Row line up with it.
func (t *Reader) Header() []string { return t.header }

// ColumnName is a spreadsheet's name of the 0-based column i: A … Z, AA,
// AB … ("" past XFD, the last column a spreadsheet has).
func ColumnName(i int) string {
	name, _ := excelize.ColumnNumberToName(i + 1)
	return name
}

// ParseDelimiter reads a delimiter as people write it: "," ";" "|" or a tab,
// or their names comma, semicolon, tab (also written \t) and pipe.
func ParseDelimiter(s string) (rune, bool) {
	d, ok := delimiterNames[strings.ToLower(s)]
	return d, ok
}

// delimiterNames are the spellings ParseDelimiter reads. Never modified.
var delimiterNames = map[string]rune{
	",": ',', "comma": ',', ";": ';', "semicolon": ';',
	"\t": '\t', `\t`: '\t', "tab": '\t', "|": '|', "pipe": '|',
}

// DelimiterOf returns the delimiter a CSV reader from Open splits cells
// with — the one given in Options or the one it sniffed — and 0 for an
// XLSX reader.
func DelimiterOf(r *Reader) rune { return r.delim }

// EncodingOf returns the encoding a CSV Reader decodes its file from —
// "utf-8", the name given in Options.Encoding, "utf-16le"/"utf-16be" by BOM,
// or the code page it detected (detected true) — and "" for an XLSX Reader.
func EncodingOf(r *Reader) (name string, detected bool) { return r.encoding, r.detected }

// Read returns the next non-blank data row.
func (t *Reader) Read() (Row, error) {
	if !t.hasPend {
		return t.read()
	}
	t.hasPend = false
	return t.pend, t.pendErr
}

func (t *Reader) read() (Row, error) {
	if t.fatal != nil {
		return Row{}, t.fatal
	}
	for {
		num, cells, err := t.src.next()
		if err != nil {
			t.fatal = err
			return Row{}, err
		}
		if blank(cells) && len(t.facts.unsavedCols(num)) == 0 {
			continue
		}
		return t.build(num, cells)
	}
}

// cellError is the Recoverable problem of a cell with a value at index i:
// beyond the header (ragged) or under an empty header cell; nil when the
// cell is under a named header.
func (t *Reader) cellError(num, i int) error {
	switch {
	case i < len(t.header) && t.header[i] != "":
		return nil
	case i >= t.width && t.fixedWidth != "":
		return &ParseError{File: t.file, Row: num, Column: i + 1, Err: hint(ErrRagged,
			fmt.Sprintf("cell %d has a value but %s has only %d", i+1, t.fixedWidth, t.width),
			"remove the extra cells"+t.advice)}
	case i >= t.width:
		return &ParseError{File: t.file, Row: num, Column: i + 1, Err: hint(ErrRagged,
			fmt.Sprintf("cell %d has a value but the header (row %d) has only %d columns", i+1, t.hdrNum, t.width),
			"remove the extra cells or add names for them to the header"+t.advice)}
	default: // an empty header cell, or one of the empty cells cut from its end
		return &ParseError{File: t.file, Row: num, Column: i + 1, Err: hint(ErrEmptyHeader,
			fmt.Sprintf("the cell has a value but the header cell above it (row %d) is empty", t.hdrNum),
			"give the column a name in the header row or delete the value")}
	}
}

// build copies cells into a header-wide row and checks it.
func (t *Reader) build(num int, cells []string) (Row, error) {
	row := Row{Num: num, Cells: make([]string, len(t.header)), Unsaved: t.facts.unsavedCols(num)}
	var rowErr error
	for i, c := range cells {
		if t.checkUTF8 && !utf8.ValidString(c) {
			t.fatal = t.encodingError(num, i+1, nameAt(t.header, i), c)
			return Row{}, t.fatal
		}
		if len(c) > MaxCellChars && utf8.RuneCountInString(c) > MaxCellChars {
			t.fatal = &ParseError{File: t.file, Row: num, Column: i + 1, Name: nameAt(t.header, i), Err: hint(ErrRowTooLarge,
				fmt.Sprintf("the cell holds %d characters, more than the %d any field of the API takes (notes, the longest, holds 65,535 bytes)", utf8.RuneCountInString(c), MaxCellChars),
				"shorten it, or delete it if it is not client data; nothing was sent")}
			return Row{}, t.fatal
		}
		if t.unguard {
			c, _ = StripTextMark(c)
		}
		if i < len(t.header) {
			row.Cells[i] = c
		}
		if rowErr != nil || chars.Blank(c) {
			continue
		}
		rowErr = t.cellError(num, i)
	}
	return row, rowErr
}

// nameAt is the name of column i among names: "" past their end.
func nameAt(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return ""
}

// Close releases the file.
func (t *Reader) Close() error {
	c := t.closer
	if c == nil {
		return nil
	}
	t.closer = nil
	return c.Close()
}

// blank reports whether every cell is empty or white space.
func blank(cells []string) bool {
	return !slices.ContainsFunc(cells, func(c string) bool { return !chars.Blank(c) })
}
