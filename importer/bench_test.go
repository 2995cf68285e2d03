package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
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
func genFile(b *testing.B, dir, name string, n int) string {
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
// reports rows/s and the ratio (the dry run should keep ≥ 0.5 of the parse).
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
		sum, err := Run(context.Background(), nil, in, WithDryRun(true), WithReport(filepath.Join(dir, "r.csv")))
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
func BenchmarkDryRunXLSX(b *testing.B) { benchDryRun(b, "in.xlsx", benchRows(b, 10_000)/1) }

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeap runs fn while sampling HeapInuse every 5 ms and returns the peak.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// BenchmarkMemoryFlat: the peak heap of a dry run does not grow with the
// row count (10k rows vs CRMBULK_BENCH_ROWS, default 100k).
func BenchmarkMemoryFlat(b *testing.B) {
	dir := b.TempDir()
	small := genFile(b, dir, "small.csv", 10_000)
	bigN := benchRows(b, 100_000)
	big := genFile(b, dir, "big.csv", bigN)
	for i := 0; i < b.N; i++ {
		run := func(in string) func() {
			return func() {
				if _, err := Run(context.Background(), nil, in, WithDryRun(true), WithReport(in+".report.csv")); err != nil {
					b.Fatal(err)
				}
			}
		}
		ps, pb := peakHeap(run(small)), peakHeap(run(big))
		b.ReportMetric(float64(ps)/(1<<20), "peakMB_10k")
		b.ReportMetric(float64(pb)/(1<<20), fmt.Sprintf("peakMB_%dk", bigN/1000))
		if float64(pb) > 2*float64(ps)+8<<20 {
			b.Errorf("peak heap grew from %d MB (10k rows) to %d MB (%d rows)", ps>>20, pb>>20, bigN)
		}
	}
}

// timedAPI records when each write was answered.
type timedAPI struct {
	API
	mu     sync.Mutex
	starts []time.Time
}

func (t *timedAPI) AddCrmClient(ctx context.Context, f baselinker.ClientFields) (int64, error) {
	id, err := t.API.AddCrmClient(ctx, f)
	t.mu.Lock()
	t.starts = append(t.starts, time.Now())
	t.mu.Unlock()
	return id, err
}

// BenchmarkRequestRate: against a sandbox with 200 ms latency, the default
// limit (100/min) and the default pool, the achieved request rate over two
// minutes is ≥ 0.98 of the limit and no 60 s window holds more than the
// limit. It takes about 2 minutes, so only with CRMBULK_LONG_BENCH=1.
func BenchmarkRequestRate(b *testing.B) {
	if os.Getenv("CRMBULK_LONG_BENCH") != "1" {
		b.Skip("set CRMBULK_LONG_BENCH=1: this measurement takes about 2 minutes")
	}
	const limit = 100
	for i := 0; i < b.N; i++ {
		srv, api := newAPI(b, sandbox.Config{Seed: 1, Latency: 200 * time.Millisecond, Limit: limit, Window: time.Minute, BlockFor: time.Minute}, limit, time.Minute)
		rows := 2*limit + 1 // three windows' worth of starts: 0 s, 60 s, 120 s
		in := genFile(b, b.TempDir(), "in.csv", rows)
		ta := &timedAPI{API: api}
		sum, err := Run(context.Background(), ta, in)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Counts[StatusCreated] != rows {
			b.Fatalf("summary %v", sum)
		}
		s := ta.starts
		span := s[len(s)-1].Sub(s[0])
		got := float64(len(s)-1) / span.Minutes()
		b.ReportMetric(got/limit, "rate_ratio")
		b.ReportMetric(span.Seconds(), "span_s")
		b.ReportMetric(float64(srv.MaxInWindow(time.Minute)), "max_in_60s")
		b.ReportMetric(float64(srv.Stats().Blocked), "blocked")
		if got/limit < 0.98 || srv.MaxInWindow(time.Minute) > limit || srv.Stats().Blocked > 0 {
			b.Errorf("rate %.1f/min (%.3f of %d), max in window %d, blocked %d", got, got/limit, limit, srv.MaxInWindow(time.Minute), srv.Stats().Blocked)
		}
	}
}
