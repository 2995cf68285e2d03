package sheet

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Hostile inputs (issue 20): each is generated as a file, streamed, so
// that neither a test nor a benchmark holds it in memory.

// xlsxPart is one part of a generated workbook: its name and what writes it.
type xlsxPart struct {
	name  string
	write func(w io.Writer) error
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// repeated writes prefix, n copies of unit, then suffix.
func repeated(prefix, unit string, n int, suffix string) func(io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.WriteString(prefix)
		chunk := strings.Repeat(unit, max(1, (64<<10)/len(unit)))
		per := len(chunk) / len(unit)
		for n > 0 {
			k := min(n, per)
			bw.WriteString(chunk[:k*len(unit)])
			n -= k
		}
		bw.WriteString(suffix)
		return bw.Flush()
	}
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c><c r="B1" t="inlineStr"><is><t>notes</t></is></c></row>`
	sheetTail = `</sheetData></worksheet>`
)

// workbookParts are the parts every generated workbook has, with sheet as
// its one worksheet.
func workbookParts(sheet func(io.Writer) error, extra ...xlsxPart) []xlsxPart {
	parts := []xlsxPart{
		{"[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)},
		{"_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", text(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	return append(parts, extra...)
}

// writeXLSX writes the parts, deflated, to a new file in dir.
func writeXLSX(tb testing.TB, dir, name string, parts []xlsxPart) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			tb.Fatal(err)
		}
		if err := p.write(w); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// dataRow is row r of a generated sheet: an email and, in B, the XML of a notes cell.
func dataRow(r int, notes string) string {
	return fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>c%d@example.com</t></is></c>%s</row>`, r, r, r, notes)
}

// hostileXLSX are the hostile workbooks, by name, scaled by size (the
// bytes of the part that is too large).
func hostileXLSX(size int) map[string][]xlsxPart {
	row2 := dataRow(2, "")
	return map[string][]xlsxPart{
		// A sheet whose XML is white space, deflated ~1000:1.
		"white space in the sheet": workbookParts(repeated(sheetHead+row2, " ", size, sheetTail)),
		// Another part (not a sheet) of white space.
		"white space in another part": workbookParts(text(sheetHead+row2+sheetTail),
			xlsxPart{"xl/styles.xml", repeated(`<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, " ", size, `</styleSheet>`)}),
		// One cell holding size characters, written inline.
		"one huge inline cell": workbookParts(repeated(sheetHead+`<row r="2"><c r="A2" t="inlineStr"><is><t>a@b.pl</t></is></c><c r="B2" t="inlineStr"><is><t>`, "x", size, `</t></is></c></row>`+sheetTail)),
		// One shared string of size characters, used by B2.
		"one huge shared string": workbookParts(text(sheetHead+dataRow(2, `<c r="B2" t="s"><v>1</v></c>`)+sheetTail),
			xlsxPart{"xl/sharedStrings.xml", repeated(`<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si><si><t>`, "x", size, `</t></si></sst>`)}),
		// Styles of as many tiny elements as fit, each parsed into a struct.
		"a styles part of tiny elements": workbookParts(text(sheetHead+row2+sheetTail),
			xlsxPart{"xl/styles.xml", repeated(`<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>`, "<xf/>", maxOtherElements-100, `</cellXfs></styleSheet>`)}),
		// A shared-strings table of size/16 one-character strings.
		"a huge shared-strings table": workbookParts(text(sheetHead+dataRow(2, `<c r="B2" t="s"><v>3</v></c>`)+sheetTail),
			xlsxPart{"xl/sharedStrings.xml", repeated(`<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, "<si><t>a</t></si>", size/17, `</sst>`)}),
	}
}

// TestHostileXLSXRefused: each hostile workbook is refused when it is
// opened or read, naming the file and, for a cell, its row and column —
// in bounded memory (the allocations are a fraction of the input).
func TestHostileXLSXRefused(t *testing.T) {
	const size = 32 << 20
	dir := t.TempDir()
	want := map[string]struct {
		kind     error
		row, col int
	}{
		"white space in the sheet":    {ErrRowTooLarge, 2, 0},
		"white space in another part": {ErrTooLarge, 0, 0},
		"one huge inline cell":        {ErrRowTooLarge, 2, 2},
		"one huge shared string":      {ErrRowTooLarge, 2, 2},
	}
	for name, parts := range hostileXLSX(size) {
		w, ok := want[name]
		if !ok {
			continue // (the shared-strings table: TestHugeSharedStringsTable)
		}
		t.Run(name, func(t *testing.T) {
			path := writeXLSX(t, dir, "h.xlsx", parts)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := openAndCount(path)
			runtime.ReadMemStats(&after)
			var pe *ParseError
			if !errors.Is(err, w.kind) || !errors.As(err, &pe) || pe.File != "h.xlsx" || pe.Row != w.row || pe.Column != w.col {
				t.Fatalf("err = %v, want %v at row %d, column %d of h.xlsx", err, w.kind, w.row, w.col)
			}
			// (the XML decoder's buffer reaches the 1 MiB bound, doubling)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > size/2 {
				t.Errorf("allocated %d MB refusing a part of %d MB", grew>>20, size>>20)
			} else {
				t.Logf("allocated %.1f MB", float64(grew)/(1<<20))
			}
		})
	}
}

// TestCellLongerThanAnyField: a cell of more characters than any field
// takes (MaxCellChars) refuses the file naming its row and column, in
// every format.
func TestCellLongerThanAnyField(t *testing.T) {
	long := strings.Repeat("ż", MaxCellChars+1)
	dir := t.TempDir()
	xlsx := writeXLSX(t, dir, "long.xlsx", workbookParts(text(sheetHead+dataRow(2, "")+dataRow(3, `<c r="B3" t="inlineStr"><is><t>`+long+`</t></is></c>`)+sheetTail)))
	csvPath := filepath.Join(dir, "long.csv")
	if err := os.WriteFile(csvPath, []byte("email,notes\na@b.pl,x\nc@d.pl,"+long+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{xlsx, csvPath} {
		err := openAndCount(path)
		var pe *ParseError
		if !errors.Is(err, ErrRowTooLarge) || !errors.As(err, &pe) || pe.Row != 3 || pe.Column != 2 || !strings.Contains(err.Error(), "65537 characters") {
			t.Errorf("%s: err = %v, want the cell at row 3, column 2 refused", filepath.Base(path), err)
		}
	}
	// One character less is read.
	ok := writeXLSX(t, dir, "ok.xlsx", workbookParts(text(sheetHead+dataRow(2, `<c r="B2" t="inlineStr"><is><t>`+long[len("ż"):]+`</t></is></c>`)+sheetTail)))
	if err := openAndCount(ok); err != nil {
		t.Errorf("a cell of %d characters: %v", MaxCellChars, err)
	}
}

// TestHugeSharedStringsTable: a workbook of more distinct texts than
// MaxSharedStrings is refused before excelize indexes them.
func TestHugeSharedStringsTable(t *testing.T) {
	path := writeXLSX(t, t.TempDir(), "sst.xlsx", hostileXLSX(17 * (MaxSharedStrings + 10))["a huge shared-strings table"])
	if err := openAndCount(path); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "distinct texts") {
		t.Fatalf("err = %v, want the shared strings refused", err)
	}
}

// openAndCount opens path and reads it to the end.
func openAndCount(path string) error {
	r, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = Count(r)
	return err
}

// TestTooManySheetFacts: more formulas without a saved value (and merged
// ranges) than maxSheetFacts, over all the sheets, refuse the workbook:
// the scan would keep each.
func TestTooManySheetFacts(t *testing.T) {
	rows := func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(sheetHead)
		for r := 2; r < maxSheetFacts/2+10; r++ {
			fmt.Fprintf(bw, `<row r="%d"><c r="A%d"><f>1</f></c><c r="B%d"><f>2</f></c></row>`, r, r, r)
		}
		bw.WriteString(sheetTail)
		return bw.Flush()
	}
	path := writeXLSX(t, t.TempDir(), "f.xlsx", workbookParts(rows))
	if err := openAndCount(path); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "formulas with no saved value") {
		t.Fatalf("err = %v, want the formulas refused", err)
	}
}
