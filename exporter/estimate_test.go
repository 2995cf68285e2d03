package exporter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestCount: Count finds as many clients as the export of the same filter
// writes, reading pages only.
func TestCount(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 230, Seed: 4})
	for _, f := range []baselinker.Filters{{}, {StatusID: 2}} {
		api := newAPI(t, url, 0, 0, "")
		e, err := New(api, capsConfig(api, Config{Filters: f, NoRecheck: true, Notes: true}))
		if err != nil {
			t.Fatal(err)
		}
		before := s.Stats().Requests
		n, err := e.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, c := range s.Clients() {
			if f.StatusID == 0 || int64(c.StatusID) == f.StatusID {
				want++
			}
		}
		if n != want || want == 0 {
			t.Errorf("filter %+v: counted %d, want %d", f, n, want)
		}
		// The pages, and those the walk asked ahead of the last (DefaultAhead).
		if got, pages := s.Stats().Requests-before, want/baselinker.PageSize+1; got < pages || got > pages+DefaultAhead {
			t.Errorf("filter %+v: %d requests to count, want %d pages (+ up to %d read ahead), no details", f, got, pages, DefaultAhead)
		}
	}
}

// TestDetailsText: the words before the details, from the limiter's ETA.
func TestDetailsText(t *testing.T) {
	l := pacer.New(60, pacer.WithWindow(time.Minute))
	got := DetailsText(l, 600)
	if !strings.Contains(got, "600 clients") || !strings.Contains(got, "60 requests per 1m0s") || DetailsETA(l, 600) < 9*time.Minute || DetailsETA(l, 600) > 11*time.Minute {
		t.Errorf("%q, ETA %s; want about 10 minutes for 600 clients at 60 a minute", got, DetailsETA(l, 600))
	}
}
