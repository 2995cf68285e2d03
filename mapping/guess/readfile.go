package guess

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/sheet"
)

// Input is what `mapping init` reads of a file: its header, its first
// rows, and how it was read.
type Input struct {
	Header []string
	Rows   [][]string
	Source Source
}

// HeaderScan is how many rows ReadFile looks at for the header.
const HeaderScan = 20

// ReadFile reads the header and the first SampleRows rows of a CSV, XLSX
// or EDI++ file. The header is the row of the first HeaderScan that reads
// most like one (FindHeader): a title, a blank line or a format line above
// it (an accountant's sheet, DATEV's EXTF line) is skipped, and the row is
// said in Source.HeaderRow.
func ReadFile(path string, so sheet.Options) (Input, error) {
	var in Input
	if so.Checked == nil {
		so.Checked = &sheet.Checked{} // the header search and the read check an XLSX once
	}
	if _, err := sheet.FormatOf(path, so.Format); err == nil && so.HeaderRow == 0 && !so.NoHeader {
		so.HeaderRow = findHeaderRow(path, so) // 0: the first non-blank row, as without
		in.Source.HeaderRow = so.HeaderRow
	}
	r, err := sheet.Open(path, so)
	if err != nil {
		return in, err
	}
	in.Header = r.Header()
	in.Rows, _ = readRows(r, SampleRows) // the first rows the guess judges values by
	if err := r.Close(); err != nil {
		return in, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	in.Source.File, in.Source.Sheet = path, so.Sheet
	if e := strings.ToLower(strings.TrimSpace(so.Encoding)); e != "" && e != "utf-8" && e != "utf8" {
		in.Source.Encoding = so.Encoding
	}
	// A code page the reader detected goes into the mapping, so the import
	// reads the file the way this proposal did, and a person sees it.
	if name, detected := sheet.EncodingOf(r); detected {
		in.Source.Encoding, in.Source.EncodingDetected = name, true
	}
	// The delimiter the reader split the header with, given or sniffed:
	// the mapping must say the same, or the import would split otherwise.
	in.Source.Delimiter = sheet.DelimiterOf(r)
	if in.Source.Delimiter == ',' {
		in.Source.Delimiter = 0 // the default: not needed in source:
	}
	return in, nil
}

// readRows reads up to n rows: their cells and numbers. A row the reader
// can go on after (ragged) is taken as it is; at any other error the rows
// so far are enough: the import will report it.
func readRows(r *sheet.Reader, n int) (rows [][]string, nums []int) {
	for len(rows) < n {
		row, err := r.Read()
		if err != nil && !sheet.Recoverable(err) {
			break
		}
		rows, nums = append(rows, row.Cells), append(nums, row.Num)
	}
	return rows, nums
}

// findHeaderRow reads the first HeaderScan non-blank rows as data and
// returns the number of the header row FindHeader picks, or 0 when it is
// the first non-blank row (the reader's default).
func findHeaderRow(path string, so sheet.Options) int {
	so.NoHeader = true
	r, err := sheet.Open(path, so)
	if err != nil {
		return 0
	}
	defer func() { _ = r.Close() }()
	rows, nums := readRows(r, HeaderScan)
	if i := FindHeader(rows); i > 0 {
		return nums[i]
	}
	return 0
}

// FindHeader returns the index of the row that reads most like a header:
// the first with at least two cells, most of them names (text with a
// letter, not an e-mail, a number or a date), at least half as many as the
// widest row has values, and a row below it; of those, the first that
// holds a name the vocabulary knows. 0 when none does better than the
// first row.
func FindHeader(rows [][]string) int {
	widest := 0
	for _, r := range rows {
		widest = max(widest, len(nonBlank(r)))
	}
	first := -1
	for i, r := range rows {
		if i == len(rows)-1 {
			break // a header has data below it
		}
		n, names, known := len(nonBlank(r)), 0, 0
		for _, c := range r {
			if headerLike(c) {
				names++
				if rd := suggest.Read(c, 0, 1); rd.Match == suggest.Phrase {
					known++
				}
			}
		}
		if n < 2 || 10*names < 6*n || 2*names < widest {
			continue
		}
		if known > 0 {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return max(first, 0)
}

// headerLike reports a cell that could be a column's name.
func headerLike(c string) bool {
	c = strings.TrimSpace(c)
	n := len([]rune(c))
	if n == 0 || n > 60 || strings.Contains(c, "@") || strings.Contains(c, "://") {
		return false
	}
	return strings.ContainsFunc(c, unicode.IsLetter) && digits(c)*3 <= n
}
