package sheet

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The CSV dialect crmbulk reads is encoding/csv's with strict quotes
// (LazyQuotes off, FieldsPerRecord -1): cells are split by one ASCII
// delimiter; a cell that starts with " runs to the next " that is not
// doubled and may hold delimiters and newlines; CR LF ends a line like LF
// (inside quotes too); empty lines hold no record. Rows are numbered the way
// a spreadsheet numbers them: every line is a row, except the lines a quoted
// newline continues.
//
// encoding/csv copies every record into a buffer of its own and can only
// read a stream from its start. csvScanner instead parses text that is
// already whole records in memory (a chunk) and hands out cells as
// substrings of it, so that chunks of one file can be parsed on every core
// at once (csvSplitter cuts them, Chunk parses them). FuzzCSVScanner holds
// it to encoding/csv's records and errors.

// span is a run of whole records of the text, and where it stands in the
// file.
type span struct {
	text  string
	line  int  // the file line number of text[0]
	row   int  // the spreadsheet row number of text[0]
	lines int  // the newlines in text (so at most lines+1 records)
	final bool // text ends the file: a quote still open at its end is an error
}

// csvScanner parses the records of a chunk of CSV text.
type csvScanner struct {
	text  string
	pos   int  // where the next record starts
	line  int  // the file line number of text[pos]
	row   int  // the spreadsheet row number of text[pos]
	final bool // text ends the file: a quote still open at its end is an error
	delim byte
	file  string

	cells []string // the last record's cells (reused)
	offs  []int    // offset of each cell in text, -1 for a cell that was unescaped into new memory
	buf   []byte   // unescaping
	start int      // offset of the last record in text
}

// scan starts a scanner on sp.
func (sp span) scan(delim byte, file string) csvScanner {
	return csvScanner{text: sp.text, line: sp.line, row: sp.row, final: sp.final, delim: delim, file: file}
}

// rest is the span of the text the scanner has not parsed yet.
func (s *csvScanner) rest() span {
	text := s.text[s.pos:]
	return span{text: text, line: s.line, row: s.row, lines: strings.Count(text, "\n"), final: s.final}
}

// quoteError is a misplaced quote at a line and character (1-based) of the
// file, in the record starting at row.
func (s *csvScanner) quoteError(row, line, col int, bare bool) error {
	what := fmt.Sprintf("a quoted cell is not closed, or its closing quote is followed by other characters (line %d, character %d)", line, col)
	if bare {
		what = fmt.Sprintf(`a quote (") stands inside a cell that does not start with a quote (line %d, character %d)`, line, col)
	}
	return &ParseError{File: s.file, Row: row, Err: hint(ErrQuote, what,
		`a quote inside a cell must be doubled ("") and the whole cell quoted; fix the row in the file`)}
}

// column is the 1-based character position of text[at] in its line, which
// starts at lineStart.
func (s *csvScanner) column(lineStart, at int) int {
	return utf8.RuneCountInString(s.text[lineStart:at]) + 1
}

// next returns the next record: its row number and cells. The cells are
// substrings of the text or, when unescaped, new strings; the slice is
// reused by the next call. At the end of the text it returns io.EOF; a
// misplaced quote is a *ParseError wrapping ErrQuote.
func (s *csvScanner) next() (int, []string, error) {
	t := s.text
	// Empty lines hold no record but are rows of their own.
	for {
		switch {
		case s.pos >= len(t):
			return 0, nil, io.EOF
		case t[s.pos] == '\n':
			s.pos++
		case t[s.pos] == '\r' && s.pos+1 < len(t) && t[s.pos+1] == '\n':
			s.pos += 2
		case t[s.pos] == '\r' && s.pos+1 == len(t) && s.final:
			s.pos++ // encoding/csv drops a CR before the end of the file
			continue
		default:
			return s.record()
		}
		s.line++
		s.row++
	}
}

// record parses the record at s.pos (not an empty line).
func (s *csvScanner) record() (int, []string, error) {
	t := s.text
	row := s.row
	lineStart := s.pos
	s.start = s.pos
	s.cells, s.offs = s.cells[:0], s.offs[:0]
	i := s.pos
	if line, ok := s.plainLine(); ok {
		// No quote on the line: its cells are what lies between delimiters.
		for {
			end := strings.IndexByte(line[i-lineStart:], s.delim)
			if end < 0 {
				s.cells = append(s.cells, strings.TrimSuffix(line[i-lineStart:], "\r"))
				s.offs = append(s.offs, i)
				return s.endRecord(row, lineStart+len(line)+1)
			}
			s.cells = append(s.cells, t[i:i+end])
			s.offs = append(s.offs, i)
			i += end + 1
		}
	}
	for {
		if i < len(t) && t[i] == '"' {
			// A quoted cell: up to the quote that is not doubled.
			i++
			from, escaped := i, false
			for {
				q := strings.IndexByte(t[i:], '"')
				if q < 0 {
					line, col := s.unclosedAt(lineStart)
					return row, nil, s.quoteError(row, line, col, false)
				}
				q += i
				if seg := t[i:q]; strings.IndexByte(seg, '\n') >= 0 {
					s.line += strings.Count(seg, "\n")
					lineStart = i + strings.LastIndexByte(seg, '\n') + 1
					escaped = escaped || strings.Contains(seg, "\r\n")
				}
				i = q + 1
				if i < len(t) && t[i] == '"' { // "" is one quote
					escaped = true
					i++
					continue
				}
				break
			}
			closing := i - 1
			if escaped {
				s.buf = unescapeCSV(s.buf[:0], t[from:closing])
				s.cells = append(s.cells, string(s.buf))
				s.offs = append(s.offs, -1)
			} else {
				s.cells = append(s.cells, t[from:closing])
				s.offs = append(s.offs, from)
			}
			switch {
			case i == len(t):
				return s.endRecord(row, i)
			case t[i] == s.delim:
				i++
				continue
			case t[i] == '\n':
				return s.endRecord(row, i+1)
			case t[i] == '\r' && i+1 < len(t) && t[i+1] == '\n':
				return s.endRecord(row, i+2)
			case t[i] == '\r' && i+1 == len(t) && s.final:
				return s.endRecord(row, i+1)
			}
			return row, nil, s.quoteError(row, s.line, s.column(lineStart, closing), false)
		}
		// An unquoted cell: up to the delimiter or the end of the line.
		end := i
		for end < len(t) && t[end] != s.delim && t[end] != '\n' {
			end++
		}
		cell := t[i:end]
		if end == len(t) || t[end] == '\n' {
			cell = strings.TrimSuffix(cell, "\r") // CR LF ends a line; so does CR at the end of the file
		}
		if q := strings.IndexByte(cell, '"'); q >= 0 {
			return row, nil, s.quoteError(row, s.line, s.column(lineStart, i+q), true)
		}
		s.cells = append(s.cells, cell)
		s.offs = append(s.offs, i)
		switch {
		case end == len(t):
			return s.endRecord(row, end)
		case t[end] == '\n':
			return s.endRecord(row, end+1)
		}
		i = end + 1 // past the delimiter
	}
}

// plainLine returns the line at s.pos, without its LF, when it has no
// quote: the common record, split without looking at every byte twice.
func (s *csvScanner) plainLine() (string, bool) {
	line := s.text[s.pos:]
	nl := strings.IndexByte(line, '\n')
	if nl < 0 {
		return "", false // the last line of the file: the general path knows its CR rule
	}
	line = line[:nl]
	return line, strings.IndexByte(line, '"') < 0
}

// unclosedAt is where encoding/csv reports a quote that is never closed:
// on the last line of the text (the one a final newline ends), one
// character past its end, CR LF counting as one. lineStart is the start of
// the line the open cell has reached.
func (s *csvScanner) unclosedAt(lineStart int) (line, col int) {
	t := s.text
	if s.final && strings.HasSuffix(t, "\r") {
		t = t[:len(t)-1] // a CR at the end of the file is dropped
	}
	body := strings.TrimSuffix(t[lineStart:], "\n") // a final newline ends the last line
	line = s.line + strings.Count(body, "\n")
	last := t[lineStart+strings.LastIndexByte(body, '\n')+1:]
	n := utf8.RuneCountInString(last)
	if strings.HasSuffix(last, "\r\n") {
		n-- // CR LF is read as LF
	}
	return line, n + 1
}

// endRecord moves past the record that ends before next.
func (s *csvScanner) endRecord(row, next int) (int, []string, error) {
	if next > 0 && s.text[next-1] == '\n' {
		s.line++
	}
	s.row++
	s.pos = next
	return row, s.cells, nil
}

// owned returns the last record's cells as strings that do not share the
// text's memory: one allocation for the record's bytes, cells sliced from
// it (what encoding/csv does for every record).
func (s *csvScanner) owned(dst []string) []string {
	end := s.pos
	own := strings.Clone(s.text[s.start:end])
	dst = dst[:0]
	for i, c := range s.cells {
		if o := s.offs[i]; o >= 0 {
			c = own[o-s.start : o-s.start+len(c)]
		}
		dst = append(dst, c)
	}
	return dst
}

// unescapeCSV appends the content of a quoted cell: "" as ", CR LF as LF.
func unescapeCSV(dst []byte, q string) []byte {
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '"' && i+1 < len(q) && q[i+1] == '"':
			i++
		case c == '\r' && i+1 < len(q) && q[i+1] == '\n':
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// csvSplitter cuts decoded CSV text into chunks of whole records, one
// block at a time, without parsing them: it follows the quotes (a newline
// between an opening and a closing quote is inside a cell) and counts lines
// and rows, so that every chunk knows its first line and row number and
// can be parsed on its own. A quote where no quote may stand stops it: the
// chunk is then parsed here to find the exact error (reported by the next
// call), and the records before it are handed out first.
type csvSplitter struct {
	r     io.Reader
	delim byte
	file  string
	block int

	buf  []byte // text read but not handed out: buf[:n]
	n    int
	eof  bool
	line int // line and row of buf[0]
	row  int
	err  error // sticky: returned once the records before it are out
}

// chunkBlock is how much text a chunk holds, give or take a record.
const chunkBlock = 256 << 10

// next returns the next chunk of whole records. At the end it returns io.EOF.
func (sp *csvSplitter) next() (span, error) {
	if sp.block == 0 {
		sp.block = chunkBlock
	}
	for {
		if sp.err != nil {
			return span{}, sp.err
		}
		if !sp.eof && sp.n < sp.block {
			if len(sp.buf) < sp.block {
				sp.buf = append(sp.buf[:sp.n], make([]byte, sp.block-sp.n)...)
				sp.buf = sp.buf[:cap(sp.buf)]
			}
			m, rerr := io.ReadFull(sp.r, sp.buf[sp.n:sp.block])
			sp.n += m
			switch {
			case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
				sp.eof = true
			case rerr != nil:
				sp.err = &ParseError{File: sp.file, Row: sp.row, Err: fmt.Errorf("reading the file: %w", rerr)}
				continue
			}
		}
		if sp.n == 0 && sp.eof {
			sp.err = io.EOF
			continue
		}
		b := sp.buf[:sp.n]
		cut, quoted, bad := splitPoint(b, sp.delim, sp.eof)
		if bad {
			return sp.stopAt(b, cut)
		}
		if cut == 0 {
			// Not one whole record in the block: read a bigger one.
			sp.block *= 2
			continue
		}
		return sp.take(cut, quoted, sp.eof && cut == sp.n)
	}
}

// take hands out buf[:cut], which holds quoted newlines inside cells.
func (sp *csvSplitter) take(cut, quoted int, final bool) (span, error) {
	text := string(sp.buf[:cut])
	out := span{text: text, line: sp.line, row: sp.row, lines: strings.Count(text, "\n"), final: final}
	sp.line += out.lines
	sp.row += out.lines - quoted
	sp.n = copy(sp.buf, sp.buf[cut:sp.n])
	if sp.block > chunkBlock && sp.n < chunkBlock {
		sp.block = chunkBlock
	}
	return out, nil
}

// stopAt parses b (cut at the end of the line with the misplaced quote) to
// find the exact error, and hands out the records before it.
func (sp *csvSplitter) stopAt(b []byte, cut int) (span, error) {
	s := span{text: string(b[:cut]), line: sp.line, row: sp.row, final: sp.eof && cut == len(b)}.scan(sp.delim, sp.file)
	good := 0
	for {
		_, _, err := s.next()
		if err == io.EOF {
			// Defensive: the quotes were fine after all; go on from here.
			return sp.take(cut, strings.Count(s.text, "\n")-(s.row-sp.row), s.final)
		}
		if err != nil {
			sp.err = err
			break
		}
		good = s.pos
	}
	if good == 0 {
		return span{}, sp.err
	}
	text := s.text[:good]
	return span{text: text, line: sp.line, row: sp.row, lines: strings.Count(text, "\n")}, nil
}

// splitPoint finds where b may be cut: just after the last newline outside
// quotes (all of b when it ends the file and no quote is left open), and
// how many newlines inside quotes lie before the cut. bad reports a quote
// where none may stand (the cut is then the end of that quote's line).
func splitPoint(b []byte, delim byte, eof bool) (cut, quoted int, bad bool) {
	i, quotedSoFar := 0, 0
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			if eof {
				return len(b), quotedSoFar, false
			}
			if nl := bytes.LastIndexByte(b[i:], '\n'); nl >= 0 {
				return i + nl + 1, quotedSoFar, false
			}
			return cut, quoted, false
		}
		q += i
		if nl := bytes.LastIndexByte(b[i:q], '\n'); nl >= 0 {
			cut, quoted = i+nl+1, quotedSoFar
		}
		// An opening quote stands at the start of a cell.
		if q > 0 && b[q-1] != delim && b[q-1] != '\n' {
			return lineEnd(b, q), quoted, true
		}
		// Find the closing quote: one not doubled.
		j := q + 1
		for {
			c := bytes.IndexByte(b[j:], '"')
			if c < 0 {
				if eof {
					return len(b), quotedSoFar, false // never closed: the parser reports it
				}
				return cut, quoted, false // maybe closed in the next block
			}
			quotedSoFar += bytes.Count(b[j:j+c], []byte{'\n'})
			j += c + 1
			if j < len(b) && b[j] == '"' {
				j++
				continue
			}
			break
		}
		// After the closing quote: a delimiter, a line end or the file's end.
		switch {
		case j == len(b):
			if !eof {
				return cut, quoted, false // decided by the next block
			}
		case b[j] == delim, b[j] == '\n':
		case b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n':
		case b[j] == '\r' && j+1 == len(b):
			if !eof {
				return cut, quoted, false
			}
		default:
			return lineEnd(b, j), quoted, true
		}
		i = j
	}
}

// lineEnd is the offset just past the newline at or after i, or len(b).
func lineEnd(b []byte, i int) int {
	if nl := bytes.IndexByte(b[i:], '\n'); nl >= 0 {
		return i + nl + 1
	}
	return len(b)
}
