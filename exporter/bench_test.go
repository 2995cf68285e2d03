package exporter

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// heapPeak samples HeapInuse every few milliseconds until stop is called
// and returns the peak above the level at the start.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
				peak.Store(m.HeapInuse - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// TestSandboxProcess is not a test: run by BenchmarkExportMemory as a child
// process, it serves a sandbox so that the sandbox's memory stays out of the
// measurement, prints its URL and serves until its standard input closes.
func TestSandboxProcess(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("CRMBULK_SANDBOX_CLIENTS"))
	if err != nil {
		t.Skip("helper process for BenchmarkExportMemory")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	err = sandbox.Serve(ctx, sandbox.Config{Token: sandboxtest.DefaultToken, Clients: n, Seed: 1}, "127.0.0.1:0",
		func(url string) { _, _ = os.Stdout.WriteString("URL " + url + "\n") })
	if err != nil {
		t.Fatal(err)
	}
}

// childSandbox starts TestSandboxProcess with n clients and returns its URL.
func childSandbox(b *testing.B, n int) string {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestSandboxProcess$")
	cmd.Env = append(os.Environ(), "CRMBULK_SANDBOX_CLIENTS="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return url
		}
	}
	b.Fatal("the sandbox process did not start")
	return ""
}

// BenchmarkExportMemory exports 10k and 100k clients from an unlimited
// sandbox (in a child process, so its store is not counted) and reports the
// peak heap in use above the level before the run: it must stay flat.
func BenchmarkExportMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, format := range []string{"csv", "xlsx"} {
			b.Run(format+"/"+strconv.Itoa(n), func(b *testing.B) {
				api := newAPI(b, childSandbox(b, n), 0, 0, "")
				dir := b.TempDir()
				for i := 0; b.Loop(); i++ {
					stop := heapPeak()
					sum, err := exportTo(b, api, OutputOptions{Path: dir + "/m" + strconv.Itoa(i) + "." + format}, capsConfig(api, Config{}))
					peak := stop()
					if err != nil || sum.Clients != n {
						b.Fatalf("%v, %d clients", err, sum.Clients)
					}
					b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
					if peak > 100<<20 {
						b.Errorf("peak heap %d MB above the start, want < 100 MB", peak>>20)
					}
				}
			})
		}
	}
}

// memAPI serves prebuilt pages from memory: the local cost of the exporter
// without HTTP.
type memAPI struct{ pages [][]baselinker.Client }

func (m *memAPI) GetCrmClients(_ context.Context, page int, _ baselinker.Filters) ([]baselinker.Client, error) {
	if page-1 < len(m.pages) {
		return m.pages[page-1], nil
	}
	return nil, nil
}
func (m *memAPI) GetCrmClientData(context.Context, int64, bool) (baselinker.Client, error) {
	return baselinker.Client{}, nil
}
func (m *memAPI) GetCrmClientStatuses(context.Context) ([]baselinker.Status, error) { return nil, nil }
func (m *memAPI) GetCrmClientsWithExtraFields(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error) {
	return m.GetCrmClients(ctx, page, f)
}
func (m *memAPI) GetCrmClientExtraFields(context.Context) ([]baselinker.ExtraFieldDef, error) {
	return nil, nil
}

// BenchmarkPageCost compares the exporter's local cost per page (100
// clients) with a bare encoding/csv or excelize StreamWriter write of the
// same rows, and reports the ratio.
func BenchmarkPageCost(b *testing.B) {
	s, err := sandbox.New(sandbox.Config{Token: "t", Clients: 5000, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	all := s.Clients()
	_ = s.Close()
	var pages [][]baselinker.Client
	for i := 0; i < len(all); i += baselinker.PageSize {
		pages = append(pages, all[i:min(i+baselinker.PageSize, len(all))])
	}
	pages = append(pages, nil) // the short last page
	api := &memAPI{pages: pages}
	cols := expand(mustCols(b, nil, false, false), nil, nil)
	h := header(cols)
	npages := float64(len(all) / baselinker.PageSize)

	bare := map[string]func(w io.Writer) error{
		"csv": func(w io.Writer) error {
			cw := csv.NewWriter(w)
			_ = cw.Write(h)
			var buf []string
			for i := range all {
				buf = row(buf, cols, &all[i], nil)
				_ = cw.Write(buf)
			}
			cw.Flush()
			return cw.Error()
		},
		"xlsx": func(w io.Writer) error {
			f := excelize.NewFile()
			defer f.Close()
			sw, err := f.NewStreamWriter("Sheet1")
			if err != nil {
				return err
			}
			vals := make([]any, len(h))
			for r := 0; r <= len(all); r++ {
				cells := h
				if r > 0 {
					cells = row(nil, cols, &all[r-1], nil)
				}
				for i, c := range cells {
					vals[i] = c
				}
				cell, _ := excelize.CoordinatesToCellName(1, r+1)
				if err := sw.SetRow(cell, vals); err != nil {
					return err
				}
			}
			if err := sw.Flush(); err != nil {
				return err
			}
			_, err = f.WriteTo(w)
			return err
		},
	}
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			var tBare, tExp time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := bare[format](io.Discard); err != nil {
					b.Fatal(err)
				}
				tBare += time.Since(t0)
				t0 = time.Now()
				e, err := New(api, Config{NoRecheck: true})
				if err != nil {
					b.Fatal(err)
				}
				_, err = e.Run(context.Background(), func(hd []string) (sheet.Writer, error) {
					if format == "xlsx" {
						return sheet.NewXLSXWriter(io.Discard, XLSXOptions(hd))
					}
					return sheet.NewCSVWriter(io.Discard, sheet.CSVWriterOptions{GuardFormulas: true}), nil
				})
				if err != nil {
					b.Fatal(err)
				}
				tExp += time.Since(t0)
			}
			n := float64(b.N)
			b.ReportMetric(float64(tExp.Microseconds())/n/npages, "µs/page")
			b.ReportMetric(float64(tBare.Microseconds())/n/npages, "bare-µs/page")
			b.ReportMetric(float64(tExp)/float64(tBare), "ratio")
		})
	}
}

// stamping records when each request leaves for the server.
type stamping struct {
	mu    sync.Mutex
	times []time.Time
}

func (s *stamping) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkAchievedRate runs an export with details for more than two
// minutes against a sandbox with latency and the real 100/min limit, and
// reports the mean fill of the sliding windows inside the run (achieved
// rate / --rate) and how many windows went over the limit. Only with
// CRMBULK_LONG_BENCH=1.
func BenchmarkAchievedRate(b *testing.B) {
	if os.Getenv("CRMBULK_LONG_BENCH") != "1" {
		b.Skip("set CRMBULK_LONG_BENCH=1 to run (takes about 3 minutes)")
	}
	const limit, window = 100, time.Minute
	for b.Loop() {
		s, url := sandboxtest.New(b, sandbox.Config{Clients: 320, Seed: 8, Limit: limit, Window: window,
			Latency: 150 * time.Millisecond, Jitter: 100 * time.Millisecond})
		st := &stamping{}
		api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken),
			baselinker.WithLimiter(pacer.New(limit)), baselinker.WithHTTPClient(&http.Client{Transport: st}))
		if err != nil {
			b.Fatal(err)
		}
		sum, err := exportTo(b, api, OutputOptions{Path: b.TempDir() + "/rate.xlsx"}, capsConfig(api, Config{Notes: true, ExtraFields: true}))
		if err != nil {
			b.Fatal(err)
		}
		times := st.times
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		// Fill of every window [t, t+60s) that lies inside the run, t in 1 s steps.
		var fill float64
		var windows int
		for t := times[0]; !t.Add(window).After(times[len(times)-1]); t = t.Add(time.Second) {
			n := sort.Search(len(times), func(i int) bool { return !times[i].Before(t.Add(window)) }) -
				sort.Search(len(times), func(i int) bool { return !times[i].Before(t) })
			fill += float64(n) / limit
			windows++
		}
		over := s.MaxInWindow(window) - limit
		b.ReportMetric(fill/float64(max(windows, 1)), "rate/limit")
		b.ReportMetric(float64(max(over, 0)), "excess-in-worst-window")
		b.ReportMetric(float64(s.Stats().Blocked), "blocked")
		b.ReportMetric(sum.Duration.Seconds(), "s")
		if over > 0 || s.Stats().Blocked > 0 {
			b.Errorf("%d requests over the limit in one window, %d blocked answers", over, s.Stats().Blocked)
		}
	}
}
