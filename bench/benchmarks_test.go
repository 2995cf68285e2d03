package bench

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
)

// The scenarios as standard benchmarks: `go test -bench . ./bench/`. With
// -benchtime 1x each finishes in seconds; CRMBULK_LONG_BENCH=1 runs the real
// 60 s window (about 3.5 minutes) and CRMBULK_BENCH_ROWS sets the file size.

func longBench() bool { return os.Getenv("CRMBULK_LONG_BENCH") == "1" }

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

// BenchmarkRate reports the mean window fill (achieved/allowed) of each kind
// and latency, and the importer's and exporter's pace: a 2 s window (latencies scaled by 1/30, the margin held at
// 100 ms, so fill tops out near 0.95), about 7 s, unless
// CRMBULK_LONG_BENCH=1 (60 s, about 3.5 minutes: the figures to quote).
func BenchmarkRate(b *testing.B) {
	rc := defaultRateConfig(false)
	if !longBench() {
		const scale = 30
		rc.window /= scale
		rc.gap /= scale
		// The margin is not scaled: it covers scheduling jitter between the
		// limiter's grant and the sandbox's arrival stamp, which does not
		// shrink with the window. On a loaded 2-core machine 250/30 ms
		// was not enough (CI saw 4 arrivals over the limit).
		rc.margin = max(rc.margin/scale, 100*time.Millisecond)
		rc.baseline /= scale
		rc.block /= scale
		rc.step /= scale
		for i := range rc.latencies {
			rc.latencies[i] /= scale
		}
	}
	for b.Loop() {
		// All nine runs at once, as in crmbulk bench: one benchmark of
		// about 3.2 windows, a metric per kind and latency.
		files := &fileCache{dir: b.TempDir(), files: map[string]string{}}
		jobs := rateJobs(context.Background(), rc, files)
		for _, j := range jobs {
			if j.err != nil {
				b.Fatalf("%s %s: %v", j.kind, j.latency, j.err)
			}
			name := j.kind + "@" + j.latency.Round(100*time.Microsecond).String()
			b.ReportMetric(j.fill, "fill:"+name)
			if j.kind != kindBaseline {
				b.ReportMetric(j.pace, "pace:"+name)
			}
			if j.over > 0 || j.blocked > 0 {
				b.Errorf("%s: %d requests over the limit, %d blocked", name, j.over, j.blocked)
			}
		}
	}
}

// BenchmarkPerRow reports addCrmClient requests per changed and per
// unchanged row of an import with match-by email.
func BenchmarkPerRow(b *testing.B) {
	rows := benchRows(b, 2000)
	for b.Loop() {
		res, err := perRow(context.Background(), &fileCache{dir: b.TempDir(), files: map[string]string{}}, min(rows, maxPerRowRows))
		if err != nil {
			b.Fatal(err)
		}
		unchanged, updated := res[1], res[2]
		b.ReportMetric(float64(updated.writes)/float64(updated.rows), "writes/changed-row")
		b.ReportMetric(float64(unchanged.writes)/float64(unchanged.rows), "writes/unchanged-row")
		b.ReportMetric(float64(updated.walk), "walk-pages")
	}
}

// BenchmarkThroughput reports dry-run rows/s and its ratio to a bare parse.
func BenchmarkThroughput(b *testing.B) {
	rows := benchRows(b, 50_000)
	for _, tc := range []struct {
		format string
		rows   int
	}{{"csv", rows}, {"xlsx", xlsxRows(rows)}} {
		b.Run(tc.format, func(b *testing.B) {
			files := &fileCache{dir: b.TempDir(), files: map[string]string{}}
			for b.Loop() {
				res, err := throughput(context.Background(), files, tc.format, tc.rows)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(rate(res.rows, res.dry), "dryrun-rows/s")
				b.ReportMetric(rate(res.rows, res.bare), "bare-rows/s")
				b.ReportMetric(res.bare.Seconds()/res.dry.Seconds(), "ratio-vs-bare")
				b.ReportMetric(res.sheet.Seconds()/res.dry.Seconds(), "ratio-vs-sheet")
				if res.dryCPU > 0 && res.bareCPU > 0 {
					b.ReportMetric(float64(res.dryCPU.Nanoseconds())/float64(res.rows), "dryrun-cpu-ns/row")
					b.ReportMetric(float64(res.bareCPU.Nanoseconds())/float64(res.rows), "bare-cpu-ns/row")
				}
			}
		})
	}
}

// BenchmarkMemory reports the peak heap of dry runs and exports at two
// sizes (the export's sandbox in a child process).
func BenchmarkMemory(b *testing.B) {
	rows := benchRows(b, 50_000)
	for b.Loop() {
		r := &Report{}
		c := &Config{Rows: rows, Launcher: childLauncher(), Logger: slog.New(slog.DiscardHandler)}
		if err := runMemory(context.Background(), c, r, &fileCache{dir: b.TempDir(), files: map[string]string{}}); err != nil {
			b.Fatal(err)
		}
		for _, l := range r.Lines {
			if l.Verdict == "MISSED" {
				b.Errorf("%s: %s: %s", l.Scenario, l.Measure, l.Value)
			}
			b.Log(l.Scenario, ": ", l.Measure, ": ", l.Value)
		}
	}
}

// TestSandboxProcess is not a test: BenchmarkMemory runs it in a child
// process to serve a sandbox until its standard input closes.
func TestSandboxProcess(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("CRMBULK_BENCH_SANDBOX_CLIENTS"))
	if err != nil {
		t.Skip("helper process for BenchmarkMemory")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	err = sandbox.Serve(ctx, sandbox.Config{Token: sandboxToken, Clients: n, Seed: 1}, "127.0.0.1:0",
		func(url string) { _, _ = os.Stdout.WriteString("URL " + url + "\n") })
	if err != nil {
		t.Fatal(err)
	}
}

// childLauncher starts TestSandboxProcess in a child process.
func childLauncher() Launcher {
	return func(ctx context.Context, clients int) (string, string, func() error, error) {
		exe, err := os.Executable()
		if err != nil {
			return "", "", nil, err
		}
		cmd := exec.Command(exe, "-test.run=^TestSandboxProcess$")
		cmd.Env = append(os.Environ(), "CRMBULK_BENCH_SANDBOX_CLIENTS="+strconv.Itoa(clients))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return "", "", nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return "", "", nil, err
		}
		if err := cmd.Start(); err != nil {
			return "", "", nil, err
		}
		stop := func() error { _ = stdin.Close(); return cmd.Wait() }
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
				go func() { _, _ = io.Copy(io.Discard, stdout) }()
				return url, sandboxToken, stop, nil
			}
		}
		_ = stop()
		return "", "", nil, errors.New("the sandbox process did not start")
	}
}
