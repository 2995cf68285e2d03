package exporter

import (
	"sync"
	"time"
)

// watch redraws the progress detail every second from detail, followed by
// what the requests wait for (the limiter's Waiting: "waiting for the limit
// — next request in 42s", "blocked until 14:05:12 (8m0s)"), so that a run
// under the limit or in a block never looks hung. stop ends it.
func (e *Exporter) watch(detail func() string) (stop func()) {
	p, paced := e.api.(paced)
	draw := func() {
		s := detail()
		if paced {
			if w := p.Limiter().Waiting(); w != "" {
				s += " · " + w
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

// perMinute is the rate over the last span, per minute; over a shorter
// time since the first event when the run is younger than the span.
func (r *recent) perMinute(now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trim(now)
	if len(r.times) < 2 {
		return float64(len(r.times))
	}
	d := max(now.Sub(r.times[0]), time.Second)
	return float64(len(r.times)) / d.Minutes()
}
