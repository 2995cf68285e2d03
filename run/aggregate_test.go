package run

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// clock is a fake clock the tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time       { return c.t }
func (c *clock) move(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                { return &clock{t: time.Unix(1_800_000_000, 0)} }
func updatesOf(r *Recorder) int       { return len(r.Updates()) }
func lastUpdate(r *Recorder) Update   { u := r.Updates(); return u[len(u)-1] }

func rowsOf(items []Item) []int {
	var rows []int
	for _, it := range items {
		rows = append(rows, it.Row)
	}
	return rows
}

// TestAggregatorCounts: settled lines are counted by status, kept lines
// too, and each Item is sent in the order it settled.
func TestAggregatorCounts(t *testing.T) {
	tests := []struct {
		name   string
		settle []Item
		kept   []Item
		want   map[string]int
		rows   []int
	}{
		{"none", nil, nil, map[string]int{}, nil},
		{"by status", []Item{{Row: 2, Status: "created"}, {Row: 3, Status: "failed", Reason: "no"}, {Row: 4, Status: "created"}}, nil,
			map[string]int{"created": 2, "failed": 1}, []int{2, 3, 4}},
		{"kept first", []Item{{Row: 4, Status: "updated"}}, []Item{{Row: 2, Status: "created"}, {Row: 3, Status: "created"}},
			map[string]int{"created": 2, "updated": 1}, []int{2, 3, 4}},
		{"recorded", nil, nil, map[string]int{"exported": 2}, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec Recorder
			c := newClock()
			a := NewAggregator(AggregatorConfig{Command: "import", Printer: &rec, Now: c.now})
			a.Begin(Phase{Name: "import", Total: int64(len(tt.settle) + len(tt.kept)), Unit: "rows", Settles: true})
			for _, it := range tt.kept {
				a.Kept(it)
			}
			for _, it := range tt.settle {
				a.Settle(it)
			}
			done := len(tt.rows)
			for i := range tt.want["exported"] {
				a.Record(Item{Row: i + 1, Status: "exported"})
				done--
			}
			a.Finish("done")
			if got := a.Counts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("counts %v, want %v", got, tt.want)
			}
			if got := rowsOf(rec.Items()); !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("items of rows %v, want %v", got, tt.rows)
			}
			s := rec.Summaries()
			if len(s) != 1 || !reflect.DeepEqual(s[0].Counts, tt.want) || s[0].Command != "import" || s[0].Text != "done" {
				t.Errorf("summaries %+v, want one with counts %v", s, tt.want)
			}
			if u := lastUpdate(&rec); !u.Ended || u.Done != int64(done) || !reflect.DeepEqual(u.Counts, tt.want) {
				t.Errorf("last update %+v: want the phase ended with every line counted", u)
			}
		})
	}
}

// TestAggregatorThrottle: increments send an Update at most every Every;
// a phase's begin and end, and a Step, are sent at once.
func TestAggregatorThrottle(t *testing.T) {
	tests := []struct {
		name  string
		every time.Duration
		adds  int           // one unit each …
		gap   time.Duration // … this far apart
		want  int           // Updates besides the begin and the end
	}{
		{"a burst is one update", DefaultEvery, 100, time.Millisecond, 0},
		{"a few a second", DefaultEvery, 20, 100 * time.Millisecond, 6},
		{"slow units each said", DefaultEvery, 5, time.Second, 5},
		{"unthrottled", -1, 7, time.Millisecond, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec Recorder
			c := newClock()
			a := NewAggregator(AggregatorConfig{Command: "export", Printer: &rec, Now: c.now, Every: tt.every})
			a.Begin(Phase{Name: "export", Total: -1, Unit: "clients"})
			for range tt.adds {
				c.move(tt.gap)
				a.Add(1)
			}
			a.End()
			if got := updatesOf(&rec) - 2; got != tt.want {
				t.Errorf("%d updates between begin and end, want %d", got, tt.want)
			}
			if u := lastUpdate(&rec); u.Done != int64(tt.adds) || !u.Ended {
				t.Errorf("the end said %+v", u)
			}
			n := updatesOf(&rec)
			a.Step(1000) // no phase runs: not said
			a.Add(1)
			a.Begin(Phase{Name: "next", Total: 10, Unit: "rows"})
			a.Step(5)
			if got := updatesOf(&rec) - n; got != 2 || lastUpdate(&rec).Done != 5 {
				t.Errorf("a step and a begin: %d updates, last %+v; want each at once", got, lastUpdate(&rec))
			}
		})
	}
}

// TestAggregatorWaits: a wait's begin and end are sent at once by Poll,
// and while it lasts an Update goes every second (the countdown moves),
// with its words and its end; nothing changed and no wait: nothing sent.
func TestAggregatorWaits(t *testing.T) {
	c := newClock()
	var what string
	var until time.Time
	var rec Recorder
	a := NewAggregator(AggregatorConfig{Command: "undo", Printer: &rec, Now: c.now,
		Waits: []Wait{Words(func() string { return what })}})
	a.AddWait(func() (string, time.Time) {
		if until.IsZero() {
			return "", time.Time{}
		}
		return "settling 1 in-doubt row", until
	})
	a.Poll() // no phase: nothing
	a.Begin(Phase{Name: "undo", Total: 3, Unit: "lines", Settles: true})
	steps := []struct {
		name  string
		move  time.Duration
		set   func()
		sent  bool
		words string
	}{
		{"nothing changed", 10 * time.Millisecond, func() {}, false, ""},
		{"a wait begins", 10 * time.Millisecond, func() { what = "blocked until 14:05:12 (8m0s left)" }, true, "blocked until 14:05:12 (8m0s left)"},
		{"within the second", 500 * time.Millisecond, func() {}, false, ""},
		{"a second on", 500 * time.Millisecond, func() { what = "blocked until 14:05:12 (7m59s left)" }, true, "blocked until 14:05:12 (7m59s left)"},
		{"a second wait", 10 * time.Millisecond, func() { until = c.t.Add(time.Minute) }, false, ""},
		{"both, a second on", time.Second, func() {}, true, "blocked until 14:05:12 (7m59s left) · settling 1 in-doubt row"},
		{"both end", 10 * time.Millisecond, func() { what, until = "", time.Time{} }, true, ""},
		{"then quiet", 5 * time.Second, func() {}, false, ""},
	}
	for _, s := range steps {
		n := updatesOf(&rec)
		c.move(s.move)
		s.set()
		a.Poll()
		sent := updatesOf(&rec) > n
		if sent != s.sent {
			t.Errorf("%s: sent %v, want %v", s.name, sent, s.sent)
			continue
		}
		if u := lastUpdate(&rec); sent && u.Waiting != s.words {
			t.Errorf("%s: waiting %q, want %q", s.name, u.Waiting, s.words)
		}
	}
	// The second wait's end is its until (the first says none).
	for _, u := range rec.Updates() {
		if strings.Contains(u.Waiting, "in-doubt") && u.Until.IsZero() {
			t.Errorf("the in-doubt wait said no end: %+v", u)
		}
	}
}

// TestAggregatorRateAndETA: a paced phase says the units of the last
// minute (this run's: kept lines are not in it) and the ETA of the units
// left; an unpaced phase says neither.
func TestAggregatorRateAndETA(t *testing.T) {
	eta := func(left int64) (time.Duration, string) { return time.Duration(left) * 600 * time.Millisecond, "limit" }
	tests := []struct {
		name    string
		paced   bool
		kept    int
		settle  int
		gap     time.Duration
		rate    int64
		eta     time.Duration
		etaWhy  string
		elapsed time.Duration
	}{
		{"paced", true, 0, 10, time.Second, 10, 54 * time.Second, "limit", 10 * time.Second},
		{"only the last minute", true, 0, 90, time.Second, 60, 6 * time.Second, "limit", 90 * time.Second},
		{"kept lines not in the rate", true, 40, 5, time.Second, 5, 33 * time.Second, "limit", 5 * time.Second},
		{"unpaced", false, 0, 10, time.Second, 0, 0, "", 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec Recorder
			c := newClock()
			a := NewAggregator(AggregatorConfig{Command: "import", Printer: &rec, Now: c.now, Every: -1})
			a.Begin(Phase{Name: "import", Total: 100, Unit: "rows", Paced: tt.paced, Settles: true, ETA: eta})
			for i := range tt.kept {
				a.Kept(Item{Row: i + 2, Status: "created"})
			}
			for i := range tt.settle {
				c.move(tt.gap)
				a.Settle(Item{Row: tt.kept + i + 2, Status: "updated"})
			}
			u := lastUpdate(&rec)
			if u.PerMinute != tt.rate || u.ETA != tt.eta || u.ETAWhy != tt.etaWhy || u.Elapsed != tt.elapsed || u.Paced != tt.paced {
				t.Errorf("rate %d, ETA %s (%s), elapsed %s; want %d, %s (%s), %s", u.PerMinute, u.ETA, u.ETAWhy, u.Elapsed,
					tt.rate, tt.eta, tt.etaWhy, tt.elapsed)
			}
		})
	}
}

// TestAggregatorSummaryOnce: Finish ends the open phase and sends the
// Summary once, with the requests and the time since the start; a nil
// Aggregator reports nothing and does not fail.
func TestAggregatorSummaryOnce(t *testing.T) {
	var rec Recorder
	c := newClock()
	reqs := int64(0)
	a := NewAggregator(AggregatorConfig{Command: "export", Printer: &rec, Now: c.now, Requests: func() int64 { return reqs }})
	a.Begin(Phase{Name: "export", Total: -1, Unit: "clients", Walk: true})
	reqs = 3
	a.Page(100)
	c.move(2 * time.Second)
	a.Finish("100 clients")
	a.Finish("again")
	if s, ok := rec.Final(); !ok || s.Requests != 3 || s.Elapsed != 2*time.Second || s.Text != "100 clients" || len(rec.Summaries()) != 1 {
		t.Errorf("summary %+v (one, last: %v), want one, last", rec.Summaries(), ok)
	}
	if u := lastUpdate(&rec); !u.Ended || !u.Walk || u.Pages != 1 || u.Done != 100 || u.Requests != 3 {
		t.Errorf("the end %+v", u)
	}
	var none *Aggregator
	none.Begin(Phase{Name: "x"})
	none.Settle(Item{})
	none.Poll()
	none.Watch()()
	none.Finish("")
	if none.Counts() != nil {
		t.Error("a nil aggregator counted")
	}
}

// TestWatchPolls: Watch sends the waits without any increment.
func TestWatchPolls(t *testing.T) {
	var rec Recorder
	a := NewAggregator(AggregatorConfig{Command: "import", Printer: &rec, Every: 10 * time.Millisecond,
		Waits: []Wait{Words(func() string { return "waiting for the limit: next request in 42s (100/1m0s)" })}})
	a.Begin(Phase{Name: "import", Total: 1, Unit: "rows"})
	stop := a.Watch()
	deadline := time.Now().Add(5 * time.Second)
	for updatesOf(&rec) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	stop()
	if u := lastUpdate(&rec); u.Waiting == "" {
		t.Errorf("watch sent no wait: %+v", rec.Updates())
	}
}
