package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sheet"
)

// benchRows is the row count of the generated files: CRMBULK_BENCH_ROWS,
// else def. (CI runs benchmarks with -benchtime 1x: keep the default small.)
func benchRows(b *testing.B, def int) int {
	if s := os.Getenv("CRMBULK_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CRMBULK_BENCH_ROWS=%q: want a positive row count", s)
		}
		return n
	}
	return def
}

var benchHeader = []string{"email", "invoice_fullname", "invoice_company", "invoice_address", "invoice_postcode",
	"invoice_city", "invoice_country_code", "phone", "star"}

func benchRecord(i int) []string {
	return []string{fmt.Sprintf("client%d@example.com", i), fmt.Sprintf("Jan Kowalski %d", i), "Kowalski Sp. z o.o.",
		fmt.Sprintf("ul. Długa %d", i%300), "00-950", "Gdańsk", "PL", fmt.Sprintf("+48 600 %06d", i%1000000), strconv.Itoa(i % 6)}
}

// genFile writes n rows to dir/name (CSV or XLSX by extension).
func genFile(b testing.TB, dir, name string, n int) string {
	b.Helper()
	p := filepath.Join(dir, name)
	w, err := sheet.Create(p, sheet.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Write(benchHeader); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := w.Write(benchRecord(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

func sheetParse(b *testing.B, path string) int {
	r, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n, err := sheet.Count(r)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func csvParse(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	n := -1
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// benchDryRun measures a dry run against bare parses of the same file and
// reports rows/s, the ratios and the CPU time per row: the importer's own
// micro-benchmark for profiling. The scenarios of record (rate, memory,
// throughput at 1M rows) are in bench/ and `go run ./bench/cmd/crmbulk-bench`.
func benchDryRun(b *testing.B, name string, rows int) {
	dir := b.TempDir()
	in := genFile(b, dir, name, rows)
	var dry, bare, plain, dryCPU, bareCPU time.Duration
	for i := 0; i < b.N; i++ {
		c0 := cpuTime(b)
		t0 := time.Now()
		if n := sheetParse(b, in); n != rows {
			b.Fatalf("parsed %d rows, want %d", n, rows)
		}
		bare += time.Since(t0)
		bareCPU += cpuTime(b) - c0
		if filepath.Ext(name) == ".csv" {
			t0 = time.Now()
			csvParse(b, in)
			plain += time.Since(t0)
		}
		t0, c0 = time.Now(), cpuTime(b)
		sum, err := Run(context.Background(), nil, in, Config{DryRun: true, Report: filepath.Join(dir, "r.csv")})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rows != rows {
			b.Fatalf("dry run reported %d rows, want %d", sum.Rows, rows)
		}
		dry += time.Since(t0)
		dryCPU += cpuTime(b) - c0
	}
	per := func(d time.Duration) float64 { return float64(rows*b.N) / d.Seconds() }
	b.ReportMetric(per(dry), "dryrun_rows/s")
	b.ReportMetric(per(bare), "sheet_rows/s")
	b.ReportMetric(bare.Seconds()/dry.Seconds(), "ratio_vs_sheet")
	// CPU time (all threads, GC included) per row: on a busy machine the
	// wall-clock ratios move with the neighbours' load, these do not.
	b.ReportMetric(float64(dryCPU.Nanoseconds())/float64(rows*b.N), "dryrun_cpu_ns/row")
	b.ReportMetric(float64(bareCPU.Nanoseconds())/float64(rows*b.N), "sheet_cpu_ns/row")
	if plain > 0 {
		b.ReportMetric(per(plain), "encodingcsv_rows/s")
		b.ReportMetric(plain.Seconds()/dry.Seconds(), "ratio_vs_encodingcsv")
	}
}

func BenchmarkDryRunCSV(b *testing.B)  { benchDryRun(b, "in.csv", benchRows(b, 50_000)) }
func BenchmarkDryRunXLSX(b *testing.B) { benchDryRun(b, "in.xlsx", benchRows(b, 10_000)) }

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime(b testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
