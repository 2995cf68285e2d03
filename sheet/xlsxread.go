package sheet

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// openXLSXFile checks the workbook at path whole (scanXLSX, unless
// opt.Checked knows it) before excelize streams its sheet.
func openXLSXFile(path, name string, opt Options) (*Reader, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("opening the input file: %w", err)
		}
		return nil, notZip(name, err)
	}
	key, facts, checked := opt.Checked.lookup(path)
	if !checked {
		err = checkInflation(name, &zr.Reader, DefaultMaxUnzipSize)
		if err == nil {
			facts, err = scanXLSX(name, &zr.Reader)
		}
	}
	_ = zr.Close()
	if err != nil {
		return nil, err
	}
	opt.Checked.remember(key, facts)
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: DefaultMaxUnzipSize, UnzipXMLSizeLimit: DefaultMaxXMLInMemory})
	if err != nil {
		return nil, excelizeOpenError(name, err)
	}
	src, err := pickSheet(f, name, opt.Sheet)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	src.facts, src.first = facts[src.sheet], map[mergeArea]string{}
	t := &Reader{src: src, closer: src, file: src.file, unguard: opt.UnguardFormulas, facts: src.facts}
	if err := t.start(opt.HeaderRow, opt.NoHeader); err != nil {
		_ = src.Close()
		return nil, err
	}
	return t, nil
}

func notZip(name string, err error) error {
	return &ParseError{File: name, Err: fmt.Errorf("%w (%w)", hint(ErrFormat, "not an XLSX workbook (not a zip archive)",
		"if it is CSV, name it .csv; a password-protected or .xls workbook must be saved as a plain .xlsx first"), err)}
}

// checkInflation refuses an archive whose parts would inflate past limit, in
// total or alone (archive/zip enforces the declared sizes while reading).
func checkInflation(name string, zr *zip.Reader, limit int64) error {
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > uint64(limit) || total > uint64(limit) {
			return &ParseError{File: name, Err: hint(ErrTooLarge,
				fmt.Sprintf("its part %q inflates to %d bytes (%d so far in total), over the limit of %d bytes", zf.Name, zf.UncompressedSize64, total, limit),
				"this is not an ordinary spreadsheet (possibly a zip bomb); if it is genuine, save it as CSV in the spreadsheet program and import that")}
		}
	}
	return nil
}

func excelizeOpenError(name string, err error) error {
	if strings.Contains(err.Error(), "unzip size") {
		return &ParseError{File: name, Err: fmt.Errorf("%w (%w)", hint(ErrTooLarge, "the workbook inflates past the size limit",
			"this is not an ordinary spreadsheet (possibly a zip bomb); if it is genuine, save it as CSV in the spreadsheet program and import that"), err)}
	}
	return &ParseError{File: name, Err: fmt.Errorf("%w (%w)", hint(ErrFormat, "the workbook cannot be read",
		"open it in a spreadsheet program and save it again as .xlsx, or export it as CSV"), err)}
}

// pickSheet opens the named sheet, or the first sheet with a non-blank row.
func pickSheet(f *excelize.File, name, want string) (*xlsxSource, error) {
	sheets := f.GetSheetList()
	if want != "" {
		if i := slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(s, want) }); i >= 0 {
			return openSheet(f, name, sheets[i])
		}
		return nil, &ParseError{File: name, Err: hint(ErrSheetNotFound,
			fmt.Sprintf("no sheet named %q; the workbook has %s", want, quoteList(sheets)), "pass one of them with --sheet")}
	}
	for _, s := range sheets {
		src, err := openSheet(f, name, s)
		if err != nil {
			return nil, err
		}
		has, err := src.hasData()
		_ = src.rows.Close()
		if err != nil {
			return nil, err
		}
		if has {
			return openSheet(f, name, s)
		}
	}
	return nil, &ParseError{File: name, Err: hint(ErrEmpty,
		fmt.Sprintf("none of the sheets %s has a non-blank row", quoteList(sheets)), "check that this is the right workbook")}
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func openSheet(f *excelize.File, name, sheet string) (*xlsxSource, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w (%w)", hint(ErrFormat, fmt.Sprintf("sheet %q cannot be read", sheet),
			"open the workbook in a spreadsheet program and save it again"), err)}
	}
	return &xlsxSource{f: f, rows: rows, file: name + " [" + sheet + "]", sheet: sheet}, nil
}

// xlsxSource streams one sheet with excelize's Rows iterator.
type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	file  string
	sheet string
	num   int
	facts *sheetFacts          // from scanXLSX: unsaved formulas, merged ranges
	first map[mergeArea]string // each merged range's value, once its first row is read
}

func (s *xlsxSource) hasData() (bool, error) {
	for {
		_, cells, err := s.next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !blank(cells) {
			return true, nil
		}
	}
}

func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, s.wrap(err)
		}
		return 0, nil, io.EOF
	}
	s.num++
	cells, err := s.rows.Columns()
	if err != nil {
		return 0, nil, s.wrap(err)
	}
	if s.facts != nil && len(s.facts.merges) > 0 {
		// A merged range's value is in its first cell only: every row it
		// covers gets it (a customer's company merged over its three rows).
		cells = s.facts.fill(s.num, cells, s.first)
	}
	return s.num, cells, nil
}

func (s *xlsxSource) wrap(err error) error {
	return &ParseError{File: s.file, Row: s.num, Err: fmt.Errorf("%w (%w)", hint(ErrFormat, "the sheet cannot be read here",
		"open the workbook in a spreadsheet program and save it again, or export it as CSV"), err)}
}

func (s *xlsxSource) Close() error { return errors.Join(s.rows.Close(), s.f.Close()) }
