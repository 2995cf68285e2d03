package proof

// What the machine did, for the proofs whose verdict a loaded machine
// could otherwise sway: when each request reached the sandbox, and when
// the limiter started it (the shared window file of the binary's runs),
// so that a check bound to time allows what the machine really delayed,
// and no more.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/bench"
	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// notCounted marks a request the arrival log leaves out: the test's own
// (intrude's), not crmbulk's.
const notCounted = "X-Proof-Not-Counted"

// arrivalLog notes when each request but the test's own (notCounted)
// reaches the sandbox.
type arrivalLog struct {
	h  http.Handler
	mu sync.Mutex
	at []time.Time
}

func (l *arrivalLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(notCounted) == "" {
		now := time.Now()
		l.mu.Lock()
		l.at = append(l.at, now)
		l.mu.Unlock()
	}
	l.h.ServeHTTP(w, r)
}

// arrivals returns the arrival times so far, in order.
func (l *arrivalLog) arrivals() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := slices.Clone(l.at)
	slices.SortFunc(at, time.Time.Compare)
	return at
}

// loggedSandbox is sandboxtest.New with every arrival noted.
func loggedSandbox(t *testing.T, cfg sandbox.Config) (*sandbox.Server, string, *arrivalLog) {
	t.Helper()
	log := &arrivalLog{}
	srv, url := sandboxtest.NewWrapped(t, cfg, func(h http.Handler) http.Handler { log.h = h; return log })
	return srv, url, log
}

// watchWindow reads the shared window file at path every 50 ms until
// stopped, and returns every start (Unix ms) it held, sorted: a start
// stays in the file for the window and the margin (5.25 s here), so none
// is missed unless the test itself is held that long — and then the
// starts and the arrivals differ in number, which spreadOf says. It takes
// the file's lock, as a run would, so that it never reads a half-written
// file.
func watchWindow(path string) (stop func() []int64) {
	seen := map[int64]int{} // a start → how many at once (two runs may start in one ms)
	done, finished := make(chan struct{}), make(chan struct{})
	read := func() {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		unlock, err := flock.Lock(f, false)
		if err != nil {
			return // a run holds it: the next tick
		}
		defer func() { _ = unlock() }()
		var st struct{ Starts []int64 }
		b, err := io.ReadAll(f)
		if err != nil || json.Unmarshal(b, &st) != nil {
			return
		}
		now := map[int64]int{}
		for _, ms := range st.Starts {
			now[ms]++
		}
		for ms, n := range now {
			seen[ms] = max(seen[ms], n)
		}
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-done:
				read()
				return
			case <-tick.C:
			}
		}
	}()
	return func() []int64 {
		close(done)
		<-finished
		var starts []int64
		for ms, n := range seen {
			for range n {
				starts = append(starts, ms)
			}
		}
		slices.Sort(starts)
		return starts
	}
}

// spreadOf is the spread of the delays from each start (Unix ms) to its
// arrival: the latest less the earliest. The k-th start is paired with
// the k-th arrival; a request overtaken by a later one is paired with
// another's arrival, which can only narrow the spread (the pairing in
// order has the smallest largest delay and the largest smallest one), so
// the spread is never overstated. Starts and arrivals that differ in
// number give an error: nothing is known of the spread then.
func spreadOf(starts []int64, arrivals []time.Time) (time.Duration, error) {
	if len(starts) != len(arrivals) || len(starts) == 0 {
		return 0, fmt.Errorf("%d starts in the shared window and %d arrivals at the sandbox: the delays cannot be paired", len(starts), len(arrivals))
	}
	var lo, hi time.Duration
	for k, ms := range starts {
		d := arrivals[k].Sub(time.UnixMilli(ms))
		if k == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	return hi - lo, nil
}

// overLimitExcuse says why a run that went over the limit at the sandbox
// is the machine's doing and proves nothing of the client, or returns an
// error when it is the client's (bench.MachineExcuse, the rule of
// TestRateScenario): the send-to-arrival delays spread past the limiter's
// margin, and one request over at most. The limiter's own starts, on its
// own clock, never excuse more than the limit in a window: those are its
// decisions, whatever the machine did after them.
func overLimitExcuse(srv *sandbox.Server, arrivals []time.Time, starts []int64, window time.Duration, limit int) (string, error) {
	at := make([]time.Time, len(starts))
	for i, ms := range starts {
		at[i] = time.UnixMilli(ms)
	}
	// The limiter spaces limit+1 starts by its window and margin (less 10 ms:
	// the starts are whole wall-clock ms); one with no margin fails here.
	if n := bench.OverLimit(at, window+pacer.DefaultMargin-10*time.Millisecond, limit); n > 0 {
		return "", fmt.Errorf("the limiters started more than %d requests in a %s window (and its %s margin) %d times (the shared window's starts): the client's",
			limit, window, pacer.DefaultMargin, n)
	}
	over, most := bench.OverLimit(arrivals, window, limit), srv.MaxInWindow(window)
	spread, err := spreadOf(starts, arrivals)
	if err != nil {
		return "", fmt.Errorf("%d arrivals over the limit (at most %d in a window): %w", over, most, err)
	}
	if !bench.MachineExcuse(spread, pacer.DefaultMargin, over, most, limit) {
		return "", fmt.Errorf("%d arrivals over the limit (at most %d of %d in a window) with the delays from start to arrival spread %s (margin %s): the client's",
			over, most, limit, spread.Round(time.Millisecond), pacer.DefaultMargin)
	}
	return fmt.Sprintf("one arrival over the limit (%d of %d in a window), with the delays from start to arrival spread %s, past the limiter's %s margin: the machine held a request, which can add one to a window whatever the client does",
		most, limit, spread.Round(time.Millisecond), pacer.DefaultMargin), nil
}
