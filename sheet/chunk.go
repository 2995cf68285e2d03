package sheet

import (
	"errors"
	"io"
	"unicode/utf8"
)

// Chunker is implemented by the Reader of a CSV file. NextChunk hands out
// the rows not read yet as chunks of whole records, in file order, without
// parsing them, so that several goroutines can parse (Chunk.Scan) at once:
// the way to read a big CSV file on every core. At the end it returns
// io.EOF; a misplaced quote is returned, as a *ParseError, after the chunk
// of the records before it. Read and NextChunk may be mixed; neither may be
// called concurrently with itself or the other.
type Chunker interface {
	NextChunk() (*Chunk, error)
}

// Chunk is a run of whole CSV records (about 256 KiB) that knows its first
// row number. Scan may be called on any goroutine.
type Chunk struct {
	lay *layout
	span

	pre    []Row // rows already read ahead by the Reader
	preErr error
}

// NextChunk returns the next chunk of rows (see Chunker).
func (t *csvReader) NextChunk() (*Chunk, error) {
	c := &Chunk{lay: &t.layout}
	if t.hasPend {
		t.hasPend = false
		if t.pendErr != nil {
			c.preErr = t.pendErr
		} else {
			c.pre = []Row{t.pend}
		}
		t.pend, t.pendErr = Row{}, nil
		if c.preErr != nil && !Recoverable(c.preErr) {
			return c, nil // a sticky error: nothing after it
		}
	}
	if t.fatal != nil {
		if c.pre != nil || c.preErr != nil {
			return c, nil
		}
		return nil, t.fatal
	}
	sp, err := t.csv.rest()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			t.fatal = err
		}
		if c.pre != nil || c.preErr != nil {
			return c, nil
		}
		return nil, err
	}
	c.span = sp
	return c, nil
}

// MaxRows is the most rows the chunk can hold, for sizing what its rows
// are read into.
func (c *Chunk) MaxRows() int {
	if c.text == "" {
		return len(c.pre)
	}
	return len(c.pre) + c.lines + 1
}

// Scan parses the chunk and calls fn with each of its non-blank rows, in
// order, checked as Read checks them. It stops at the first problem of the
// input and returns it (a row-level problem, Recoverable, ends the chunk
// too), or at the first error of fn, which it returns.
//
// Scan reads without copying: a Row is valid only during its call of fn
// (its Cells slice is reused), and the cells are substrings of the chunk's
// text, keeping the whole chunk in memory. Clone what is kept.
func (c *Chunk) Scan(fn func(Row) error) error {
	for _, row := range c.pre {
		if err := fn(row); err != nil {
			return err
		}
	}
	if c.preErr != nil {
		return c.preErr
	}
	if c.text == "" {
		return nil
	}
	// One check for the whole text; cell by cell only when it fails, to
	// name the cell.
	checkUTF8 := c.lay.checkUTF8 && !utf8.ValidString(c.text)
	sc := c.span.scan(byte(c.lay.delim), c.lay.file)
	var pad []string
	for {
		num, cells, err := sc.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		row, err, ok := c.lay.view(num, cells, checkUTF8, &pad)
		if !ok {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}
