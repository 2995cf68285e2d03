package sheet

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestExcelSepLine: Excel's "sep=;" first line sets the delimiter and is
// not read as the header.
func TestExcelSepLine(t *testing.T) {
	for _, in := range []string{"sep=;\nemail;city\na@b.pl;Łódź\n", "\"sep=;\"\r\nemail;city\r\na@b.pl;Łódź\r\n", "\ufeffSEP=;\nemail;city\na@b.pl;Łódź\n"} {
		r, err := readCSV(strings.NewReader(in), "x.csv", Options{})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		row, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if h := r.Header(); len(h) != 2 || h[0] != "email" || row.Cells[1] != "Łódź" || row.Num != 2 {
			t.Errorf("%q: header %q, row %d %q", in, h, row.Num, row.Cells)
		}
	}
}

// TestHostileCSVInBoundedMemory: a 100 MB line and a row of a million
// cells are refused with the row named, without holding the file in memory.
func TestHostileCSVInBoundedMemory(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
		want string
	}{
		{"one 100 MB line", io.MultiReader(strings.NewReader("email,notes\na@b.pl,\""), &repeat{b: 'x', n: 100 << 20}), "a row of more than 1 MB"},
		{"a million cells", io.MultiReader(strings.NewReader("email\n"), &repeat{b: ',', n: 1 << 20}, strings.NewReader("\n")), "delimiters"},
		{"3000 cells", strings.NewReader("email\n" + strings.Repeat("a,", 3000) + "\n"), "3001 cells, more than the 2000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r, err := readCSV(tt.r, "big.csv", Options{Delimiter: ','})
			if err == nil {
				_, err = Count(r)
			}
			runtime.ReadMemStats(&after)
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrRowTooLarge) || !strings.Contains(err.Error(), tt.want) || pe.Row != 2 {
				t.Fatalf("err = %v, want ErrRowTooLarge at row 2 saying %q", err, tt.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("allocated %d MB reading it", grew>>20)
			}
		})
	}
}

// repeat yields n copies of b.
type repeat struct {
	b byte
	n int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}
