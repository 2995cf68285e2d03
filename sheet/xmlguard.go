package sheet

import (
	"errors"
	"fmt"
)

// Bounds of an XLSX (issue 20): no cell is ever held beyond what the API
// can take plus a margin, and an input that would need more memory is
// refused in bounded memory.
//
//   - MaxCellChars: no field of the API takes more. notes, the longest, is
//     a TEXT column of 65,535 bytes; every other field is a varchar(500) or
//     less. A longer cell (in any format) refuses the file, naming its row
//     and column.
//   - maxXMLToken: no piece of a part's XML — a run of text, a tag with
//     its attributes, a comment — is longer than MaxRecordBytes (1 MiB, the
//     bound of a CSV row): a cell's XML text holds at most MaxCellChars
//     characters, written at most 10 bytes each (&#x10FFFF;), so a longer
//     token is no cell crmbulk could send (or it is padding: a zip bomb of
//     white space). Every XML part is checked before excelize reads it.
//   - maxRowBytes: a row's XML with the shared strings its cells use (a
//     CSV row is bounded at MaxRecordBytes; XML spends more per cell).
//   - MaxSharedStrings: the distinct texts of a workbook, whose index
//     excelize keeps in memory.
//   - maxSheetFacts: formulas with no saved value and merged ranges, which
//     the scan keeps for the row reader.
//   - maxOtherBytes, maxOtherElements: parts other than worksheets and
//     shared strings (styles, the workbook, pictures), which excelize reads
//     into memory and parses into structs of a few hundred bytes an
//     element (Excel's own limit of 64,000 cell formats fits).
const (
	MaxCellChars     = 64 << 10
	maxXMLToken      = MaxRecordBytes
	maxRowBytes      = 4 * MaxRecordBytes
	MaxSharedStrings = 1 << 19
	maxSheetFacts    = 100_000
	maxOtherBytes    = 32 << 20
	maxOtherElements = 100_000
)

// errXMLToken is the error of an XML token longer than maxXMLToken.
var errXMLToken = errors.New("a piece of the XML (a text, a tag) is longer than crmbulk reads")

// xmlGuard is an io.Reader over an XML part that fails, with errXMLToken,
// as soon as one token — character data between tags, a tag with its
// attributes (quotes respected), a comment, a CDATA section, a processing
// instruction — passes maxXMLToken bytes: encoding/xml would otherwise
// build it whole, whatever its size. A DOCTYPE (which XLSX never has) is
// refused.
type xmlGuard struct {
	r     interface{ Read([]byte) (int, error) }
	max   int
	state guardState
	quote byte // the quote a tag's attribute is open in
	last2 [2]byte
	n     int // bytes of the current token
	elems int // elements started
	err   error
}

type guardState uint8

const (
	inText    guardState = iota
	afterLT              // just read '<'
	afterBang            // just read "<!"
	inTag
	inComment // <!-- … -->
	inCDATA   // <![CDATA[ … ]]>
	inPI      // <? … ?>
)

func newXMLGuard(r interface{ Read([]byte) (int, error) }) *xmlGuard {
	return &xmlGuard{r: r, max: maxXMLToken}
}

func (g *xmlGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		if g.err = g.step(c); g.err != nil {
			return 0, g.err
		}
	}
	return n, err
}

// step advances the lexer by one byte.
func (g *xmlGuard) step(c byte) error {
	g.n++
	switch g.state {
	case inText:
		if c == '<' {
			g.state, g.n = afterLT, 1
		}
	case afterLT:
		switch c {
		case '!':
			g.state = afterBang
		case '?':
			g.state = inPI
		default:
			if c != '/' {
				g.elems++
			}
			g.state, g.quote = inTag, 0
			g.tag(c)
		}
	case afterBang:
		switch c {
		case '-':
			g.state = inComment
		case '[':
			g.state = inCDATA
		default:
			return fmt.Errorf("a <!%c…> declaration (a DOCTYPE?), which a workbook never has", c)
		}
	case inTag:
		g.tag(c)
	case inComment, inCDATA, inPI:
		end := c == '>' && (g.state == inComment && g.last2 == [2]byte{'-', '-'} ||
			g.state == inCDATA && g.last2 == [2]byte{']', ']'} || g.state == inPI && g.last2[1] == '?')
		if end {
			g.state, g.n = inText, 0
		}
	}
	g.last2 = [2]byte{g.last2[1], c}
	if g.n > g.max {
		return errXMLToken
	}
	return nil
}

// tag advances through a tag: quotes are respected, '>' outside them ends it.
func (g *xmlGuard) tag(c byte) {
	switch {
	case g.quote != 0:
		if c == g.quote {
			g.quote = 0
		}
	case c == '"' || c == '\'':
		g.quote = c
	case c == '>':
		g.state, g.n = inText, 0
	}
}
