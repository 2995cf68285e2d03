package run

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/internal/recordmac"
	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/crmbulk/crmbulk/sheet"
)

// RecordPath is where a report in XLSX keeps its lines while the run goes:
// a CSV file beside it, written line by line, from which the XLSX is
// rendered at the end (an XLSX can only be written whole).
func RecordPath(report string) string { return report + ".record.csv" }

// The MAC of a line covers its cells and the MAC of the line before it
// (prev; "" for the first): a chain, so a line deleted, moved, or pasted
// in from another report breaks the proof of the line after it.

// Signed is the cells with their MAC under key, after the line whose MAC
// is prev (none without a key: a dry run, or a library caller without a
// state directory); a MAC the line was read with is never kept.
func (c Cells) Signed(key []byte, prev string) Cells {
	out := append(Cells(nil), c...)
	out[lineTable().mac] = ""
	if key != nil {
		out[lineTable().mac] = recordmac.Sum(key, append(c.content(), prev))
	}
	return out
}

// MAC is the line's proof cell.
func (c Cells) MAC() string { return c[lineTable().mac] }

// ErrUnproven marks a report line whose proof (line_mac) fails: the
// report was edited or forged, and is not resumed or undone.
var ErrUnproven = errors.New("a report line fails its proof")

// Proven checks the line's MAC under key, after the line whose MAC is prev
// (every line passes without a key). The error names the file and row,
// and says what to do.
func (c Cells) Proven(key []byte, prev, file string, num int, account string) error {
	mac := c.MAC()
	l, _ := c.Line()
	switch {
	case key == nil, recordmac.Verify(key, append(c.content(), prev), mac):
		return nil
	case l.DryRun() && mac == "":
		return nil // a dry run's plan proves nothing; resume and undo refuse it as such

	case strings.TrimSpace(mac) == "":
		return fmt.Errorf("%w: %s: row %d has no proof (its line_mac column is empty): crmbulk writes one on every line, so the report was edited or written by an older crmbulk; restore it as the run left it (nothing was sent)", ErrUnproven, file, num)
	case account != "" && l.Account != account:
		return fmt.Errorf("%w: %s: row %d was written with another API token (account %s; this token is %s): use the token of that run (nothing was sent)", ErrUnproven, file, num, l.Account, account)
	}
	return fmt.Errorf("%w: %s: row %d does not match its proof (line_mac): the line, or the one before it, was changed, moved or deleted after crmbulk wrote it — restore the report as the run left it; "+
		"or, if it is as written, run as the user and with the --state-dir of the run that wrote it, whose key proves it (nothing was sent)", ErrUnproven, file, num)
}

// ReportFile writes a CSV report a line at a time: the header, then each
// line signed after the one before it and guarded against formulas.
type ReportFile struct {
	path string
	key  []byte
	prev string // the MAC of the line written last
	f    *os.File
	buf  *bufio.Writer
	csv  *csv.Writer
}

// CreateReportFile creates (or truncates) a CSV report at path and writes
// its header. With a key (recordmac) every line carries its proof; wrap,
// if not nil, wraps the file's writer (tests inject faults there).
func CreateReportFile(path string, key []byte, wrap func(io.Writer) io.Writer) (*ReportFile, error) {
	f, err := safefile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the report: %w", err)
	}
	var w io.Writer = f
	if wrap != nil {
		w = wrap(w)
	}
	rf := &ReportFile{path: path, key: key, f: f, buf: bufio.NewWriterSize(w, 64<<10)}
	// (hidden behind an io.Writer: csv.NewWriter would adopt a *bufio.Writer
	// as its own buffer, and its flush would reach the file)
	rf.csv = csv.NewWriter(struct{ io.Writer }{rf.buf})
	if err := cmp.Or(rf.append(Columns()), rf.Flush()); err != nil {
		_ = f.Close()
		return nil, err
	}
	return rf, nil
}

// Append signs and writes a line's cells (Line.Cells) to the buffer; Flush
// puts it in the file.
func (rf *ReportFile) Append(c Cells) error {
	c = c.Signed(rf.key, rf.prev) // a copy: guarded in place
	rf.prev = c.MAC()
	for i, s := range c {
		c[i] = sheet.GuardFormula(s) // against being run as a formula by a spreadsheet
	}
	return rf.append(c)
}

func (rf *ReportFile) append(cells []string) error {
	if err := rf.csv.Write(cells); err != nil {
		return fmt.Errorf("writing the report %s: %w", rf.path, err)
	}
	return nil
}

// Write appends the line and flushes it to the file: a crash loses at most
// the line being written.
func (rf *ReportFile) Write(l Line) error {
	if err := rf.Append(l.Cells()); err != nil {
		return err
	}
	return rf.Flush()
}

// Flush puts the lines appended in the file.
func (rf *ReportFile) Flush() error {
	rf.csv.Flush()
	if err := errors.Join(rf.csv.Error(), rf.buf.Flush()); err != nil {
		return fmt.Errorf("writing the report %s: %w", rf.path, err)
	}
	return nil
}

// Close syncs and closes the file.
func (rf *ReportFile) Close() error {
	if err := errors.Join(rf.f.Sync(), rf.f.Close()); err != nil {
		return fmt.Errorf("closing the report %s: %w", rf.path, err)
	}
	return nil
}

// Records reads a report's lines back, in file order: a CSV report (or the
// record of an XLSX one) or an XLSX report, its columns found by name.
type Records struct {
	path   string
	header []string
	col    []int // for each column of Columns, its index in the file (-1: none)
	// CSV:
	f    *os.File
	cr   *csv.Reader
	torn bool // the bytes after the last newline (a line cut by a crash) are not read
	read int  // records read: the next is the spreadsheet's row read+2
	// XLSX:
	x *sheet.Reader
}

// OpenRecords opens a report written by crmbulk: the CSV record of an XLSX
// report when a crashed run left one, else the report itself.
func OpenRecords(path string) (*Records, error) {
	if _, err := os.Stat(RecordPath(path)); err == nil {
		return OpenCSVRecords(RecordPath(path))
	}
	if f, err := sheet.FormatOf(path, ""); err == nil && f == "xlsx" {
		return OpenXLSXRecords(path)
	}
	return OpenCSVRecords(path)
}

// OpenCSVRecords opens a CSV report.
func OpenCSVRecords(path string) (*Records, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	rs, err := csvRecords(f, path)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return rs, nil
}

// csvRecords reads the header of the CSV report open in f (from path);
// f is not closed on an error.
func csvRecords(f *os.File, path string) (*Records, error) {
	whole, size, err := wholeLines(f)
	if err != nil {
		return nil, fmt.Errorf("reading the report to resume: %s: %w", path, err)
	}
	cr := csv.NewReader(io.LimitReader(f, whole))
	cr.FieldsPerRecord = 0 // every line as wide as the header, as crmbulk writes it: a ragged line is an edit
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the file is empty")
		}
		return nil, fmt.Errorf("%s: %w: it is not a crmbulk import report; give the report an earlier import wrote", path, err)
	}
	rs := &Records{path: path, f: f, cr: cr, torn: size > whole}
	if err := rs.start(header); err != nil {
		return nil, err
	}
	return rs, nil
}

// OpenXLSXRecords opens an XLSX report.
func OpenXLSXRecords(path string) (*Records, error) {
	r, err := sheet.Open(path, sheet.Options{Format: "xlsx"})
	if err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	rs := &Records{path: path, x: r}
	if err := rs.start(r.Header()); err != nil {
		_ = r.Close()
		return nil, err
	}
	return rs, nil
}

// start checks the header and finds the columns in it (by gocsv's rule: a
// name as is, trimmed, or without zero-width characters). Found by hand:
// the proof (line_mac) covers the cells as the file holds them, in column
// order, which gocsv's Unmarshaller does not give, and an XLSX report's
// rows come from sheet.Reader, not the *csv.Reader it takes.
func (rs *Records) start(header []string) error {
	rs.header = header
	if err := checkHeader(rs.path, header); err != nil {
		return err
	}
	rs.col = make([]int, len(lineTable().header))
	for i, name := range lineTable().header {
		rs.col[i] = -1
		for j, h := range header {
			if h == name || strings.TrimSpace(h) == name || strings.Map(dropZeroWidth, h) == name {
				rs.col[i] = j
			}
		}
	}
	return nil
}

// dropZeroWidth drops the zero-width characters a header may carry (a BOM).
func dropZeroWidth(r rune) rune {
	if strings.ContainsRune("\u200B\uFEFF\u200D\u200C", r) {
		return -1
	}
	return r
}

// Path is the file read; Header its header.
func (rs *Records) Path() string     { return rs.path }
func (rs *Records) Header() []string { return rs.header }

// Torn reports whether the file's last line was cut (and is not read).
func (rs *Records) Torn() bool { return rs.torn }

// Next returns the next line's cells (unguarded) and the row a spreadsheet
// shows it at; io.EOF at the end.
func (rs *Records) Next() (Cells, int, error) {
	var row []string
	var num int
	if rs.x != nil {
		r, err := rs.x.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("reading the report to resume: %w", err)
			}
			return nil, 0, err
		}
		row, num = r.Cells, r.Num
	} else {
		r, err := rs.cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, 0, io.EOF
			}
			return nil, 0, fmt.Errorf("reading the report to resume: %s: %w", rs.path, err)
		}
		// The row a spreadsheet shows: the header is row 1 and each record
		// one row, whatever newlines its cells hold (a file line number is not).
		rs.read++
		row, num = r, rs.read+1
		for _, cell := range row {
			if !utf8.ValidString(cell) || strings.IndexByte(cell, 0) >= 0 {
				return nil, 0, fmt.Errorf("%s: row %d: the report is not UTF-8 text — it was saved again in another encoding; restore it or import without --resume", rs.path, num)
			}
		}
	}
	c := make(Cells, len(rs.col))
	for i, j := range rs.col {
		if j >= 0 && j < len(row) {
			c[i], _ = sheet.StripTextMark(row[j])
		}
	}
	return c, num, nil
}

// Close closes the file.
func (rs *Records) Close() error {
	if rs.x != nil {
		return rs.x.Close()
	}
	return rs.f.Close()
}

// checkHeader refuses a header crmbulk never writes: not UTF-8 (a report
// saved again by a spreadsheet in a code page), a column twice, or without
// the columns a resume needs.
func checkHeader(path string, header []string) error {
	seen := map[string]bool{}
	for i, h := range header {
		if !utf8.ValidString(h) || strings.IndexByte(h, 0) >= 0 {
			return fmt.Errorf("%s: row 1, column %d: the header is not UTF-8 text — the report was saved again in another encoding; restore it or import without --resume", path, i+1)
		}
		k, _ := sheet.StripTextMark(h)
		k = strings.ToLower(strings.TrimSpace(k))
		if seen[k] && k != "" {
			return fmt.Errorf("%s: row 1, column %d: %q is a column twice — the report was edited; restore it or import without --resume", path, i+1, h)
		}
		seen[k] = true
	}
	for _, f := range lineTable().columns {
		if f.required && !HasColumn(header, f.csv) {
			return fmt.Errorf("%s: the header has no %q column: it is not a crmbulk import report; give the report an earlier import wrote", path, f.csv)
		}
	}
	return nil
}

// HasColumn reports whether header has the column name.
func HasColumn(header []string, name string) bool {
	return slices.ContainsFunc(header, func(h string) bool {
		h, _ = sheet.StripTextMark(h)
		return strings.TrimSpace(h) == name
	})
}

// wholeLines returns how many bytes of f end with its last newline, and
// f's size: crmbulk ends every report line with one, so bytes after it are
// a line a crash cut short, which a resume settles from the journal. f is
// left at 0.
func wholeLines(f *os.File) (whole, size int64, err error) {
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	buf := make([]byte, 64<<10)
	for end := st.Size(); end > 0; {
		start := max(end-int64(len(buf)), 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, st.Size(), nil
		}
		end = start
	}
	return 0, st.Size(), nil
}
