package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// openXLSX writes data to a file called name and opens it.
func openXLSX(t testing.TB, data []byte, name string, opt Options) (*Reader, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return Open(path, opt)
}

// rawXLSX builds a minimal one-sheet workbook around the given sheetData
// content, written exactly as given (for values excelize itself would not
// write, such as 4.86007008E10 or a formula with a cached value). pad adds
// that many bytes of white space after sheetData (a zip bomb when large).
func rawXLSX(t testing.TB, sheetData string, pad int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + sheetData + `</sheetData>` + strings.Repeat(" ", pad) + `</worksheet>`},
	}
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t testing.TB, r *Reader) []Row {
	t.Helper()
	var rows []Row
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		rows = append(rows, row)
	}
}

func TestXLSXRawValues(t *testing.T) {
	data := rawXLSX(t, `<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c><c r="B1" t="inlineStr"><is><t>n</t></is></c><c r="C1" t="inlineStr"><is><t>f</t></is></c><c r="D1" t="inlineStr"><is><t>s</t></is></c></row>`+
		`<row r="2"><c r="A2"><v>4.86007008E10</v></c><c r="B2"><v>3.0</v></c><c r="C2"><f>B2*2</f><v>6</v></c><c r="D2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>`+
		`<row r="4"><c r="A4"><v>0.10000000000000001</v></c><c r="B4"><v>0.30000000000000004</v></c><c r="C4" t="b"><v>1</v></c><c r="D4"><v>-12.5</v></c></row>`, 0)
	r, err := openXLSX(t, data, "raw.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r)
	want := []Row{
		{Num: 2, Cells: []string{"48600700800", "3", "6", "ab"}},
		{Num: 4, Cells: []string{"0.1", "0.3", "TRUE", "-12.5"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].Num != want[i].Num || strings.Join(got[i].Cells, "|") != strings.Join(want[i].Cells, "|") {
			t.Errorf("row %d = %d %q, want %d %q", i, got[i].Num, got[i].Cells, want[i].Num, want[i].Cells)
		}
	}
}

// workbook builds an XLSX with an empty first sheet and typed values on the
// second, the way excelize (and so Excel) stores them.
func workbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("Data"); err != nil {
		t.Fatal(err)
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		t.Fatal(err)
	}
	set := func(cell string, v any) {
		if err := f.SetCellValue("Data", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"id", "phone", "float", "big", "date", "text", "bool"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(c, h)
	}
	set("A2", 1)
	set("B2", int64(48600700800))
	set("C2", 0.1)
	set("D2", 4.86007008e10)
	set("E2", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
	if err := f.SetCellStyle("Data", "E2", "E2", dateStyle); err != nil {
		t.Fatal(err)
	}
	set("F2", "00-950")
	set("G2", true)
	set("A3", 2)
	set("C3", 3.0)
	set("F3", "1e5")
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXWorkbook(t *testing.T) {
	data := workbook(t)
	tests := []struct {
		name  string
		opt   Options
		want  string
		err   error
		inErr string
	}{
		{name: "first sheet with data", want: "2:1|48600700800|0.1|48600700800|2024-01-02|00-950|TRUE;3:2||3|||1e5|"},
		{name: "named sheet", opt: Options{Sheet: "data"}, want: "2:1|48600700800|0.1|48600700800|2024-01-02|00-950|TRUE;3:2||3|||1e5|"},
		{name: "empty sheet by name", opt: Options{Sheet: "Sheet1"}, err: ErrEmpty},
		{name: "missing sheet lists sheets", opt: Options{Sheet: "Clients"}, err: ErrSheetNotFound, inErr: `"Sheet1", "Data"`},
		{name: "header row 2 has duplicates: read", opt: Options{HeaderRow: 2}, want: "3:2||3|||1e5|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openXLSX(t, data, "book.xlsx", tt.opt)
			if tt.err != nil {
				var pe *ParseError
				if !errors.Is(err, tt.err) || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.inErr) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.err, tt.inErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var parts []string
			for _, row := range readAll(t, r) {
				parts = append(parts, strings.Join(append([]string{strconv.Itoa(row.Num) + ":" + row.Cells[0]}, row.Cells[1:]...), "|"))
			}
			if got := strings.Join(parts, ";"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestXLSXZipBomb(t *testing.T) {
	data := rawXLSX(t, `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>`, 4<<20)
	if len(data) > 64<<10 {
		t.Fatalf("fixture is %d bytes, expected a tiny file", len(data))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	err = checkInflation("bomb.xlsx", zr, 1<<20)
	var pe *ParseError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &pe) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	for _, s := range []string{"bomb.xlsx", "xl/worksheets/sheet1.xml", "1048576"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	// Under the default limit it is refused too: 4 MB of white space is no
	// text a field takes (issue 20); half a megabyte of it is read.
	if _, err := openXLSX(t, data, "bomb.xlsx", Options{}); !errors.Is(err, ErrRowTooLarge) {
		t.Errorf("4 MB of white space: err = %v, want ErrRowTooLarge", err)
	}
	data = rawXLSX(t, `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>`, 512<<10)
	r, err := openXLSX(t, data, "bomb.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := readAll(t, r); len(rows) != 1 || rows[0].Cells[0] != "1" {
		t.Errorf("rows = %v", rows)
	}
	_ = r.Close()
}

func TestXLSXNotZip(t *testing.T) {
	_, err := openXLSX(t, []byte("a,b\n1,2\n"), "x.xlsx", Options{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "x.xlsx") {
		t.Errorf("err = %v, want ErrFormat naming the file", err)
	}
	_, err = Open(filepath.Join("testdata", "utf8_bom.csv"), Options{Format: "xlsx"})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("Open csv as xlsx: err = %v, want ErrFormat", err)
	}
}
