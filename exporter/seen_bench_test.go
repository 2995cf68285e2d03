package exporter

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// BenchmarkSeenIDs measures the live heap the export's set of seen client
// IDs holds at 100k and 1M clients, the roaring bitmap the walk uses
// beside the map it replaced, in one run (bytes/client).
func BenchmarkSeenIDs(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("roaring/%d", n), func(b *testing.B) {
			for b.Loop() {
				heap := liveHeap(func() any {
					s := roaring64.New()
					for id := range n {
						s.CheckedAdd(uint64(1000 + id*3)) // IDs with gaps (deleted clients)
					}
					return s
				})
				b.ReportMetric(float64(heap)/float64(n), "bytes/client")
			}
		})
		b.Run(fmt.Sprintf("map/%d", n), func(b *testing.B) {
			for b.Loop() {
				heap := liveHeap(func() any {
					s := map[int64]struct{}{}
					for id := range n {
						s[int64(1000+id*3)] = struct{}{}
					}
					return s
				})
				b.ReportMetric(float64(heap)/float64(n), "bytes/client")
			}
		})
	}
}

// TestSeenIDsCompact holds the bound the benchmark shows: a million IDs
// in well under 20 MB.
func TestSeenIDsCompact(t *testing.T) {
	heap := liveHeap(func() any {
		s := roaring64.New()
		for id := range 1_000_000 {
			s.CheckedAdd(uint64(1000 + id*3))
		}
		return s
	})
	if heap > 20<<20 {
		t.Errorf("a million seen IDs hold %d MB", heap>>20)
	}
}

// liveHeap returns the heap still in use by what build returns.
func liveHeap(build func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return max(after.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
}
