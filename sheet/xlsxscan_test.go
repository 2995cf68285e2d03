package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbook builds an XLSX with excelize's ordinary API (as other programs'
// files are: formulas written without results, merged cells).
func buildWorkbook(t *testing.T, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rezip rewrites an archive, passing each part's bytes through edit
// (stored, not deflated, so a test can corrupt bytes in place).
func rezip(t *testing.T, b []byte, edit func(name string, data []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		data, _ := io.ReadAll(rc)
		_ = rc.Close()
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(edit(zf.Name, data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func hundredRows(f *excelize.File) {
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"email", "city"})
	for i := 2; i <= 101; i++ {
		_ = f.SetSheetRow("Sheet1", "A"+itoa(i), &[]any{"c" + itoa(i) + "@example.com", "Łódź"})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestDamagedXLSXRefused: a sheet part cut short (its XML ends mid-way, with
// a valid checksum) and a part whose bytes fail their CRC are refused when
// the file is opened, before a row is read — not read as a shorter sheet.
func TestDamagedXLSXRefused(t *testing.T) {
	good := buildWorkbook(t, hundredRows)
	tests := map[string][]byte{
		"sheet cut short": rezip(t, good, func(name string, d []byte) []byte {
			if name == "xl/worksheets/sheet1.xml" {
				return d[:len(d)/2]
			}
			return d
		}),
		"checksum fails": func() []byte {
			b := rezip(t, good, func(_ string, d []byte) []byte { return d })
			i := bytes.Index(b, []byte("c50@example.com"))
			b[i] = 'X' // stored: the byte is the part's, the CRC in the header is not
			return b
		}(),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := openXLSX(t, b, "cut.xlsx", Options{})
			if err == nil {
				n, cerr := Count(r)
				t.Fatalf("opened; %d rows read, %v", n, cerr)
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "damaged") {
				t.Errorf("err = %v, want the damage said", err)
			}
		})
	}
	r, err := openXLSX(t, good, "good.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Count(r); n != 100 || err != nil {
		t.Errorf("the good file: %d rows, %v", n, err)
	}
}

// TestXLSXFormulasAndMerges: a formula written without its result is
// named in Row.Unsaved; a merged range's value reaches every row it covers.
func TestXLSXFormulasAndMerges(t *testing.T) {
	b := buildWorkbook(t, func(f *excelize.File) {
		_ = f.SetSheetRow("Sheet1", "A1", &[]any{"email", "company", "phone"})
		_ = f.SetSheetRow("Sheet1", "A2", &[]any{"a@example.com", "Sklep ABC", "1"})
		_ = f.SetSheetRow("Sheet1", "A3", &[]any{"b@example.com", ""})
		_ = f.SetSheetRow("Sheet1", "A4", &[]any{"c@example.com", "", "3"})
		_ = f.MergeCell("Sheet1", "B2", "B4")
		_ = f.SetCellFormula("Sheet1", "C3", "=C2*10") // no cached value, as a generator writes it
	})
	r, err := openXLSX(t, b, "f.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, row := range rows {
		if row.Cells[1] != "Sklep ABC" {
			t.Errorf("row %d: company %q, want the merged value", row.Num, row.Cells[1])
		}
	}
	if u := rows[1].Unsaved; len(u) != 1 || u[0] != 2 {
		t.Errorf("row 3 unsaved %v, want [2]", u)
	}
	if len(rows[0].Unsaved)+len(rows[2].Unsaved) != 0 {
		t.Errorf("unsaved on other rows: %v %v", rows[0].Unsaved, rows[2].Unsaved)
	}
}

// TestXLSXRowOfUnsavedFormulas: a row whose every cell is a formula with
// no saved value reads as a row naming them, not as a blank row skipped
// (issue 20: it disappeared from the report, exit 0).
func TestXLSXRowOfUnsavedFormulas(t *testing.T) {
	b := buildWorkbook(t, func(f *excelize.File) {
		_ = f.SetSheetRow("Sheet1", "A1", &[]any{"email", "phone"})
		_ = f.SetSheetRow("Sheet1", "A2", &[]any{"a@example.com", "1"})
		_ = f.SetCellFormula("Sheet1", "A3", `=A2&""`)
		_ = f.SetCellFormula("Sheet1", "B3", "=B2*10")
		_ = f.SetSheetRow("Sheet1", "A4", &[]any{"c@example.com", "3"})
	})
	r, err := openXLSX(t, b, "f.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	if len(rows) != 3 || rows[1].Num != 3 || len(rows[1].Unsaved) != 2 {
		t.Fatalf("rows %+v, want row 3 with its two unsaved cells", rows)
	}
}
