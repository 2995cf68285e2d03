package sandbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

func pageRequest(page int, filter string) *http.Request {
	params := fmt.Sprintf(`{"page":%d%s}`, page, filter)
	form := url.Values{"method": {"getCrmClients"}, "parameters": {params}}
	req := httptest.NewRequest(http.MethodPost, "/connector.php", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-BLToken", token)
	return req
}

// discard is a ResponseWriter that keeps nothing, so the benchmark measures
// the sandbox, not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// TestExportMemory walks every page of 100k clients and checks that the
// sandbox's heap does not grow with the walk (pages are encoded without
// copying the store).
func TestExportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 100k clients")
	}
	s, err := sandbox.New(sandbox.Config{Token: token, Seed: 1, Clients: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := uint64(0)
	for page := 1; page <= 1001; page++ {
		s.ServeHTTP(&discard{h: http.Header{}}, pageRequest(page, ""))
		if page%100 == 0 {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
	}
	runtime.ReadMemStats(&after)
	perPage := (after.TotalAlloc - before.TotalAlloc) / 1001
	t.Logf("heap in use before %d MB, peak during the walk %d MB; %d KB allocated per page",
		before.HeapInuse>>20, peak>>20, perPage>>10)
	if peak > before.HeapInuse+64<<20 {
		t.Errorf("the heap grew from %d MB to %d MB during an export", before.HeapInuse>>20, peak>>20)
	}
	if perPage > 2<<20 {
		t.Errorf("%d KB allocated per page of 100 clients", perPage>>10)
	}
}

func BenchmarkGetCrmClientsPage(b *testing.B) {
	s, err := sandbox.New(sandbox.Config{Token: token, Seed: 1, Clients: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	page := 0
	for b.Loop() {
		page = page%1000 + 1
		s.ServeHTTP(&discard{h: http.Header{}}, pageRequest(page, ""))
	}
}

func BenchmarkGetCrmClientsFilteredPage(b *testing.B) {
	s, err := sandbox.New(sandbox.Config{Token: token, Seed: 1, Clients: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.ServeHTTP(&discard{h: http.Header{}}, pageRequest(5, `,"filter_invoice_fullname":"łęck"`))
	}
}
