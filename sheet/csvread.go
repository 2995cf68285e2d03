package sheet

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"

	"golang.org/x/text/transform"
)

const (
	bufSize    = 64 << 10
	sniffBytes = 32 << 10
	sniffLines = 20
)

// delimiters are the candidates the sniffer considers, in order of
// preference on a tie.
var delimiters = []rune{',', ';', '\t', '|'}

// newCSVReader reads CSV from r; name is the file name used in errors.
// It reads the header and looks ahead one data row (see Reader). Closing the
// Reader closes r.
func newCSVReader(r io.ReadCloser, name string, opt Options) (*Reader, error) {
	perr := func(err error) error { return &ParseError{File: name, Err: err} }
	t := &Reader{file: name, unguard: opt.UnguardFormulas}
	br, err := t.decode(r, opt.Encoding)
	if err != nil {
		return nil, perr(err)
	}
	sample, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, perr(fmt.Errorf("reading the file: %w", err))
	}
	if t.checkUTF8 && opt.Encoding == "" && bytes.IndexByte(sample, 0) >= 0 {
		return nil, perr(hint(ErrEncoding, "the file contains NUL bytes, so it is not UTF-8 text",
			"if it is UTF-16 without a byte order mark read it with --encoding utf-16le; if it is a workbook name it .xlsx"))
	}
	delim, err := csvDelimiter(br, sample, opt.Delimiter)
	if err != nil {
		return nil, perr(err)
	}
	budget := &recordBudget{r: br}
	lines := &lineTail{r: budget, first: 1, line: 1}
	cr := csv.NewReader(lines)
	cr.Comma = delim
	if delim < utf8.RuneSelf {
		budget.delim = byte(delim)
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t.src, t.closer = &csvSource{cr: cr, file: name, lines: lines, budget: budget}, r
	t.delim, t.advice = delim, fmt.Sprintf(", or check the delimiter (read as %q; set it with --delimiter)", delim)
	if opt.Delimiter != 0 {
		t.advice = fmt.Sprintf(", or check the delimiter (%q was given)", delim)
	}
	if err := t.start(opt.HeaderRow, opt.NoHeader); err != nil {
		return nil, err
	}
	return t, nil
}

// decode decides a CSV's encoding — the one named, else by its byte order
// mark, else UTF-8 or the code page its letters make sense in — and
// returns its text. It sets t's encoding, detected and checkUTF8.
func (t *Reader) decode(r io.Reader, name string) (*bufio.Reader, error) {
	enc, err := lookupEncoding(name)
	if err != nil {
		return nil, err
	}
	t.encoding = strings.TrimSpace(name)
	detect := t.encoding == ""
	if enc == nil {
		t.encoding = "utf-8"
	}
	raw := bufio.NewReaderSize(r, bufSize)
	if detect {
		raw = bufio.NewReaderSize(r, detectBytes)
	}
	head, _ := raw.Peek(3)
	var text io.Reader = raw
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = raw.Discard(3)
		t.checkUTF8 = true
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		text = transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		t.encoding = "utf-16le"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		text = transform.NewReader(raw, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
		t.encoding = "utf-16be"
	default:
		if detect {
			sample, err := peekText(raw, detectBytes)
			if err != nil {
				return nil, fmt.Errorf("reading the file: %w", err)
			}
			if d, ok := detectCodePage(sample); ok {
				enc, t.encoding, t.detected = d.enc, d.name, true
			}
		}
		if enc == nil {
			t.checkUTF8 = true
		} else {
			text = transform.NewReader(raw, enc.NewDecoder())
		}
	}
	return bufio.NewReaderSize(text, bufSize), nil
}

// csvDelimiter decides the delimiter: Excel's "sep=;" first line (which is
// no row: it is skipped in br), else the one given, else the one sample's
// lines agree on. A delimiter CSV cannot have is refused.
func csvDelimiter(br *bufio.Reader, sample []byte, given rune) (rune, error) {
	delim := given
	if sep, n := excelSepLine(sample); n > 0 {
		_, _ = br.Discard(n)
		delim = cmp.Or(delim, sep) // a delimiter given wins
		sample = sample[n:]
	}
	if delim == 0 {
		return sniffDelimiter(sample), nil
	}
	if delim == '"' || delim == '\r' || delim == '\n' || delim == utf8.RuneError || !utf8.ValidRune(delim) {
		return 0, hint(ErrFormat, fmt.Sprintf("delimiter %q cannot be used", delim), `use ",", ";", tab or "|"`)
	}
	return delim, nil
}

// detectBytes is how much of a CSV without a named encoding is looked at
// to tell UTF-8 from a legacy code page: thousands of rows.
const detectBytes = 1 << 20

// peekText peeks at the first n bytes of raw (fewer in a shorter file)
// without the last character when they fill n, where it may be cut short:
// that is no sign of an encoding.
func peekText(raw *bufio.Reader, n int) ([]byte, error) {
	sample, err := raw.Peek(n)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if len(sample) == n {
		sample = trimCutRune(sample)
	}
	return sample, nil
}

// The bounds of one CSV row: a hostile or broken file is refused in
// bounded memory instead of read whole into one record.
const (
	MaxRecordBytes = 1 << 20 // bytes of one row (its quoted newlines included)
	MaxColumns     = 2000    // cells of one row
)

var errRecordTooLarge = errors.New("record too large")

// recordBudget fails a read once more than MaxRecordBytes, or more than
// maxDelims delimiter bytes (quoted ones too: a bound, not a count of
// cells), passed since the last reset (the start of the row being read):
// encoding/csv would otherwise build the whole row first.
type recordBudget struct {
	r      io.Reader
	used   int
	delim  byte // 0: a delimiter of more than one byte, not counted
	delims int
	last   byte // the last byte read: an EDI++ file cut short ends mid-line
}

// maxDelims bounds the delimiters of one row before it is parsed.
const maxDelims = 32 * MaxColumns

func (b *recordBudget) reset() { b.used, b.delims = 0, 0 }

func (b *recordBudget) Read(p []byte) (int, error) {
	if b.used > MaxRecordBytes || b.delims > maxDelims {
		return 0, errRecordTooLarge
	}
	n, err := b.r.Read(p)
	b.used += n
	if n > 0 {
		b.last = p[n-1]
	}
	if b.delim != 0 {
		b.delims += bytes.Count(p[:n], []byte{b.delim})
	}
	return n, err
}

// excelSepLine reads Excel's "sep=X" first line (also quoted, any case):
// the delimiter and the bytes of the line, or 0, 0.
func excelSepLine(sample []byte) (rune, int) {
	end := bytes.IndexByte(sample, '\n')
	if end < 0 {
		return 0, 0
	}
	line := strings.Trim(strings.TrimRight(string(sample[:end]), "\r"), `"`)
	v, ok := strings.CutPrefix(strings.ToLower(line), "sep=")
	if !ok {
		return 0, 0
	}
	r, size := utf8.DecodeRuneInString(v)
	if size == 0 || size != len(v) || r == '"' || r == utf8.RuneError {
		return 0, 0
	}
	return r, end + 1
}

// csvSource numbers CSV records the way a spreadsheet numbers rows: empty
// lines count, quoted newlines do not.
type csvSource struct {
	cr      *csv.Reader
	file    string
	lines   *lineTail // for the character column of a quote error
	budget  *recordBudget
	lastNum int // row number of the last record
	lastEnd int // line the last record ended on
}

func (s *csvSource) next() (int, []string, error) {
	s.budget.reset()
	rec, err := s.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		if errors.Is(err, errRecordTooLarge) {
			return 0, nil, &ParseError{File: s.file, Row: s.lastNum + 1, Err: hint(ErrRowTooLarge,
				fmt.Sprintf("a row of more than %d MB or %d delimiters (a cell, or a quote never closed, runs on)", MaxRecordBytes>>20, maxDelims),
				"this is not an ordinary export; check the quotes around the row, or split the cell")}
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && (errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote)) {
			num := s.lastNum + pe.StartLine - s.lastEnd
			col := s.lines.charColumn(pe.Line, pe.Column)
			what := fmt.Sprintf("a quoted cell is not closed, or its closing quote is followed by other characters (line %d, character %d)", pe.Line, col)
			if errors.Is(pe.Err, csv.ErrBareQuote) {
				what = fmt.Sprintf(`a quote (") stands inside a cell that does not start with a quote (line %d, character %d)`, pe.Line, col)
			}
			return 0, nil, &ParseError{File: s.file, Row: num, Err: hint(ErrQuote, what,
				`a quote inside a cell must be doubled ("") and the whole cell quoted; fix the row in the file`)}
		}
		return 0, nil, &ParseError{File: s.file, Row: s.lastNum + 1, Err: fmt.Errorf("reading the file: %w", err)}
	}
	line, _ := s.cr.FieldPos(0)
	num := s.lastNum + line - s.lastEnd
	if len(rec) > MaxColumns {
		return 0, nil, &ParseError{File: s.file, Row: num, Err: hint(ErrRowTooLarge,
			fmt.Sprintf("the row has %d cells, more than the %d crmbulk reads", len(rec), MaxColumns),
			"check the delimiter (--delimiter), or save only the columns you import")}
	}
	last, _ := s.cr.FieldPos(len(rec) - 1)
	s.lastNum, s.lastEnd = num, last+strings.Count(rec[len(rec)-1], "\n")
	return num, rec, nil
}

// sniffDelimiter picks the candidate that splits the first records of the
// sample most consistently (same count as in the first record), preferring
// more columns; quotes are respected. It falls back to ','.
func sniffDelimiter(sample []byte) rune {
	var counts [][4]int
	var cur [4]int
	inQuote, content := false, false
	for _, b := range sample {
		switch {
		case b == '"':
			inQuote = !inQuote
			content = true
		case inQuote:
		case b == '\n':
			if content {
				counts = append(counts, cur)
			}
			cur, content = [4]int{}, false
		default:
			if b != '\r' && b != ' ' {
				content = true
			}
			if k := slices.Index(delimiters, rune(b)); k >= 0 {
				cur[k]++
			}
		}
		if len(counts) == sniffLines {
			break
		}
	}
	if content && len(counts) < sniffLines {
		counts = append(counts, cur)
	}
	best, bestScore := ',', -1
	for k, d := range delimiters {
		if len(counts) == 0 || counts[0][k] == 0 {
			continue
		}
		consistent := 0
		for _, c := range counts {
			if c[k] == counts[0][k] {
				consistent++
			}
		}
		score := consistent*1000 + min(counts[0][k], 999)
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// lineTail passes text through to encoding/csv and keeps its last lines
// (about tailBytes), so that the byte column of a csv.ParseError can be
// told in characters, as people count them. A line it no longer holds
// (or one longer than it keeps) keeps its byte column.
type lineTail struct {
	r     io.Reader
	tail  []byte // whole lines from line first on, and the start of the next
	first int    // the line number of tail's first byte; 0 = not known
	line  int    // the line number of the last byte passed through
}

const tailBytes = 256 << 10

func (l *lineTail) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, chunk := range bytes.SplitAfter(p[:n], []byte{'\n'}) {
		if l.first != 0 {
			l.tail = append(l.tail, chunk...)
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			l.line++
			switch {
			case l.first == 0: // after a line too long to keep
				l.tail, l.first = l.tail[:0], l.line
			case len(l.tail) > tailBytes: // keep the newer half, from a line's start
				cut := len(l.tail) - tailBytes/2
				cut += bytes.IndexByte(l.tail[cut:], '\n') + 1
				l.first += bytes.Count(l.tail[:cut], []byte{'\n'})
				l.tail = append(l.tail[:0], l.tail[cut:]...)
			}
		} else if len(l.tail) > 2*tailBytes { // a line too long to keep
			l.tail, l.first = l.tail[:0], 0
		}
	}
	return n, err
}

// charColumn turns the 1-based byte column col of line into characters.
func (l *lineTail) charColumn(line, col int) int {
	if l.first == 0 || line < l.first || col < 1 {
		return col
	}
	b := l.tail
	for range line - l.first {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return col
		}
		b = b[nl+1:]
	}
	if col-1 > len(b) {
		return col
	}
	return utf8.RuneCount(b[:col-1]) + 1
}
