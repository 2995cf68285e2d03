package ui

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/sheet"
)

// A corrected copy is the input with the cells a person fixed in the page:
// it is written beside the input as NAME.corrected.EXT (CSV stays CSV,
// XLSX stays XLSX), never over the input itself, atomically (a temporary
// file renamed on success), through sheet's writers. Every row keeps its
// number, so the plan, the report and the person's fixes all say the same
// row. What sheet's writers cannot keep is said by the page (copyKind).

// cellFix is one cell a person corrected: the row number the plan shows,
// the column's header (a letter for a file without a header row) and the
// new value.
type cellFix struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
}

// fixError is a fix that names a cell the file does not have, or a file
// that cannot be corrected in the page: the page shows Error at Row and
// Column.
type fixError struct {
	Row    int
	Column string
	Err    error
}

func (e *fixError) Error() string { return e.Err.Error() }
func (e *fixError) Unwrap() error { return e.Err }

// errFix marks every fixError, for errors.Is.
var errFix = errors.New("the fix cannot be made")

// correctedPath is where the corrected copy of input goes: beside it, as
// NAME.corrected.EXT; a corrected copy is corrected again in place.
func correctedPath(input string) string {
	ext := filepath.Ext(input)
	base := strings.TrimSuffix(input, ext)
	if strings.HasSuffix(base, ".corrected") {
		return input
	}
	return base + ".corrected" + ext
}

// copyKind is the kind of corrected copy a file of format gets: "xlsx"
// (one sheet of the cells' text) or "csv" (UTF-8 with a byte order
// mark). The page says in its language what such a copy does not keep
// of the original (fix.copy.* in static/run.js).
func copyKind(format string) string {
	if format == "xlsx" {
		return "xlsx"
	}
	return "csv"
}

// writeCorrected writes the corrected copy of input (read with opts, as
// the import reads it) with fixes applied and returns its path. A fix of
// a row or column the file does not have, a file in a format that cannot
// be written (EDI++), a row crmbulk cannot read whole, and a formula
// without a saved value that no fix gives a value are a *fixError; then
// nothing is written.
func writeCorrected(input string, opts sheet.Options, fixes []cellFix) (string, error) {
	if strings.EqualFold(filepath.Ext(input), ".epp") || strings.EqualFold(opts.Format, "epp") {
		return "", &fixError{Err: fmt.Errorf("%w: %s is an EDI++ file, which crmbulk reads but cannot write: fix the cell in the program that exported it and export it again", errFix, filepath.Base(input))}
	}
	format, err := sheet.FormatOf(input, opts.Format)
	if err != nil {
		return "", &fixError{Err: fmt.Errorf("%w: %s: %w — fix it in the program the file comes from", errFix, filepath.Base(input), err)}
	}
	opts.UnguardFormulas = false // the copy keeps every cell as the file holds it
	rd, err := sheet.Open(input, opts)
	if err != nil {
		return "", &fixError{Err: fmt.Errorf("%w: %w", errFix, err)}
	}
	defer rd.Close()
	byCell, err := indexFixes(rd.Header(), fixes)
	if err != nil {
		return "", err
	}
	out := correctedPath(input)
	af, err := sheet.CreateAtomic(out)
	if err != nil {
		return "", err
	}
	w, err := correctedWriter(af, format, rd, opts)
	if err == nil {
		err = copyFixed(w, rd, opts.NoHeader, byCell)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		_ = rd.Close() // before the copy may replace the file it reads (a corrected copy corrected again)
		err = af.Commit()
	}
	if err != nil {
		_ = af.Abort()
		return "", err
	}
	return out, nil
}

// indexFixes checks each fix against the header and returns them by row,
// then by column index.
func indexFixes(header []string, fixes []cellFix) (map[int]map[int]string, error) {
	byCell := map[int]map[int]string{}
	for _, f := range fixes {
		name := strings.TrimSpace(f.Column)
		col := slices.Index(header, name)
		if n := countOf(header, name); n > 1 {
			return nil, &fixError{Row: f.Row, Column: f.Column, Err: fmt.Errorf("%w: the file has %d columns named %q, so the cell is not clear: give them different names in the file", errFix, n, name)}
		}
		if col < 0 {
			return nil, &fixError{Row: f.Row, Column: f.Column, Err: fmt.Errorf("%w: the file has no column %q (its columns: %s); pick a cell of the plan's table",
				errFix, f.Column, strings.Join(header, ", "))}
		}
		if !utf8.ValidString(f.Value) {
			return nil, &fixError{Row: f.Row, Column: f.Column, Err: fmt.Errorf("%w: the new value of row %d, column %q is not text (not valid UTF-8); type it again", errFix, f.Row, f.Column)}
		}
		if f.Row < 1 {
			return nil, &fixError{Row: f.Row, Column: f.Column, Err: fmt.Errorf("%w: %d is not a row number; pick a cell of the plan's table", errFix, f.Row)}
		}
		if byCell[f.Row] == nil {
			byCell[f.Row] = map[int]string{}
		}
		byCell[f.Row][col] = f.Value
	}
	return byCell, nil
}

// correctedWriter makes the copy's writer in the input's format: CSV with
// the input's delimiter, UTF-8 with a BOM (which wins over any encoding a
// mapping names); XLSX with the sheet's name.
func correctedWriter(w io.Writer, format string, rd *sheet.Reader, opts sheet.Options) (sheet.Writer, error) {
	if format == "xlsx" {
		return sheet.NewXLSXWriter(w, sheet.XLSXWriterOptions{SheetName: opts.Sheet})
	}
	return sheet.NewCSVWriter(w, sheet.CSVWriterOptions{Delimiter: sheet.DelimiterOf(rd), BOM: true}), nil
}

// copyFixed writes the header and every row, each at its own row number
// (blank rows where the input has blank rows), with the fixes applied. A
// fix whose row the file does not have is an error at the end.
func copyFixed(w sheet.Writer, rd *sheet.Reader, noHeader bool, byCell map[int]map[int]string) error {
	num := 0 // the row number written last
	pad := func(to int) error {
		for ; num < to; num++ {
			if err := w.Write(nil); err != nil {
				return err
			}
		}
		return nil
	}
	first := true
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &fixError{Row: row.Num, Err: fmt.Errorf("%w: %w — fix that in the file itself, then open it again", errFix, err)}
		}
		if first && !noHeader { // the header right above the first data row: every row keeps its number
			if err := pad(row.Num - 2); err != nil {
				return err
			}
			if err := w.Write(rd.Header()); err != nil {
				return err
			}
			num++
		}
		first = false
		if err := pad(row.Num - 1); err != nil {
			return err
		}
		cells, err := fixedCells(row, rd.Header(), byCell[row.Num])
		if err != nil {
			return err
		}
		delete(byCell, row.Num)
		if err := w.Write(cells); err != nil {
			return err
		}
		num++
	}
	if len(byCell) > 0 {
		rows := slices.Sorted(maps.Keys(byCell))
		return &fixError{Row: rows[0], Err: fmt.Errorf("%w: the file has no client in row %d; pick a cell of the plan's table", errFix, rows[0])}
	}
	return nil
}

// fixedCells is row's cells with fixes applied; a formula without a saved
// value must be given one (the import reads it as a problem, and the copy
// cannot keep the formula).
func fixedCells(row sheet.Row, header []string, fixes map[int]string) ([]string, error) {
	cells := slices.Clone(row.Cells)
	for col, v := range fixes {
		cells[col] = v
	}
	for _, col := range row.Unsaved {
		if _, ok := fixes[col]; !ok && col < len(header) {
			return nil, &fixError{Row: row.Num, Column: header[col], Err: fmt.Errorf("%w: row %d, column %q holds a formula without a saved value, which the corrected copy cannot keep: type its value in this cell too (or open the file in Excel, save it, and open it again)",
				errFix, row.Num, header[col])}
		}
	}
	return cells, nil
}

// countOf counts the header cells named name.
func countOf(header []string, name string) int {
	n := 0
	for _, h := range header {
		if h == name {
			n++
		}
	}
	return n
}
