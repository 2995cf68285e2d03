package sheet

import (
	"archive/zip"
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/xuri/excelize/v2"
)

// Writer writes rows; the first Write is the header.
type Writer interface {
	Write(cells []string) error
	// Flush pushes buffered rows to the underlying writer (CSV). For XLSX it
	// is a no-op: the zip can only be written whole, on Close.
	Flush() error
	// Close flushes and finishes the file. It does not close an io.Writer
	// given to NewCSVWriter/NewXLSXWriter; a Writer from Create closes its file.
	Close() error
}

// CSVWriterOptions shape the CSV dialect.
type CSVWriterOptions struct {
	Delimiter     rune // 0 = ','
	BOM           bool // start with a UTF-8 byte order mark (Excel then reads UTF-8)
	GuardFormulas bool // apply GuardFormula to every cell
	CRLF          bool // end lines with \r\n
	// ExcelText writes each data cell that Excel or LibreOffice would show
	// as something else than its text (0048…, 01067, +48…, 2024-01-02) as
	// ExcelText's ="…", which they show as that text; a cell that cannot be
	// written so (too long, a line break) is guarded as GuardFormulas says.
	ExcelText bool
}

// NewCSVWriter writes RFC 4180 CSV to w. A CR LF inside a cell is read back
// as LF (as spreadsheet programs do).
func NewCSVWriter(w io.Writer, opt CSVWriterOptions) Writer {
	// One 64 KiB buffer (csv.Writer takes it as its own rather than adding
	// a 4 KiB one): a writer that flushes in batches makes one write per
	// batch, not one per 4 KiB.
	bw := bufio.NewWriterSize(w, csvWriteBuf)
	cw := csv.NewWriter(bw)
	cw.Comma = cmp.Or(opt.Delimiter, ',')
	cw.UseCRLF = opt.CRLF
	return &csvWriter{w: bw, cw: cw, opt: opt}
}

// csvWriteBuf is the CSV writer's buffer size.
const csvWriteBuf = 64 << 10

type csvWriter struct {
	w    io.Writer
	cw   *csv.Writer
	opt  CSVWriterOptions
	buf  []string
	rows int
}

func (c *csvWriter) Write(cells []string) error {
	if c.rows == 0 && c.opt.BOM {
		if _, err := io.WriteString(c.w, "\uFEFF"); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
	}
	c.rows++
	rec := cells
	excel := c.opt.ExcelText && c.rows > 1 // the header stays as it is
	if c.opt.GuardFormulas || excel {
		c.buf = c.buf[:0]
		for _, s := range cells {
			c.buf = append(c.buf, c.cell(s, excel))
		}
		rec = c.buf
	}
	if err := c.cw.Write(rec); err != nil {
		return fmt.Errorf("writing CSV row %d: %w", c.rows, err)
	}
	return nil
}

// cell is what the CSV holds for the value s.
func (c *csvWriter) cell(s string, excel bool) string {
	if excel && excelNumber(s) {
		return s // a number, no formula (-5 needs no guard)
	}
	if excel && excelChanges(s) {
		if t, ok := ExcelText(s); ok {
			return t
		}
	}
	if c.opt.GuardFormulas {
		return GuardFormula(s)
	}
	return s
}

func (c *csvWriter) Flush() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error { return c.Flush() }

// XLSXWriterOptions shape the workbook.
type XLSXWriterOptions struct {
	// SheetName of the only sheet; "" = "Sheet1".
	SheetName string
	// NumericColumns marks 0-based columns whose plain integers (no sign
	// other than '-', no leading zero, at most 15 digits) are written as
	// numbers; everything else is text.
	NumericColumns map[int]bool
	// Widths hints column widths in characters by 0-based column; a missing
	// or zero entry is sized from the header. All widths are capped by MaxWidth.
	Widths []float64
	// MaxWidth caps column widths; 0 = 60.
	MaxWidth float64
	// ProtectTextMarks applies ProtectTextMark to every cell, so that an
	// import (StripTextMark) reads back exactly what was written.
	ProtectTextMarks bool
}

// Limits of the XLSX format.
const (
	maxXLSXRows      = 1048576
	maxXLSXCellChars = 32767
)

// NewXLSXWriter streams a one-sheet workbook (excelize StreamWriter: rows
// spill to a temporary file, memory stays flat). Every value is a text cell
// except plain integers in NumericColumns. The header row is bold and frozen,
// and the autofilter covers every row written (so a spreadsheet's filter
// hides rows, not nothing). A value with a line break, or longer than its
// column is wide, wraps (top-aligned), so a multi-line address or a long
// error text is shown whole rather than cut or over its neighbours. Close
// writes the zip to w.
func NewXLSXWriter(w io.Writer, opt XLSXWriterOptions) (Writer, error) {
	opt.SheetName = cmp.Or(opt.SheetName, "Sheet1")
	if opt.MaxWidth <= 0 {
		opt.MaxWidth = 60
	}
	f := excelize.NewFile()
	if opt.SheetName != "Sheet1" {
		if err := f.SetSheetName("Sheet1", opt.SheetName); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("naming the sheet %q: %w", opt.SheetName, err)
		}
	}
	return &xlsxWriter{w: w, f: f, opt: opt}, nil
}

type xlsxWriter struct {
	w    io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	opt  XLSXWriterOptions
	row  int
	cols int // the widest row written (the sheet's dimension)
	vals []any
	done bool
	// header is the header's column count (the autofilter's width), widths
	// each column's width in characters, wrap the style of a wrapped cell,
	// bold the header's.
	header     int
	widths     []float64
	wrap, bold int
}

// begin prepares the sheet from the header: autofilter over the header
// (must precede the stream writer; Close widens it to every row), widths,
// frozen pane, bold and wrap styles.
func (x *xlsxWriter) begin(header []string) (err error) {
	x.header = len(header)
	if err := x.autoFilter(1); err != nil {
		return err
	}
	if x.sw, err = x.f.NewStreamWriter(x.opt.SheetName); err != nil {
		return fmt.Errorf("starting the sheet: %w", err)
	}
	for i, h := range header {
		width := float64(utf8.RuneCountInString(h)) + 4
		if i < len(x.opt.Widths) && x.opt.Widths[i] > 0 {
			width = x.opt.Widths[i]
		}
		width = min(max(width, 8), x.opt.MaxWidth)
		x.widths = append(x.widths, width)
		if err := x.sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("setting the width of column %d: %w", i+1, err)
		}
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("freezing the header: %w", err)
	}
	if x.bold, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return fmt.Errorf("making the header style: %w", err)
	}
	if x.wrap, err = x.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return fmt.Errorf("making the wrap style: %w", err)
	}
	return nil
}

// autoFilter puts the autofilter over the header's columns and rows 1 to
// rows (and the workbook's _FilterDatabase name with it). Nothing for a
// sheet without a header.
func (x *xlsxWriter) autoFilter(rows int) error {
	if x.header == 0 {
		return nil
	}
	last, err := excelize.CoordinatesToCellName(x.header, max(rows, 1))
	if err != nil {
		return fmt.Errorf("the header has too many columns (%d): %w", x.header, err)
	}
	if err := x.f.AutoFilter(x.opt.SheetName, "A1:"+last, nil); err != nil {
		return fmt.Errorf("adding the autofilter: %w", err)
	}
	return nil
}

// wraps reports whether a data cell's text is shown wrapped: it holds a
// line break or is longer than column i is wide.
func (x *xlsxWriter) wraps(i int, s string) bool {
	width := 8.0
	if i < len(x.widths) {
		width = x.widths[i]
	}
	return strings.ContainsAny(s, "\n\r") || float64(utf8.RuneCountInString(s)) > width
}

func (x *xlsxWriter) Write(cells []string) error {
	if x.done {
		return errors.New("writing XLSX: the writer is closed")
	}
	if x.sw == nil {
		if err := x.begin(cells); err != nil {
			return fmt.Errorf("writing XLSX: %w", err)
		}
	}
	x.row++
	if x.row > maxXLSXRows {
		return fmt.Errorf("writing XLSX row %d: an XLSX sheet holds at most %d rows — export as CSV instead", x.row, maxXLSXRows)
	}
	x.vals = x.vals[:0]
	x.cols = max(x.cols, len(cells))
	for i, s := range cells {
		// bytes ≥ UTF-16 units: most cells stop at the first test
		if len(s) > maxXLSXCellChars && utf16Len(s) > maxXLSXCellChars {
			return fmt.Errorf("writing XLSX row %d, column %d: the value has %d characters but an XLSX cell holds at most %d — export as CSV instead", x.row, i+1, utf16Len(s), maxXLSXCellChars)
		}
		if x.row > 1 && x.opt.ProtectTextMarks {
			s = ProtectTextMark(s)
		}
		s, err := placeControls(s)
		if err != nil {
			return fmt.Errorf("writing XLSX row %d, column %d: %w", x.row, i+1, err)
		}
		var v any = s
		if x.row > 1 && x.opt.NumericColumns[i] && plainInt(s) {
			n, _ := strconv.ParseInt(s, 10, 64)
			v = n
		} else if x.row > 1 && x.wraps(i, s) {
			v = excelize.Cell{StyleID: x.wrap, Value: s}
		}
		if x.row == 1 {
			v = excelize.Cell{StyleID: x.bold, Value: v}
		}
		x.vals = append(x.vals, v)
	}
	cell, _ := excelize.CoordinatesToCellName(1, x.row)
	if err := x.sw.SetRow(cell, x.vals); err != nil {
		return fmt.Errorf("writing XLSX row %d: %w", x.row, err)
	}
	return nil
}

// utf16Len counts UTF-16 code units, the unit of Excel's cell limit.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// plainInt: -?(0|[1-9][0-9]{0,14}) — exact as a float64 and shown as typed.
func plainInt(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 15 || d[0] == '0' && s != "0" {
		return false
	}
	return strings.Trim(d, "0123456789") == ""
}

// Flush is a no-op for XLSX: rows already stream to excelize's temporary
// storage and the zip is written whole on Close.
func (x *xlsxWriter) Flush() error { return nil }

func (x *xlsxWriter) Close() error {
	if x.done {
		return nil
	}
	x.done = true
	defer func() { _ = x.f.Close() }()
	if x.sw == nil {
		var err error
		if x.sw, err = x.f.NewStreamWriter(x.opt.SheetName); err != nil {
			return fmt.Errorf("writing XLSX: %w", err)
		}
	}
	// The stream writer writes the worksheet's autofilter as it stands at
	// Flush: widened now from the header to every row written.
	if err := x.autoFilter(x.row); err != nil {
		return fmt.Errorf("writing XLSX: %w", err)
	}
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("writing XLSX: %w", err)
	}
	// excelize's WriteTo assembles the whole zip in a bytes.Buffer before
	// writing it, so an export's memory would grow with its size (a 300k-client
	// workbook held ~140 MB). Its documented SetZipWriter hook lets the zip be
	// written straight to x.w instead; the buffer it then hands back is empty.
	// (What is lost is excelize's zip64 header patching, needed only for
	// parts over 4 GiB — far past XLSX's 1,048,576-row limit for this data.)
	dim, err := excelize.CoordinatesToCellName(max(x.cols, 1), max(x.row, 1))
	if err != nil {
		return fmt.Errorf("writing XLSX: %w", err)
	}
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return &fixZip{Writer: zip.NewWriter(x.w), dim: "A1:" + dim} })
	if _, err := x.f.WriteTo(io.Discard); err != nil {
		return fmt.Errorf("writing XLSX: %w", err)
	}
	return nil
}

// CreateOptions choose and shape a file made by Create.
type CreateOptions struct {
	Format string // "csv", "xlsx" or "" (from the extension)
	CSV    CSVWriterOptions
	XLSX   XLSXWriterOptions
}

// Create makes (or truncates) path and returns a Writer for it, CSV or XLSX
// by opt.Format or the extension. Close closes the file. Used for reports;
// exports go through CreateAtomic.
func Create(path string, opt CreateOptions) (Writer, error) {
	format, err := FormatOf(path, opt.Format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	f, err := safefile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the output file: %w", err)
	}
	var w Writer
	if format == "xlsx" {
		if w, err = NewXLSXWriter(f, opt.XLSX); err != nil {
			_ = f.Close()
			return nil, err
		}
	} else {
		w = NewCSVWriter(f, opt.CSV)
	}
	return &fileWriter{Writer: w, f: f}, nil
}

type fileWriter struct {
	Writer
	f *os.File
}

func (w *fileWriter) Close() error {
	err := w.Writer.Close()
	if cerr := w.f.Close(); cerr != nil && !errors.Is(cerr, os.ErrClosed) && err == nil {
		err = fmt.Errorf("closing %s: %w", w.f.Name(), cerr)
	}
	return err
}
