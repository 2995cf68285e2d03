package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

const benchRows = 100_000

func benchRecord(i int) []string {
	n := strconv.Itoa(i)
	return []string{n, "Klient " + n, "klient" + n + "@example.com", "+48 600 " + n, "ul. Długa " + n + ", m. 3",
		"00-950", "Warszawa", "PL", "Firma \"Żółw\" sp. z o.o.", "PL" + n}
}

func benchCSV(tb testing.TB) []byte {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, CSVWriterOptions{Delimiter: ';', CRLF: true})
	_ = w.Write([]string{"id", "name", "email", "phone", "address", "postcode", "city", "country", "company", "tax_id"})
	for i := 1; i <= benchRows; i++ {
		if err := w.Write(benchRecord(i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func benchXLSX(tb testing.TB) []byte {
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, XLSXWriterOptions{NumericColumns: map[int]bool{0: true}})
	if err != nil {
		tb.Fatal(err)
	}
	_ = w.Write([]string{"id", "name", "email", "phone", "address", "postcode", "city", "country", "company", "tax_id"})
	for i := 1; i <= benchRows; i++ {
		if err := w.Write(benchRecord(i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// measure runs fn b.N times and reports rows/s plus allocations and bytes
// per row (flat per row = memory does not grow with rows).
func measure(b *testing.B, fn func() int) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		rows += fn()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if rows == 0 {
		b.Fatal("no rows")
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")
}

func BenchmarkCSVRead(b *testing.B) {
	data := benchCSV(b)
	measure(b, func() int {
		r, err := readCSV(bytes.NewReader(data), "bench.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		n, err := Count(r)
		if err != nil {
			b.Fatal(err)
		}
		return n
	})
}

func BenchmarkBareCSV(b *testing.B) {
	data := benchCSV(b)
	measure(b, func() int {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma = ';'
		cr.ReuseRecord = true
		n := -1
		for {
			_, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		return n
	})
}

func BenchmarkXLSXRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	if err := os.WriteFile(path, benchXLSX(b), 0o644); err != nil {
		b.Fatal(err)
	}
	measure(b, func() int {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		n, err := Count(r)
		if err != nil {
			b.Fatal(err)
		}
		return n
	})
}

func BenchmarkBareXLSX(b *testing.B) {
	data := benchXLSX(b)
	measure(b, func() int {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		rows, err := f.Rows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		n := -1
		for rows.Next() {
			if _, err := rows.Columns(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		return n
	})
}

func BenchmarkXLSXWrite(b *testing.B) {
	measure(b, func() int {
		_ = benchXLSX(b)
		return benchRows
	})
}
