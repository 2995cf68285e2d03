package importer

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/progress"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestLandBy: a carried create is looked up only once the larger of its
// run's request timeout and this run's has passed since it was sent; an
// update, or a send of unknown time, is not waited for; while one waits,
// the reorder window widens so the other rows go on, and is said (keyed
// for a page).
func TestLandBy(t *testing.T) {
	now := time.Now()
	r := &run{cfg: Config{Workers: 4, RequestTimeout: 10 * time.Second}.withDefaults("in.csv"), carry: map[int]events.Pending{
		2: {Op: "create", At: now.Add(-time.Second), Timeout: time.Minute},      // its run's timeout decides
		3: {Op: "create", At: now.Add(-time.Second), Timeout: time.Second},      // this run's decides
		4: {Op: "create", At: now.Add(-time.Minute), Timeout: 30 * time.Second}, // landed or lost long ago
		5: {Op: "update", At: now},
		6: {Op: "create"},
	}}
	for _, tc := range []struct {
		row   int
		later bool
		until time.Time
	}{
		{2, true, now.Add(59 * time.Second)},
		{3, true, now.Add(9 * time.Second)},
		{4, false, now.Add(-30 * time.Second)},
		{5, false, time.Time{}},
		{6, false, time.Time{}},
		{7, false, time.Time{}},
	} {
		until, later := r.carry[tc.row].LandsBy(r.cfg.RequestTimeout)
		if later != tc.later || !until.Equal(tc.until) {
			t.Errorf("row %d: until %v later %v, want %v %v", tc.row, until, later, tc.until, tc.later)
		}
	}
	var said events.Recorder
	r.cfg.Logger = events.NewAggregator(events.AggregatorConfig{Printer: &said}).Logger(slog.New(slog.DiscardHandler))
	if w := r.reorder(); w != inDoubtWindow {
		t.Errorf("window %d while creates wait to land, want %d", w, inDoubtWindow)
	}
	// Its words name --request-timeout: a page gets its key and facts.
	if ev := said.Events(); len(ev) != 1 || ev[0].Message == nil || ev[0].Message.Key != "run.inDoubt" ||
		ev[0].Message.Vars["rows"] != "2" || ev[0].Message.Vars["until"] != now.Add(59*time.Second).UTC().Format(time.RFC3339) {
		t.Errorf("the in-doubt note: %+v", ev)
	}
	r.carry = map[int]events.Pending{4: r.carry[4]}
	if w := r.reorder(); w != reorderWindow(4) {
		t.Errorf("window %d with nothing to wait for, want %d", w, reorderWindow(4))
	}
}

// TestSettleWaitIsSaid: a resume whose report holds two creates of unknown
// outcome, sent just now, waits until --request-timeout has passed before
// it looks them up; meanwhile the log says why and until when, with a
// countdown, every second it lasts (the same wait display as the API's
// waits), and the terminal's bar says it too; the progress line's ETA is
// that wait's end, not the limit's.
func TestSettleWaitIsSaid(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(w *strings.Builder) progress.Reporter
		want []string
	}{
		{"log", func(w *strings.Builder) progress.Reporter {
			return progress.NewLog(slog.New(slog.NewTextHandler(w, nil)), time.Second, nil)
		}, []string{`msg="import: waiting: settling 2 in-doubt rows: looking them up at `, `s)" done=0 unit=rows waiting=`}},
		{"bar", func(w *strings.Builder) progress.Reporter {
			return progress.NewBar(w, 200)
		}, []string{"settling 2 in-doubt rows: looking them up at "}}, // the ETA's words: TestETAWhileCreatesLand (the bar shows them only if a line's describe meets a redraw)
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, api := newAPI(t, sandbox.Config{Seed: 41}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", csvOf("email,invoice_city", "a@example.com,Gdańsk", "b@example.com,Sopot"))
			sha, _ := FileSHA(in)
			a := events.Line{Row: 2, Status: events.StatusFailed, Code: events.CodeOutcomeUnknown, Message: "the answer never came"}
			b := events.Line{Row: 3, Status: events.StatusFailed, Code: events.CodeOutcomeUnknown, Message: "the answer never came"}
			report := writeFile(t, dir, "r.csv", strings.Join(events.Columns(), ",")+"\n"+
				strings.Join(recordCells(a, sha), ",")+"\n"+strings.Join(recordCells(b, sha), ",")+"\n")
			var out strings.Builder
			start := time.Now()
			_, err := Run(context.Background(), api, in, Config{Resume: report, RequestTimeout: 3 * time.Second,
				Events: events.Draw(tc.make(&out)), ETA: func(int) time.Duration { return 0 }})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took < 2*time.Second {
				t.Fatalf("the resume took %s: it did not wait for the creates to land", took)
			}
			got := out.String()
			if strings.Contains(got, "reading in.csv") || strings.Contains(got, "checking the report") {
				t.Errorf("a start done at once was said phase by phase:\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the %s does not say %q:\n%s", tc.name, w, got)
				}
			}
		})
	}
}

// TestETAWhileCreatesLand: while carried creates wait to land, the ETA is
// that wait's end when it is later than the limit's, and says so.
func TestETAWhileCreatesLand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		limit   time.Duration
		landIn  time.Duration
		wantWhy string
	}{
		{"landing later", time.Second, 30 * time.Second, "in-doubt rows settle"},
		{"limit later", time.Minute, 30 * time.Second, "limit"},
		{"nothing to land", time.Second, -time.Second, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &run{cfg: Config{ETA: func(int) time.Duration { return tc.limit }}}
			r.landing.begin(7, time.Now().Add(tc.landIn))
			eta, why := r.eta(10)
			if why != tc.wantWhy || eta < time.Second {
				t.Errorf("eta %s (%s), want a wait of a second or more because of %q", eta, why, tc.wantWhy)
			}
		})
	}
}
