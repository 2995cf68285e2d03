package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// storedWorkbook is a one-sheet workbook whose parts are stored (not
// deflated), each ending in a comment and then trailer: bytes after the
// root element's end that the XML reader reaches only at the part's end.
func storedWorkbook(t *testing.T, trailer string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>email</t></si><si><t>a@example.com</t></si></sst>SSTTRAIL` + trailer},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>WSTRAIL` + trailer},
	}
	for _, p := range parts {
		body := strings.ReplaceAll(strings.ReplaceAll(p.body, "SSTTRAIL", "<!--sst-->"), "WSTRAIL", "<!--ws-->")
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDamageAtAPartsEndRefused: a byte changed after a worksheet's (or the
// shared strings') root element — white space after it, or the part's
// last byte — is refused as damaged: the scan reads each part to its end,
// where archive/zip checks the CRC. (The "checksum fails" case of
// xlsxscan_test changes a byte mid-sheet, never this tail.)
func TestDamageAtAPartsEndRefused(t *testing.T) {
	good := storedWorkbook(t, "    \n")
	r, err := openXLSX(t, good, "g.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Count(r); n != 1 || err != nil {
		t.Fatalf("good: %d %v", n, err)
	}
	for _, mark := range []string{"<!--sst-->", "<!--ws-->"} {
		b := bytes.Clone(good)
		i := bytes.Index(b, []byte(mark)) + len(mark) + 2
		b[i] = '\t' // a trailing white space byte after the root's end, CRC not updated
		_, err := openXLSX(t, b, "bad.xlsx", Options{})
		if err == nil || !strings.Contains(err.Error(), "damaged") || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: flipped trailing byte not refused: %v", mark, err)
		}
		// the last byte of the part
		b = bytes.Clone(good)
		i = bytes.Index(b, []byte(mark)) + len(mark) + 4
		b[i] = ' '
		_, err = openXLSX(t, b, "bad2.xlsx", Options{})
		if err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: flipped last byte not refused: %v", mark, err)
		}
	}
}
