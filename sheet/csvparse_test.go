package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// parsed is what a CSV parser made of a text: the records with their row
// numbers, and the first error's row, line, character and kind.
type parsed struct {
	rows    []int
	records [][]string
	err     string
}

// oracle parses data with encoding/csv (strict quotes, any field count)
// and numbers the records as a spreadsheet numbers rows: every line, less
// the lines a quoted newline continues.
func oracle(data []byte, delim rune) parsed {
	var p parsed
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	lastNum, lastEnd := 0, 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return p
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				p.err = err.Error()
				return p
			}
			p.err = fmt.Sprintf("row %d line %d col %d bare=%v", lastNum+pe.StartLine-lastEnd, pe.Line, pe.Column, errors.Is(pe.Err, csv.ErrBareQuote))
			return p
		}
		line, _ := cr.FieldPos(0)
		num := lastNum + line - lastEnd
		last, _ := cr.FieldPos(len(rec) - 1)
		lastNum, lastEnd = num, last+strings.Count(rec[len(rec)-1], "\n")
		p.rows = append(p.rows, num)
		p.records = append(p.records, append([]string(nil), rec...))
	}
}

// scanAll parses data with csvScanner as one text, or with csvSplitter in
// blocks of block bytes (0 = the default) and a scanner per chunk.
func scanAll(data []byte, delim byte, block int) parsed {
	var p parsed
	add := func(row int, cells []string, err error) bool {
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && errors.Is(err, ErrQuote) {
				var line, col int
				fmt.Sscanf(err.Error()[strings.Index(err.Error(), "(line "):], "(line %d, character %d)", &line, &col)
				p.err = fmt.Sprintf("row %d line %d col %d bare=%v", pe.Row, line, col, strings.Contains(err.Error(), "does not start with a quote"))
			} else {
				p.err = err.Error()
			}
			return false
		}
		p.rows = append(p.rows, row)
		p.records = append(p.records, append([]string(nil), cells...))
		return true
	}
	if block < 0 {
		s := &csvScanner{text: string(data), line: 1, row: 1, final: true, delim: delim, file: "f.csv"}
		for {
			row, cells, err := s.next()
			if errors.Is(err, io.EOF) || !add(row, cells, err) {
				return p
			}
		}
	}
	sp := &csvSplitter{r: bytes.NewReader(data), delim: delim, file: "f.csv", line: 1, row: 1, block: block}
	for {
		next, err := sp.next()
		if errors.Is(err, io.EOF) {
			return p
		}
		if err != nil {
			add(0, nil, err)
			return p
		}
		if next.lines != strings.Count(next.text, "\n") {
			p.err = "a span miscounts its lines"
			return p
		}
		s := next.scan(delim, "f.csv")
		for {
			row, cells, err := s.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if !add(row, cells, err) {
				return p
			}
		}
	}
}

// asciiColumns drops the column of an error when the data is not ASCII:
// encoding/csv counts bytes, the scanner characters.
func asciiColumns(p parsed, data []byte) parsed {
	for _, b := range data {
		if b >= utf8.RuneSelf {
			if i := strings.Index(p.err, " col "); i >= 0 {
				j := strings.Index(p.err, " bare=")
				p.err = p.err[:i] + p.err[j:]
			}
			break
		}
	}
	return p
}

// checkScanner compares the scanner, whole and split into blocks of the
// given sizes (0 = the default 256 KiB), with encoding/csv.
func checkScanner(t *testing.T, data []byte, delim byte, blocks ...int) {
	t.Helper()
	want := asciiColumns(oracle(data, rune(delim)), data)
	got := asciiColumns(scanAll(data, delim, -1), data)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q (delimiter %q):\nscanner %+v\nencoding/csv %+v", data, delim, got, want)
	}
	for _, block := range blocks {
		if got := asciiColumns(scanAll(data, delim, block), data); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q (delimiter %q) split in blocks of %d:\nchunks %+v\nencoding/csv %+v", data, delim, block, got, want)
		}
	}
}

var scannerSeeds = []string{
	"a,b\n1,2\n",
	"a,b\r\n1,2\r\n\r\n3,4",
	"a,b\n\"x,\"\"y\"\"\nz\",2\n\n\n3,4\n",
	"\"a\r\nb\",c\r\n",
	"a,\"b\nc\"\nd\n",
	"a,b\n1,2\"\n",
	"a,b\n\"1\"x,2\n",
	"a,b\n\"1\n2,3\n",
	"a,\"",
	"a,\"\n",
	"a,\"\r\n",
	"\"\"",
	"\"\"\"\"",
	"a\r",
	"\r",
	"\r\n\r\n",
	"a\rb,c\n",
	"a,b\r\r\n",
	"\"a\"\r",
	"\"a\"\rb",
	" \"a\",b\n",
	"a;b\n\"Ż\"ó,ł\n",
	"x\n\"a\n\nb\"\n\"c\"\"\n\"\n",
	",\n,\n",
	"a,b\n1,\"2\n3\"\"\n4\",5\n6\"",
}

func TestCSVScannerMatchesEncodingCSV(t *testing.T) {
	for _, s := range scannerSeeds {
		for _, d := range []byte{',', ';', '\t'} {
			checkScanner(t, []byte(s), d, 1, 3, 16, 0)
		}
	}
	// Random texts from the pieces CSV is made of.
	pieces := []string{"a", "b", ",", ";", "\"", "\"\"", "\n", "\r\n", "\r", " ", "Ż", "x,y", "\"q\"", "\t"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkScanner(t, []byte(b.String()), ",;"[rng.IntN(2)], 1, 3, 16)
	}
}

// FuzzCSVScanner holds the scanner, whole and split into chunks, to
// encoding/csv: the same records, row numbers and first error.
func FuzzCSVScanner(f *testing.F) {
	for _, s := range scannerSeeds {
		f.Add([]byte(s), byte(','))
	}
	f.Add([]byte("a;b\n1;2\n"), byte(';'))
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		switch delim {
		case ',', ';', '\t', '|':
		default:
			delim = ','
		}
		checkScanner(t, data, delim, 1, 3, 16, 0)
	})
}

// readAllChunks reads r through NextChunk and Chunk.Scan, the way a parallel
// reader does, and dumps what it got like dump does (stopping at the first
// error).
func readAllChunks(r Reader) string {
	var b strings.Builder
	fmt.Fprintf(&b, "header: %q\n", r.Header())
	ch := r.(Chunker)
	for {
		c, err := ch.NextChunk()
		if errors.Is(err, io.EOF) {
			b.WriteString("EOF\n")
			return b.String()
		}
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			return b.String()
		}
		n := 0
		err = c.Scan(func(row Row) error {
			fmt.Fprintf(&b, "row %d: %q\n", row.Num, row.Cells)
			n++
			return nil
		})
		if n > c.MaxRows() {
			fmt.Fprintf(&b, "%d rows in a chunk of at most %d\n", n, c.MaxRows())
		}
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			return b.String()
		}
	}
}

// readAllRows is readAllChunks through Read.
func readAllRows(r Reader) string {
	var b strings.Builder
	fmt.Fprintf(&b, "header: %q\n", r.Header())
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			b.WriteString("EOF\n")
			return b.String()
		}
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			return b.String()
		}
		fmt.Fprintf(&b, "row %d: %q\n", row.Num, row.Cells)
	}
}

func checkChunksSameAsRead(t *testing.T, data []byte, opt Options) {
	t.Helper()
	r1, err1 := NewCSVReader(bytes.NewReader(data), "f.csv", opt)
	r2, err2 := NewCSVReader(bytes.NewReader(data), "f.csv", opt)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("%q: open errors differ: %v / %v", data, err1, err2)
	}
	if err1 != nil {
		return
	}
	// Small blocks: many chunks, records longer than a block.
	r2.(*csvReader).csv.sp.block = 7
	if got, want := readAllChunks(r2), readAllRows(r1); got != want {
		t.Fatalf("%q (%+v):\nchunks:\n%s\nRead:\n%s", data, opt, got, want)
	}
}

func TestChunksSameAsRead(t *testing.T) {
	for _, s := range scannerSeeds {
		checkChunksSameAsRead(t, []byte("h1,h2\n"+s), Options{})
		checkChunksSameAsRead(t, []byte("h1,h2\n"+s), Options{UnguardFormulas: true})
	}
	for _, s := range []string{
		"a,b\n1,2\n3,4,5\n6,7\n",   // ragged: Read goes on, Rows stops
		"a,,c\n1,2,3\n",            // a value under an empty header cell
		"a,b\n1,\xff\n",            // not UTF-8
		"a,b\n'=1,x\n",             // a guarded formula
		"x\n\na,b\n\n1,2\n\n\n3,4", // header below blank lines
	} {
		checkChunksSameAsRead(t, []byte(s), Options{})
		checkChunksSameAsRead(t, []byte(s), Options{UnguardFormulas: true})
	}
	pieces := []string{"a", "b", ",", "\"", "\"\"", "\n", "\r\n", " ", "Ż", "\"q\"", "\xff", "'=1"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 { // FuzzChunks goes further

		var b strings.Builder
		b.WriteString("h1,h2,h3\n")
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkChunksSameAsRead(t, []byte(b.String()), Options{UnguardFormulas: rng.IntN(2) == 0})
	}
}

// FuzzChunks holds NextChunk and Chunk.Scan to Read.
func FuzzChunks(f *testing.F) {
	for _, s := range scannerSeeds {
		f.Add([]byte("h1,h2\n" + s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkChunksSameAsRead(t, data, Options{UnguardFormulas: len(data)%2 == 0})
	})
}

// TestChunksOnBigFile reads a file of many chunks both ways.
func TestChunksOnBigFile(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("name,note,n\n")
	for i := range 30000 {
		switch i % 7 {
		case 0:
			fmt.Fprintf(&b, "\"Kowalski, Jan\",\"line\r\nbreak %d\",%d\r\n", i, i)
		case 3:
			b.WriteString("\n")
		default:
			fmt.Fprintf(&b, "Nowak %d,\"said \"\"hi\"\"\",%d\n", i, i)
		}
	}
	r1, err := NewCSVReader(bytes.NewReader(b.Bytes()), "big.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := NewCSVReader(bytes.NewReader(b.Bytes()), "big.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := readAllChunks(r2), readAllRows(r1)
	if got != want {
		t.Fatal("chunks and Read differ on the big file")
	}
	if n := strings.Count(got, "\nrow "); n < 25000 {
		t.Fatalf("only %d rows", n)
	}
}
