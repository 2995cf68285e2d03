package sheet

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// clientsXLSX writes an XLSX of n client rows under a header.
func clientsXLSX(tb testing.TB, dir string, n int) string {
	tb.Helper()
	p := filepath.Join(dir, fmt.Sprintf("clients-%d.xlsx", n))
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"Nazwa", "E-mail", "Telefon", "Miasto", "Kraj"})
	for i := 2; i <= n+1; i++ {
		c, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(c, []any{fmt.Sprintf("Klient %d", i), fmt.Sprintf("k%d@example.com", i), "600100200", "Warszawa", "Polska"}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(p); err != nil {
		tb.Fatal(err)
	}
	return p
}

func firstRow(tb testing.TB, path string, opts Options) ([]string, error) {
	tb.Helper()
	r, err := Open(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	row, err := r.Read()
	return row.Cells, err
}

// TestCheckedFileIsCheckedAgainWhenItChanges: an XLSX opened again through
// the same Checked reads as before; once the file changed, it is checked
// whole again — a file cut short is refused, not read as far as it goes.
func TestCheckedFileIsCheckedAgainWhenItChanges(t *testing.T) {
	var checked Checked
	p := clientsXLSX(t, t.TempDir(), 50)
	opts := Options{Checked: &checked}
	for range 2 {
		if cells, err := firstRow(t, p, opts); err != nil || cells[1] != "k2@example.com" {
			t.Fatalf("first row %q, %v", cells, err)
		}
	}
	if _, _, ok := checked.lookup(p); !ok {
		t.Fatal("the file checked is not remembered")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b[:len(b)-200], 0o644); err != nil { // cut short: its central directory is gone
		t.Fatal(err)
	}
	if _, err := firstRow(t, p, opts); err == nil {
		t.Fatal("a file changed since it was checked is read without being checked again")
	}
}

// BenchmarkOpenXLSXChecked: opening a 100,000-row XLSX for its first rows,
// checked whole every time, and again through a Checked that holds it
// (the header search, the guess and the preview of one upload).
func BenchmarkOpenXLSXChecked(b *testing.B) {
	p := clientsXLSX(b, b.TempDir(), 100_000)
	for _, bc := range []struct {
		name    string
		checked *Checked
	}{{"every open", nil}, {"checked once", &Checked{}}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := firstRow(b, p, Options{Checked: bc.checked}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
