package exporter

import (
	"sync"
	"time"
)

// watch redraws the progress detail every second from detail, followed by
// what the requests wait for (the API's Waiting: "waiting for the limit:
// next request in 42s (100/1m0s)", "blocked until 14:05:12 (8m0s left)",
// a retry, a slow answer) unless the reporter says it itself, so that a
// run under the limit or in a block never looks hung. stop ends it.
func (e *Exporter) watch(detail func() string) (stop func()) {
	waiting := e.caps.Waiting
	waits := waiting != nil
	if sw, ok := e.progress.(interface{ SaysWaiting() bool }); ok && sw.SaysWaiting() {
		waits = false // the reporter says it, with its countdown
	}
	draw := func() {
		s := detail()
		if waits {
			if why := waiting(); why != "" {
				s += " · " + why
			}
		}
		e.progress.Describe(s)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			draw()
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// recent counts events and their rate over the last span (not a burst).
type recent struct {
	mu    sync.Mutex
	span  time.Duration
	times []time.Time
	n     int
}

func newRecent(span time.Duration) *recent { return &recent{span: span} }

func (r *recent) add(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.times = append(r.times, t)
	r.trim(t)
}

func (r *recent) trim(now time.Time) {
	i := 0
	for i < len(r.times) && now.Sub(r.times[i]) > r.span {
		i++
	}
	r.times = r.times[i:]
}

// total is the number of events so far.
func (r *recent) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// perMinute is the rate over the last span, per minute: the events of the
// span, never a burst stretched to a minute (the first window's burst
// would show a rate far above the limit the run goes at).
func (r *recent) perMinute(now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trim(now)
	return float64(len(r.times)) / r.span.Minutes()
}
