package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// An XLSX input is read whole or not at all. Before a row is read,
// scanXLSX reads every part of the archive to its end — archive/zip checks
// each part's CRC-32 there — and parses every worksheet's XML to its end
// (a part cut short is not well-formed XML, and excelize's row reader
// would stop there as if the sheet ended). The same pass collects what the
// row reader does not say: formula cells with no saved value (they read as
// empty), and merged ranges (only their first cell holds the value).

// sheetFacts are what the scan found in one worksheet.
type sheetFacts struct {
	unsaved map[int][]int // row → columns (1-based) of formulas without a saved value
	merges  []mergeArea
}

// mergeArea is a merged range, 1-based and inclusive.
type mergeArea struct{ r1, c1, r2, c2 int }

// scanXLSX checks the archive and returns the facts of each worksheet, by
// sheet name. It also enforces the bounds of xmlguard.go: the shared
// strings first (their sizes count in the rows that use them), then every
// other part.
func scanXLSX(name string, zr *zip.Reader) (map[string]*sheetFacts, error) {
	sst, err := scanSharedStrings(name, zr)
	if err != nil {
		return nil, err
	}
	byPart := map[string]*sheetFacts{}
	var other int64
	elems := 0 // of the other XML parts
	facts := 0 // unsaved formulas and merged ranges, of every sheet
	for _, zf := range zr.File {
		if isSharedStrings(zf.Name) {
			continue
		}
		if !isWorksheet(zf.Name) {
			if other += int64(zf.UncompressedSize64); other > maxOtherBytes {
				return nil, &ParseError{File: name, Err: hint(ErrTooLarge,
					fmt.Sprintf("its parts other than sheets (styles, pictures…) inflate to more than %d MB, up to %q", maxOtherBytes>>20, zf.Name),
					"this is not an ordinary spreadsheet; save the sheet as CSV in the spreadsheet program and import that")}
			}
		}
		sf, err := scanPart(zf, sst, &elems, &facts)
		if elems > maxOtherElements {
			return nil, &ParseError{File: name, Err: hint(ErrTooLarge,
				fmt.Sprintf("its parts other than sheets (styles, the list of sheets…) hold more than %d XML elements, up to %q", maxOtherElements, zf.Name),
				"this is not an ordinary spreadsheet; save the sheet as CSV in the spreadsheet program and import that")}
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.File = name
			return nil, pe
		}
		if err != nil {
			return nil, damaged(name, zf.Name, err)
		}
		byPart[zf.Name] = sf // nil for a part that is no worksheet
	}
	if sst.tooBig >= 0 {
		return nil, &ParseError{File: name, Err: hint(ErrRowTooLarge,
			fmt.Sprintf("its shared text number %d is longer than %d MB (no cell uses it)", sst.tooBig+1, maxXMLToken>>20),
			"this is not an ordinary spreadsheet; save the sheet as CSV in the spreadsheet program and import that")}
	}
	bySheet, err := bySheetName(zr, byPart)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w (%w)", hint(ErrFormat, "the workbook's list of sheets cannot be read",
			"open it in Excel and save it again"), err)}
	}
	return bySheet, nil
}

func damaged(name, part string, err error) error {
	return &ParseError{File: name, Err: fmt.Errorf("%w (part %s: %w)", hint(ErrFormat,
		"the workbook is damaged: a part of it is cut short or fails its checksum",
		"open it in Excel and save it again, or export the sheet as CSV; nothing was sent"), part, err)}
}

func isWorksheet(name string) bool {
	return strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml")
}

func isSharedStrings(name string) bool { return strings.EqualFold(name, "xl/sharedStrings.xml") }

// isXMLPart reports whether a part is XML (excelize may parse it).
func isXMLPart(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".xml" || ext == ".rels" || ext == ".vml"
}

// sharedStrings is what the scan keeps of the shared strings: the bytes of
// each one's XML text, and the first one longer than maxXMLToken (-1: none).
type sharedStrings struct {
	sizes  []int32
	tooBig int
}

// scanSharedStrings reads the shared strings part, if any, in bounded memory.
func scanSharedStrings(name string, zr *zip.Reader) (*sharedStrings, error) {
	sst := &sharedStrings{tooBig: -1}
	for _, zf := range zr.File {
		if !isSharedStrings(zf.Name) {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, damaged(name, zf.Name, err)
		}
		defer rc.Close()
		d := xml.NewDecoder(newXMLGuard(rc))
		in, cur := false, 0
		for {
			tok, err := d.RawToken()
			if errors.Is(err, errXMLToken) {
				sst.tooBig = len(sst.sizes)
				return sst, nil // refused when the cells that use it are known
			}
			if errors.Is(err, io.EOF) { // the part's end, where archive/zip has checked its CRC
				break
			}
			if err != nil {
				return nil, damaged(name, zf.Name, err)
			}
			switch t := tok.(type) {
			case xml.StartElement:
				if t.Name.Local == "si" {
					in, cur = true, 0
				}
			case xml.CharData:
				if in {
					cur += len(t)
				}
			case xml.EndElement:
				if t.Name.Local == "si" {
					in = false
					if sst.sizes = append(sst.sizes, int32(min(cur, maxXMLToken+1))); len(sst.sizes) > MaxSharedStrings {
						return nil, &ParseError{File: name, Err: hint(ErrTooLarge,
							fmt.Sprintf("it holds more than %d distinct texts (shared strings)", MaxSharedStrings),
							"save the sheet as CSV in the spreadsheet program and import that")}
					}
				}
			}
		}
	}
	return sst, nil
}

// scanPart reads one part to its end; a worksheet is parsed as XML, any
// other XML part is checked by an xmlGuard.
func scanPart(zf *zip.File, sst *sharedStrings, elems, facts *int) (*sheetFacts, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if !isWorksheet(zf.Name) {
		if !isXMLPart(zf.Name) {
			_, err := io.Copy(io.Discard, rc)
			return nil, err
		}
		g := newXMLGuard(rc)
		_, err := io.Copy(io.Discard, g)
		*elems += g.elems
		if errors.Is(err, errXMLToken) {
			return nil, &ParseError{Err: hint(ErrTooLarge,
				fmt.Sprintf("its part %q holds a piece of XML longer than %d MB", zf.Name, maxXMLToken>>20),
				"this is not an ordinary spreadsheet (possibly a zip bomb); if it is genuine, save it as CSV in the spreadsheet program and import that")}
		}
		return nil, err
	}
	// scanSheet reads to the part's end, where archive/zip checks its CRC.
	return scanSheet(newXMLGuard(rc), sst, facts)
}

// sheetScan is the state of scanSheet.
type sheetScan struct {
	facts              *sheetFacts
	sst                *sharedStrings
	d                  *xml.Decoder
	cellRef, cellType  string
	inCell, hasF, hasV bool
	inV                bool
	budget             *int  // facts kept so far, of every sheet (maxSheetFacts)
	row                int   // the row being read (1-based)
	rowStart           int64 // its offset in the XML
	rowShared          int64 // bytes of the shared strings its cells use
}

// scanSheet parses a worksheet's XML to its end; budget counts the facts
// kept, over every sheet of the workbook.
func scanSheet(r io.Reader, sst *sharedStrings, budget *int) (*sheetFacts, error) {
	s := &sheetScan{facts: &sheetFacts{unsaved: map[int][]int{}}, sst: sst, d: xml.NewDecoder(r), budget: budget}
	depth := 0
	for {
		tok, err := s.d.RawToken()
		if errors.Is(err, io.EOF) {
			if depth != 0 {
				return nil, errors.New("the sheet's XML ends inside an element")
			}
			return s.facts, nil
		}
		if errors.Is(err, errXMLToken) {
			return nil, s.tooLarge()
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			err = s.start(t)
		case xml.CharData:
			err = s.text(t)
		case xml.EndElement:
			depth--
			err = s.end(t)
		}
		if err != nil {
			return nil, err
		}
	}
}

func (s *sheetScan) start(t xml.StartElement) error {
	switch t.Name.Local {
	case "row":
		s.row++
		if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > 0 {
			s.row = n
		}
		s.rowStart, s.rowShared = s.d.InputOffset(), 0
	case "c":
		s.inCell, s.hasF, s.hasV, s.cellRef, s.cellType = true, false, false, attr(t, "r"), attr(t, "t")
	case "f":
		s.hasF = s.hasF || s.inCell
	case "v", "is":
		s.hasV = s.hasV || s.inCell
		s.inV = t.Name.Local == "v"
	case "mergeCell":
		if m, ok := parseMerge(attr(t, "ref")); ok {
			s.facts.merges = append(s.facts.merges, m)
			if *s.budget++; *s.budget > maxSheetFacts {
				return s.tooMany()
			}
		}
	}
	return nil
}

// text counts a shared string's size in its row, and refuses a cell that
// uses the one too large to read.
func (s *sheetScan) text(t xml.CharData) error {
	if !s.inV || s.cellType != "s" {
		return nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(string(t)))
	if err != nil || i < 0 {
		return nil
	}
	if i == s.sst.tooBig {
		return s.tooLarge()
	}
	if i < len(s.sst.sizes) {
		s.rowShared += int64(s.sst.sizes[i])
	}
	return nil
}

func (s *sheetScan) end(t xml.EndElement) error {
	switch t.Name.Local {
	case "v":
		s.inV = false
	case "c":
		if s.hasF && !s.hasV && s.cellRef != "" {
			if c, r, err := excelize.CellNameToCoordinates(s.cellRef); err == nil {
				s.facts.unsaved[r] = append(s.facts.unsaved[r], c)
				if *s.budget++; *s.budget > maxSheetFacts {
					return s.tooMany()
				}
			}
		}
		s.inCell = false
	case "row":
		if n := s.d.InputOffset() - s.rowStart + s.rowShared; n > maxRowBytes {
			return &ParseError{Row: s.row, Err: hint(ErrRowTooLarge,
				fmt.Sprintf("the row holds %d MB of text and XML, more than the %d MB crmbulk reads", n>>20, maxRowBytes>>20),
				"this is not an ordinary spreadsheet; shorten the row's cells, or save the sheet as CSV; nothing was sent")}
		}
	}
	return nil
}

// tooLarge is the error of a cell (or what follows it) too long to read.
func (s *sheetScan) tooLarge() error {
	pe := &ParseError{Row: s.row}
	what := fmt.Sprintf("the sheet's XML after row %d holds a run of more than %d MB (white space or padding: no cell)", s.row, maxXMLToken>>20)
	if c, r, err := excelize.CellNameToCoordinates(s.cellRef); err == nil && s.inCell {
		pe.Row, pe.Column = r, c
		what = fmt.Sprintf("the cell holds more than %d MB of text, far more than the %d characters any field of the API takes", maxXMLToken>>20, MaxCellChars)
	}
	pe.Err = hint(ErrRowTooLarge, what, "shorten the cell, or delete what is not client data; nothing was sent")
	return pe
}

func (s *sheetScan) tooMany() error {
	return &ParseError{Row: s.row, Err: hint(ErrTooLarge,
		fmt.Sprintf("its sheets hold more than %d formulas with no saved value and merged ranges", maxSheetFacts),
		"open it in Excel and save it (or save it as CSV and import that)")}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func parseMerge(ref string) (mergeArea, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		return mergeArea{}, false
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil || r2 < r1 || c2 < c1 {
		return mergeArea{}, false
	}
	return mergeArea{r1, c1, r2, c2}, true
}

// bySheetName keys the facts of each part (byPart) by the name of the sheet
// it holds, from xl/workbook.xml and its relationships.
func bySheetName(zr *zip.Reader, byPart map[string]*sheetFacts) (map[string]*sheetFacts, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXMLPart(zr, "xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	if err := readXMLPart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	target := map[string]string{}
	for _, r := range rels.Rels {
		t, absolute := strings.CutPrefix(r.Target, "/")
		if !absolute {
			t = path.Join("xl", t)
		}
		target[r.ID] = t
	}
	out := map[string]*sheetFacts{}
	for _, s := range wb.Sheets {
		out[s.Name] = byPart[target[s.RID]]
	}
	return out, nil
}

func readXMLPart(zr *zip.Reader, name string, v any) error {
	for _, zf := range zr.File {
		if strings.EqualFold(zf.Name, name) {
			rc, err := zf.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v)
		}
	}
	return fmt.Errorf("no %s in the archive", name)
}

// unsavedCols returns the 0-based columns of row num that hold a formula
// with no saved value: they read as empty. Such a row is not blank, though
// every cell reads as empty, so that it gets its report line (issue 20)
// instead of disappearing.
func (f *sheetFacts) unsavedCols(num int) []int {
	if f == nil || len(f.unsaved[num]) == 0 {
		return nil
	}
	out := slices.Sorted(slices.Values(f.unsaved[num]))
	for i := range out {
		out[i]--
	}
	return out
}

// fill carries each merged range's value (its first cell's) to every cell
// it covers in row num, and returns the row's cells.
func (f *sheetFacts) fill(num int, cells []string, first map[mergeArea]string) []string {
	for _, m := range f.merges {
		if num < m.r1 || num > m.r2 {
			continue
		}
		if num == m.r1 && m.c1 <= len(cells) {
			first[m] = cells[m.c1-1] // (a first cell beyond the row's end is empty: first[m] stays "")
		}
		v := first[m]
		for len(cells) < m.c2 {
			cells = append(cells, "")
		}
		for c := m.c1; c <= m.c2; c++ {
			cells[c-1] = v
		}
	}
	return cells
}
