package sheet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// NewJSONLWriter writes JSON Lines to w: the first Write is the header,
// each later one a line holding one object whose keys are the header's
// names in order. Nothing is guarded or marked: the values are the text
// itself (a JSON reader runs no formulas). numeric marks 0-based columns
// whose plain integers (as XLSXWriterOptions.NumericColumns) are written
// as JSON numbers; every other value is a JSON string, exactly the text a
// CSV cell holds.
func NewJSONLWriter(w io.Writer, numeric map[int]bool) Writer {
	j := &jsonlWriter{w: bufio.NewWriterSize(w, csvWriteBuf), numeric: numeric}
	j.enc = json.NewEncoder(&j.val)
	j.enc.SetEscapeHTML(false) // "a&b <x>" stays readable
	return j
}

type jsonlWriter struct {
	w       *bufio.Writer
	numeric map[int]bool
	keys    [][]byte // the header's names, JSON-quoted
	val     bytes.Buffer
	enc     *json.Encoder
}

func (j *jsonlWriter) Write(cells []string) error {
	if j.keys == nil { // the header
		j.keys = make([][]byte, len(cells))
		for i, name := range cells {
			j.keys[i] = bytes.Clone(j.quote(name)) // quote gives the encoder's buffer, reused
		}
		return nil
	}
	if len(cells) != len(j.keys) {
		return fmt.Errorf("a JSON Lines row of %d values under a header of %d names", len(cells), len(j.keys))
	}
	line := append(make([]byte, 0, 64*len(cells)), '{')
	for i, v := range cells {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(append(line, j.keys[i]...), ':')
		if j.numeric[i] && plainInt(v) {
			line = append(line, v...)
			continue
		}
		line = append(line, j.quote(v)...)
	}
	_, err := j.w.Write(append(line, '}', '\n'))
	return err
}

// quote returns s as a JSON string (invalid UTF-8 becomes U+FFFD, as
// encoding/json writes it).
func (j *jsonlWriter) quote(s string) []byte {
	j.val.Reset()
	_ = j.enc.Encode(s) // a string always encodes, and a bytes.Buffer takes it
	return bytes.TrimSuffix(j.val.Bytes(), []byte("\n"))
}

func (j *jsonlWriter) Flush() error { return j.w.Flush() }

func (j *jsonlWriter) Close() error { return j.Flush() }
