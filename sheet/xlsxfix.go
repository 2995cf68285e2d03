package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// What excelize's stream writer cannot write itself is mended as the
// sheet's XML goes into the zip (fixZip, through excelize's SetZipWriter):
//
//   - <dimension>: the stream writer leaves ref="A1", and readers that
//     trust it (openpyxl in read-only mode) see one cell of the sheet; the
//     writer knows the full range at the end, and puts it there.
//   - Control characters: XML 1.0 cannot hold them, and the writer would
//     turn each into U+FFFD. Write passes each as a placeholder from
//     Supplementary Private Use Area-A (U+F0000 + the character), which the
//     fixer turns into the format's escape _xHHHH_ (ECMA-376 Part 1,
//     §22.9.2.19), which readers decode back.

// ctrlBase is the first placeholder rune; U+F0000–U+F001F stand for the
// control characters U+0000–U+001F.
const ctrlBase = 0xF0000

// isXMLControl reports whether r is a character XML 1.0 cannot hold.
func isXMLControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// isPlaceholder reports whether r is one of the placeholders: a value that
// holds one itself cannot be told from a control character, and is refused.
func isPlaceholder(r rune) bool { return r >= ctrlBase && r < ctrlBase+0x20 }

// placeControls replaces each control character of s by its placeholder.
func placeControls(s string) (string, error) {
	if !strings.ContainsFunc(s, func(r rune) bool { return isXMLControl(r) || isPlaceholder(r) }) {
		return s, nil
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case isPlaceholder(r):
			return "", fmt.Errorf("the value holds the private-use character U+%X, which an XLSX export uses itself — export as CSV instead", r)
		case isXMLControl(r):
			b.WriteRune(ctrlBase + r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// fixZip is the zip writer excelize writes the workbook through: sheet
// parts go through a sheetFixer that knows the sheet's range.
type fixZip struct {
	*zip.Writer
	dim  string // e.g. "A1:K301"
	last *sheetFixer
}

func (z *fixZip) Create(name string) (io.Writer, error) {
	if err := z.flush(); err != nil {
		return nil, err
	}
	w, err := z.Writer.Create(name)
	if err != nil || !isWorksheet(name) {
		return w, err
	}
	z.last = &sheetFixer{w: w, dim: z.dim}
	return z.last, nil
}

// Close ends the last part and the zip.
func (z *fixZip) Close() error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.Writer.Close()
}

func (z *fixZip) flush() error {
	if z.last == nil {
		return nil
	}
	err := z.last.flush()
	z.last = nil
	return err
}

var dimensionRE = regexp.MustCompile(`<dimension ref="[^"]*"\s*(?:/>|></dimension>)`)

// sheetFixer streams a sheet's XML: the <dimension> in its head is set to
// dim, and each placeholder's UTF-8 becomes its _xHHHH_ escape.
type sheetFixer struct {
	w       io.Writer
	dim     string
	head    []byte // the XML before <sheetData, held until it is whole
	headed  bool
	pending []byte // the start of a placeholder cut by a write's end
}

func (s *sheetFixer) Write(p []byte) (int, error) {
	n := len(p)
	if !s.headed {
		s.head = append(s.head, p...)
		i := bytes.Index(s.head, []byte("<sheetData"))
		if i < 0 && len(s.head) < 64<<10 {
			return n, nil
		}
		if i < 0 {
			i = len(s.head)
		}
		s.headed = true
		head := s.head[:i]
		if s.dim != "" {
			head = dimensionRE.ReplaceAll(head, []byte(`<dimension ref="`+s.dim+`"/>`))
		}
		if _, err := s.w.Write(head); err != nil {
			return 0, err
		}
		p, s.head = s.head[i:], nil
	}
	return n, s.body(p)
}

// body writes p with each placeholder (4 UTF-8 bytes: F3 B0 80 80–9F)
// as its escape.
func (s *sheetFixer) body(p []byte) error {
	if len(s.pending) > 0 {
		p = append(s.pending, p...)
		s.pending = nil
	}
	for {
		i := bytes.IndexByte(p, 0xF3)
		if i < 0 {
			_, err := s.w.Write(p)
			return err
		}
		if _, err := s.w.Write(p[:i]); err != nil {
			return err
		}
		p = p[i:]
		if len(p) < 4 && !utf8.FullRune(p) {
			s.pending = append([]byte(nil), p...)
			return nil
		}
		r, size := utf8.DecodeRune(p)
		if isPlaceholder(r) {
			if _, err := fmt.Fprintf(s.w, "_x%04X_", r-ctrlBase); err != nil {
				return err
			}
		} else if _, err := s.w.Write(p[:size]); err != nil {
			return err
		}
		p = p[size:]
	}
}

// flush writes what the fixer still holds (a sheet shorter than its head).
func (s *sheetFixer) flush() error {
	if !s.headed {
		s.headed = true
		if _, err := s.w.Write(s.head); err != nil {
			return err
		}
	}
	_, err := s.w.Write(s.pending)
	return err
}
