package sheet

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// peakRSS resets the process's peak resident set size (Linux: clear_refs)
// and returns a function that reads it, in MB (VmHWM); ok is false where
// the peak cannot be reset.
func peakRSS(b *testing.B) (read func() float64, ok bool) {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return nil, false
	}
	return func() float64 {
		st, err := os.ReadFile("/proc/self/status")
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(string(st), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
				return float64(kb) / 1024
			}
		}
		b.Fatal("no VmHWM")
		return 0
	}, true
}

// BenchmarkHostileRSS: the peak resident memory of refusing each hostile
// input of issue 20, generated here (200 MB inflated, or as much as the
// bounds allow). Run it with -benchtime 1x; the goal is every hostile
// input refused under 150 MB.
func BenchmarkHostileRSS(b *testing.B) {
	dir := b.TempDir()
	inputs := map[string]string{}
	for name, parts := range hostileXLSX(200 << 20) {
		switch name {
		case "a huge shared-strings table": // as many strings as 200 MB holds: the bound + 1 does
			parts = hostileXLSX(17 * (MaxSharedStrings + 1))[name]
		case "a styles part of tiny elements":
			continue // within the bounds: BenchmarkLargeInputRSS
		}
		inputs[name] = writeXLSX(b, dir, strings.ReplaceAll(name, " ", "_")+".xlsx", parts)
	}
	rssOf(b, inputs)
}

// BenchmarkLargeInputRSS: the peak resident memory of reading inputs as
// large as the bounds let through: shared strings held in memory and
// spilled, styles of the most elements, 100,000 rows of XLSX, 50,000
// contractors of EDI++.
func BenchmarkLargeInputRSS(b *testing.B) {
	dir := b.TempDir()
	inputs := map[string]string{
		"shared strings below the spill size": writeXLSX(b, dir, "sst-mem.xlsx", hostileXLSX(DefaultMaxXMLInMemory - 4096)["a huge shared-strings table"]),
		"shared strings at the bound":         writeXLSX(b, dir, "sst-max.xlsx", hostileXLSX(17 * MaxSharedStrings)["a huge shared-strings table"]),
		"styles at the bound":                 writeXLSX(b, dir, "styles.xlsx", hostileXLSX(0)["a styles part of tiny elements"]),
		"100,000 rows (XLSX)":                 filepath.Join(dir, "honest.xlsx"),
		"50,000 contractors (EDI++)":          filepath.Join(dir, "k.epp"),
	}
	f, err := os.Create(inputs["50,000 contractors (EDI++)"])
	if err != nil {
		b.Fatal(err)
	}
	if err := eppContractors(f, 50_000); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	if err := os.WriteFile(inputs["100,000 rows (XLSX)"], benchXLSX(b), 0o600); err != nil {
		b.Fatal(err)
	}
	rssOf(b, inputs)
}

// rssOf opens and reads each input, reporting its peak RSS and whether it
// was refused.
func rssOf(b *testing.B, inputs map[string]string) {
	for name, path := range inputs {
		b.Run(name, func(b *testing.B) {
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				read, ok := peakRSS(b)
				err := openAndCount(path)
				refused := 0.0
				if err != nil {
					refused = 1
				}
				b.ReportMetric(refused, "refused")
				if ok {
					b.ReportMetric(read(), "peak-RSS-MB")
				}
			}
			b.ReportMetric(float64(fi.Size())/(1<<10), "file-KB")
		})
	}
}
