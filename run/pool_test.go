package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// spec is one job of a pool test: its keys, how long it works, and whether
// it is a ready result or runs apart.
type spec struct {
	keys  []string
	work  time.Duration
	ready bool
	apart bool
}

// trace records what the jobs did, for the checks.
type trace struct {
	mu      sync.Mutex
	running map[string]int // jobs running now, by key
	overlap []string       // keys two jobs held at once
	order   map[string][]int
	now     atomic.Int32
	peak    atomic.Int32
}

func (tr *trace) start(i int, s spec) {
	if !s.apart {
		n := tr.now.Add(1)
		for p := tr.peak.Load(); n > p && !tr.peak.CompareAndSwap(p, n); p = tr.peak.Load() {
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, k := range distinct(s.keys) {
		if tr.running[k]++; tr.running[k] > 1 {
			tr.overlap = append(tr.overlap, k)
		}
		tr.order[k] = append(tr.order[k], i)
	}
}

func (tr *trace) end(s spec) {
	if !s.apart {
		tr.now.Add(-1)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, k := range distinct(s.keys) {
		tr.running[k]--
	}
}

func distinct(keys []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(keys)))
}

func TestPoolOrderChainsAndWorkers(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		workers int
		window  int
		jobs    []spec
	}{
		{"later jobs answer first", 3, 0, []spec{{work: 8 * ms}, {work: 4 * ms}, {work: 0}, {work: 2 * ms}, {work: 0}}},
		{"one key runs one at a time, in order", 4, 8, []spec{
			{keys: []string{"a"}, work: 6 * ms}, {keys: []string{"a"}, work: 0}, {keys: []string{"b"}, work: 3 * ms},
			{keys: []string{"a", "b"}, work: 2 * ms}, {keys: []string{"b"}}, {keys: []string{"a"}, work: ms}}},
		{"a key twice in one job", 2, 0, []spec{{keys: []string{"k", "k"}, work: 2 * ms}, {keys: []string{"k"}}}},
		{"ready results keep their place", 2, 4, []spec{{work: 5 * ms}, {ready: true}, {keys: []string{"x"}, work: ms}, {ready: true}}},
		{"apart jobs keep their place and their keys", 1, 6, []spec{{apart: true, work: 10 * ms}, {work: ms}, {work: ms}, {apart: true, keys: []string{"z"}}, {keys: []string{"z"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &trace{running: map[string]int{}, order: map[string][]int{}}
			var got []int
			p := StartPool(context.Background(), PoolConfig{Workers: tc.workers, Window: tc.window}, func(i int) error {
				got = append(got, i)
				return nil
			})
			for i, s := range tc.jobs {
				var err error
				if s.ready {
					err = p.Done(i)
				} else {
					err = p.Add(Job[int]{Keys: s.keys, Apart: s.apart, Do: func(ctx context.Context, turn Turn) (int, error) {
						if err := turn.Wait(ctx, nil); err != nil {
							return 0, err
						}
						tr.start(i, s)
						defer tr.end(s)
						time.Sleep(s.work)
						return i, nil
					}})
				}
				if err != nil {
					t.Fatalf("Add(%d): %v", i, err)
				}
			}
			if err := p.Wait(); err != nil {
				t.Fatal(err)
			}
			want := make([]int, len(tc.jobs))
			for i := range want {
				want[i] = i
			}
			if !slices.Equal(got, want) {
				t.Errorf("emitted %v, want input order %v", got, want)
			}
			if len(tr.overlap) > 0 {
				t.Errorf("jobs sharing keys %v ran at once", tr.overlap)
			}
			for k, seq := range tr.order {
				if !slices.IsSorted(seq) {
					t.Errorf("key %s: jobs ran in order %v, want input order", k, seq)
				}
			}
			if p := int(tr.peak.Load()); p > tc.workers {
				t.Errorf("%d jobs ran at once, want at most %d workers", p, tc.workers)
			}
		})
	}
}

// TestPoolApartTakesNoWorker: with the one worker held by a job that waits,
// an Apart job still runs and ends; had it gone to the workers' queue it
// would wait for the held worker, and the test times out.
func TestPoolApartTakesNoWorker(t *testing.T) {
	var got []string
	p := StartPool(context.Background(), PoolConfig{Workers: 1, Window: 4}, func(s string) error {
		got = append(got, s)
		return nil
	})
	held, release, apartDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	if err := p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) {
		close(held)
		<-release
		return "held", nil
	}}); err != nil {
		t.Fatal(err)
	}
	<-held
	if err := p.Add(Job[string]{Apart: true, Do: func(context.Context, Turn) (string, error) {
		close(apartDone)
		return "apart", nil
	}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-apartDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the Apart job did not run while the one worker was held: it waited for a worker")
	}
	close(release)
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"held", "apart"}; !slices.Equal(got, want) {
		t.Errorf("emitted %q, want %q (input order)", got, want)
	}
}

func TestPoolErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		jobErr   int // the job that fails (-1: none)
		apart    bool
		emitErr  int // the result whose emit fails (-1: none)
		wantLast int // the last result emitted
	}{
		{"a job's error", 3, false, -1, 2},
		{"an apart job's error", 3, true, -1, 2},
		{"emit's error", -1, false, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			last := -1
			p := StartPool(context.Background(), PoolConfig{Workers: 2, Window: 2}, func(i int) error {
				last = i
				if i == tc.emitErr {
					return boom
				}
				return nil
			})
			var addErr error
			for i := 0; i < 100 && addErr == nil; i++ {
				addErr = p.Add(Job[int]{Apart: tc.apart && i == tc.jobErr, Do: func(context.Context, Turn) (int, error) {
					if i == tc.jobErr {
						return 0, fmt.Errorf("job %d: %w", i, boom)
					}
					return i, nil
				}})
			}
			if !errors.Is(addErr, boom) {
				t.Errorf("Add after the failure = %v, want the pool's error", addErr)
			}
			if err := p.Wait(); !errors.Is(err, boom) {
				t.Fatalf("Wait = %v, want %v", err, boom)
			}
			if last != tc.wantLast {
				t.Errorf("last result emitted %d, want %d (none after the failure)", last, tc.wantLast)
			}
		})
	}
}

// TestPoolStopsAtFirstError: a job's error stops the pool at once, not
// when its result's turn to emit comes: the slower job before it sees the
// pool's failed context end while it still runs, and its result is still emitted.
func TestPoolStopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	var got []string
	p := StartPool(context.Background(), PoolConfig{Workers: 2, Window: 4}, func(s string) error {
		got = append(got, s)
		return nil
	})
	_ = p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) {
		select {
		case <-p.failed.Done():
			return "saw the stop", nil
		case <-time.After(5 * time.Second):
			return "not stopped", nil
		}
	}})
	_ = p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) { return "", boom }})
	if err := p.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want %v", err, boom)
	}
	if want := []string{"saw the stop"}; !slices.Equal(got, want) {
		t.Errorf("emitted %q, want %q", got, want)
	}
	if err := p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) { return "late", nil }}); !errors.Is(err, boom) {
		t.Errorf("Add after the failure = %v, want %v", err, boom)
	}
}

// TestPoolFailureEnds: jobs keep coming after one failed — keyed, apart,
// and more than the workers — and none is left waiting for a turn that
// never comes: Wait ends with the error.
func TestPoolFailureEnds(t *testing.T) {
	boom := errors.New("boom")
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			p := StartPool(context.Background(), PoolConfig{Workers: workers, Window: 8}, func(int) error { return nil })
			waited := make(chan error, 1)
			go func() {
				for i := range 200 {
					fail := i%7 == 3
					job := Job[int]{Keys: []string{"k" + strconv.Itoa(i%3)}, Apart: i%5 == 0, Do: func(ctx context.Context, turn Turn) (int, error) {
						if err := turn.Wait(ctx, nil); err != nil {
							return 0, err
						}
						time.Sleep(time.Duration(i%3) * 100 * time.Microsecond)
						if fail {
							return 0, boom
						}
						return i, nil
					}}
					if p.Add(job) != nil {
						break
					}
				}
				waited <- p.Wait()
			}()
			select {
			case err := <-waited:
				if !errors.Is(err, boom) {
					t.Fatalf("Wait = %v, want %v", err, boom)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the pool did not end after a job failed")
			}
		})
	}
}

// TestPoolFailureReleasesQueued: the one worker's job fails while a keyed
// job waits in the queue and an apart job waits for that job's turn: the
// queued job is not run, its key is let go (the apart job does not hang on
// it), and Wait ends with the error.
func TestPoolFailureReleasesQueued(t *testing.T) {
	boom := errors.New("boom")
	p := StartPool(context.Background(), PoolConfig{Workers: 1, Window: 4}, func(string) error { return nil })
	started, release := make(chan struct{}), make(chan struct{})
	var ran []string
	var mu sync.Mutex
	job := func(name string, err error) func(context.Context, Turn) (string, error) {
		return func(ctx context.Context, turn Turn) (string, error) {
			if name == "a" {
				close(started)
				<-release
			}
			if werr := turn.Wait(ctx, nil); werr != nil {
				return "", werr
			}
			mu.Lock()
			ran = append(ran, name)
			mu.Unlock()
			return name, err
		}
	}
	_ = p.Add(Job[string]{Do: job("a", boom)})
	<-started
	_ = p.Add(Job[string]{Keys: []string{"k"}, Do: job("queued", nil)})
	_ = p.Add(Job[string]{Keys: []string{"k"}, Apart: true, Do: job("apart", nil)})
	close(release)
	waited := make(chan error, 1)
	go func() { waited <- p.Wait() }()
	select {
	case err := <-waited:
		if !errors.Is(err, boom) {
			t.Fatalf("Wait = %v, want %v", err, boom)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pool did not end: the apart job waits for a queued job's turn")
	}
	// The apart job runs if it started before the failure, else it too is
	// skipped; the queued one never runs.
	if !slices.Equal(ran, []string{"a", "apart"}) && !slices.Equal(ran, []string{"a"}) {
		t.Errorf("jobs ran %q, want a (and apart, if it started first); the queued one not run after the failure", ran)
	}
}

// TestPoolDrain: after the run's ctx ends, a request in flight may finish
// within Drain; one that takes longer is cut at Drain; a job added after
// the interrupt sees the run's ctx ended.
func TestPoolDrain(t *testing.T) {
	const drain = 60 * time.Millisecond
	tests := []struct {
		name    string
		takes   time.Duration // how long the request in flight takes after the interrupt
		wantCut bool
	}{
		{"finishes within the drain", drain / 4, false},
		{"cut at the drain", 20 * drain, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var got []string
			p := StartPool(ctx, PoolConfig{Workers: 2, Drain: drain}, func(s string) error {
				got = append(got, s)
				return nil
			})
			started := make(chan struct{})
			var cutAfter time.Duration
			_ = p.Add(Job[string]{Do: func(send context.Context, _ Turn) (string, error) {
				close(started)
				<-ctx.Done() // the interrupt comes while the request is in flight
				at := time.Now()
				select {
				case <-time.After(tc.takes):
					return "answered", nil
				case <-send.Done():
					cutAfter = time.Since(at)
					return "cut", nil
				}
			}})
			<-started
			cancel()
			_ = p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) {
				if ctx.Err() != nil {
					return "not started", nil
				}
				return "started", nil
			}})
			if err := p.Wait(); err != nil {
				t.Fatal(err)
			}
			want := []string{"answered", "not started"}
			if tc.wantCut {
				want[0] = "cut"
				if cutAfter < drain*3/4 {
					t.Errorf("the request was cut %s after the interrupt, want about %s", cutAfter, drain)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("results %q, want %q", got, want)
			}
			if p.SendContext().Err() == nil {
				t.Error("the requests' context outlives the pool")
			}
		})
	}
}

func TestTurnWait(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	var c chains
	c.tail = map[string]chan struct{}{}
	_, left := c.enter([]string{"k"})
	turn, _ := c.enter([]string{"k"})
	tests := []struct {
		name string
		ctx  context.Context
		stop chan struct{}
		want error
	}{
		{"ctx ends first", ended, nil, context.Canceled},
		{"the run stops first", context.Background(), stop, ErrStopped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := turn.Wait(tc.ctx, tc.stop); !errors.Is(err, tc.want) {
				t.Errorf("Wait = %v, want %v", err, tc.want)
			}
		})
	}
	left()
	if err := turn.Wait(context.Background(), nil); err != nil {
		t.Errorf("Wait after the earlier job = %v, want nil", err)
	}
	if len(c.tail) != 1 {
		t.Errorf("chains hold %d keys, want the later job's only", len(c.tail))
	}
}

// TestPoolQueuedJobsNotRunAfterFailure: once a job fails, the jobs added
// after it that wait in the queue are not run by the workers still alive
// (in an import each would send its request after the run failed); Wait
// returns the failure.
func TestPoolQueuedJobsNotRunAfterFailure(t *testing.T) {
	for range 20 {
		boom := errors.New("boom")
		p := StartPool(context.Background(), PoolConfig{Workers: 2, Window: 8}, func(string) error { return nil })
		aStarted, aRelease := make(chan struct{}), make(chan struct{})
		bStarted, bRelease := make(chan struct{}), make(chan struct{})
		var failed atomic.Bool
		var ranAfter atomic.Int32
		_ = p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) {
			close(aStarted)
			<-aRelease
			failed.Store(true)
			return "a", boom
		}})
		<-aStarted
		_ = p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) {
			close(bStarted)
			<-bRelease
			return "b", nil
		}})
		<-bStarted
		for _, n := range []string{"c", "d"} { // both workers busy: these wait in the queue
			_ = p.Add(Job[string]{Do: func(context.Context, Turn) (string, error) {
				if failed.Load() {
					ranAfter.Add(1)
				}
				return n, nil
			}})
		}
		close(aRelease)
		<-p.failed.Done()
		close(bRelease)
		if err := p.Wait(); !errors.Is(err, boom) {
			t.Fatalf("Wait = %v, want the job's error", err)
		}
		if n := ranAfter.Load(); n > 0 {
			t.Fatalf("%d queued job(s) ran after the pool failed", n)
		}
	}
}
