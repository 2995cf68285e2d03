package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/sandbox"
)

// memLimit is the most any measured run may use, in bytes.
const memLimit = 100 << 20

// memResult is the memory one run used.
type memResult struct {
	base     uint64 // HeapInuse after a GC before the run
	peak     uint64 // highest HeapInuse sampled during the run
	rssKB    int64  // VmHWM after the run, reset before it
	rssKnown bool
}

// measureMem runs fn while sampling HeapInuse every 10 ms; on Linux it also
// resets the peak RSS (writing 5 to /proc/self/clear_refs) before and reads
// VmHWM after.
func measureMem(fn func() error) (memResult, error) {
	var res memResult
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.base, res.peak = ms.HeapInuse, ms.HeapInuse
	rssReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil

	// Only the sampler touches res.peak until wg.Wait.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			res.peak = max(res.peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	err := fn()
	close(done)
	wg.Wait()
	if rssReset {
		if f, ferr := os.Open("/proc/self/status"); ferr == nil {
			res.rssKB, res.rssKnown = parseStatusKB(f, "VmHWM")
			_ = f.Close()
		}
	}
	return res, err
}

func mb(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// flat is the memory target: the large run stays under memLimit and within
// twice the small run plus 16 MB of slack for the GC's pacing.
func flat(small, big memResult) bool {
	return big.peak < memLimit && big.peak <= 2*small.peak+16<<20
}

func runMemory(ctx context.Context, c *Config, r *Report, files *fileCache) error {
	small, big := max(c.Rows/100, 100), c.Rows
	c.Logger.Info("bench: memory, dry run", "rows", []int{small, big})
	in := map[int]string{}
	for _, n := range []int{small, big} {
		var err error
		if in[n], err = files.input("csv", n, "Gdańsk"); err != nil {
			return err
		}
	}
	memLines(r, fmt.Sprintf("memory dry-run import %d → %d rows", small, big), "", small, big, func(n int) (memResult, error) {
		return measureMem(func() error {
			_, err := importer.Run(ctx, nil, in[n], importer.Config{DryRun: true, Report: filepath.Join(files.dir, fmt.Sprintf("mem-%d.report.csv", n))})
			return err
		})
	})

	small, big = exportSizes(c.Rows)
	where := "sandbox in another process"
	if c.Launcher == nil {
		where = "sandbox IN-PROCESS: its store counts"
	}
	c.Logger.Info("bench: memory, export", "clients", []int{small, big}, "sandbox", where)
	memLines(r, fmt.Sprintf("memory export %d → %d clients", small, big), "; "+where, small, big, func(n int) (memResult, error) {
		return exportMem(ctx, c, files.dir, n)
	})
	return nil
}

// exportSizes are the two export sizes for --rows: --rows/100 and --rows/10
// clients, but the small one at least 10k (or a fifth of --rows) and the big
// one at least four times it. excelize's stream writer holds up to 16 MiB of
// sheet XML before it spills to a temporary file — about 10k clients — so a
// smaller export would measure that buffer filling, not the clients.
func exportSizes(rows int) (small, big int) {
	small = max(rows/100, min(rows/5, 10_000), 100)
	return small, max(rows/10, 4*small)
}

// memLines measures run at the small and the big size and adds their
// lines, or a failed line at the first error.
func memLines(r *Report, name, note string, smallN, bigN int, run func(n int) (memResult, error)) {
	var res [2]memResult
	for i, n := range []int{smallN, bigN} {
		var err error
		if res[i], err = run(n); err != nil {
			r.failed(name, err)
			return
		}
	}
	small, big := res[0], res[1]
	r.add(name, "peak heap in use (HeapInuse sampled every 10 ms)",
		fmt.Sprintf("%s → %s (before the runs %s → %s)%s", mb(small.peak), mb(big.peak), mb(small.base), mb(big.base), note),
		"flat, < 100 MB", flat(small, big))
	if small.rssKnown && big.rssKnown {
		r.info(name, "peak RSS of the process (VmHWM, reset before each run)",
			fmt.Sprintf("%s → %s", mb(uint64(small.rssKB)<<10), mb(uint64(big.rssKB)<<10)))
	} else {
		r.info(name, "peak RSS of the process", "n/a: cannot reset VmHWM here (Linux /proc/self/clear_refs); heap only")
	}
}

// exportMem exports n clients from an unlimited sandbox to an XLSX file and
// measures the memory of the export alone (the sandbox is started first).
func exportMem(ctx context.Context, c *Config, dir string, n int) (memResult, error) {
	api, stop, err := memSandbox(ctx, c.Launcher, n)
	if err != nil {
		return memResult{}, err
	}
	defer stop()
	out := filepath.Join(dir, fmt.Sprintf("export-%d.xlsx", n))
	var sum exporter.Summary
	m, err := measureMem(func() error {
		o, err := exporter.OpenOutput(exporter.OutputOptions{Path: out, Force: true})
		if err != nil {
			return err
		}
		if sum, err = export(ctx, api, exporter.Config{}, o.Opener()); err != nil {
			_ = o.Abort()
			return err
		}
		return o.Commit()
	})
	if err != nil {
		return m, fmt.Errorf("export of %d clients: %w", n, err)
	}
	if sum.Clients != n {
		return m, fmt.Errorf("export wrote %d of %d clients", sum.Clients, n)
	}
	_ = os.Remove(out)
	return m, nil
}

// memSandbox starts an unlimited sandbox with n clients through l, or
// in-process without one, and returns an unpaced client of it.
func memSandbox(ctx context.Context, l Launcher, n int) (api *baselinker.API, stop func(), err error) {
	if l == nil {
		_, api, stop, err = inProcess(sandbox.Config{Clients: n, Seed: 1}, unlimited(), nil)
		return api, stop, err
	}
	url, token, stopL, err := l(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	if api, err = baselinker.New(url, baselinker.Token(token), baselinker.WithLimiter(unlimited())); err != nil {
		_ = stopL()
		return nil, nil, err
	}
	return api, func() { _ = stopL() }, nil
}
