package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
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
// sheet name.
func scanXLSX(name string, zr *zip.Reader) (map[string]*sheetFacts, error) {
	byPart := map[string]*sheetFacts{}
	for _, zf := range zr.File {
		facts, err := scanPart(zf)
		if err != nil {
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w (part %s: %w)", hint(ErrFormat,
				"the workbook is damaged: a part of it is cut short or fails its checksum",
				"open it in Excel and save it again, or export the sheet as CSV; nothing was sent"), zf.Name, err)}
		}
		if facts != nil {
			byPart[zf.Name] = facts
		}
	}
	sheets, err := sheetParts(zr)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w (%w)", hint(ErrFormat, "the workbook's list of sheets cannot be read",
			"open it in Excel and save it again"), err)}
	}
	out := map[string]*sheetFacts{}
	for sheet, part := range sheets {
		if f, ok := byPart[part]; ok {
			out[sheet] = f
		}
	}
	return out, nil
}

func isWorksheet(name string) bool {
	return strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml")
}

// scanPart reads one part to its end; a worksheet is parsed as XML.
func scanPart(zf *zip.File) (*sheetFacts, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if !isWorksheet(zf.Name) {
		_, err := io.Copy(io.Discard, rc)
		return nil, err
	}
	facts, err := scanSheet(rc)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, rc) // to the end: the CRC is checked there
	return facts, err
}

// scanSheet parses a worksheet's XML to its end.
func scanSheet(r io.Reader) (*sheetFacts, error) {
	facts := &sheetFacts{unsaved: map[int][]int{}}
	d := xml.NewDecoder(r)
	var (
		cellRef            string
		inCell, hasF, hasV bool
		depth              int
	)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			if depth != 0 {
				return nil, errors.New("the sheet's XML ends inside an element")
			}
			return facts, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "c":
				inCell, hasF, hasV, cellRef = true, false, false, attr(t, "r")
			case "f":
				hasF = hasF || inCell
			case "v", "is":
				hasV = hasV || inCell
			case "mergeCell":
				if m, ok := parseMerge(attr(t, "ref")); ok {
					facts.merges = append(facts.merges, m)
				}
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "c" {
				if hasF && !hasV && cellRef != "" {
					if c, r, err := excelize.CellNameToCoordinates(cellRef); err == nil {
						facts.unsaved[r] = append(facts.unsaved[r], c)
					}
				}
				inCell = false
			}
		}
	}
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

// sheetParts maps each sheet's name to its part, from xl/workbook.xml and
// its relationships.
func sheetParts(zr *zip.Reader) (map[string]string, error) {
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
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		target[r.ID] = t
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		out[s.Name] = target[s.RID]
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

// fill carries each merged range's value (its first cell's) to every cell
// it covers in row num, and returns the row's cells.
func (f *sheetFacts) fill(num int, cells []string, first map[mergeArea]string) []string {
	for _, m := range f.merges {
		if num < m.r1 || num > m.r2 {
			continue
		}
		if num == m.r1 {
			v := ""
			if m.c1-1 < len(cells) {
				v = cells[m.c1-1]
			}
			first[m] = v
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
