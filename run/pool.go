package run

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/internal/inorder"
)

// PoolConfig sizes a Pool.
type PoolConfig struct {
	// Workers is how many jobs run at once (< 1: 1); a job added Apart
	// does not count.
	Workers int
	// Window is how many jobs may be between Add and their result's emit
	// (< Workers: Workers): a slow job holds back the emit of later ones,
	// not their work, until the window is full.
	Window int
	// Drain is how long requests in flight may run after the run's ctx
	// ended (< 1: DefaultDrain): an interrupt starts no new work, and cuts
	// what still runs Drain after it.
	Drain time.Duration
}

// Job is the work of one input line.
type Job[R any] struct {
	// Keys chain the job: jobs that share a key run one after another, in
	// the order they were added (Do waits for its Turn).
	Keys []string
	// Apart runs the job beside the workers: one that mostly waits (a
	// create that may still land) holds no worker meanwhile.
	Apart bool
	// Do does the work. ctx is the context of its requests: it outlives the
	// run's by the pool's Drain, so Do checks the run's own ctx before it
	// starts anything new. An error stops the pool (Wait returns it).
	Do func(ctx context.Context, turn Turn) (R, error)
}

// Pool runs a run's jobs: up to Workers at once, jobs that share a key one
// after another in the order they were added, and each result handed to
// emit in that order, from one goroutine. One goroutine adds the jobs, in
// input order; Wait ends the run. Import and undo run on it.
type Pool[R any] struct {
	emit   func(R) error
	adds   chan task[R]
	chains chains
	slots  chan struct{} // one per running job that is not Apart

	send       context.Context // requests in flight: the run's ctx + Drain
	cancelSend context.CancelFunc
	stopDrain  func() bool

	failed context.Context // ends once a job or emit failed
	fail   context.CancelCauseFunc
	done   chan struct{} // closed when the pool's loop ended
	err    error         // the loop's, read after done
}

// task is a job on its way, or a result known already (ready).
type task[R any] struct {
	job   Job[R]
	ready bool
	res   R
	turn  Turn
	left  func()
}

// result is what a task's work gave.
type result[R any] struct {
	res R
	err error
}

// StartPool starts a pool for the run of ctx; emit receives the results.
func StartPool[R any](ctx context.Context, cfg PoolConfig, emit func(R) error) *Pool[R] {
	cfg.Workers = max(cfg.Workers, 1)
	cfg.Window = max(cfg.Window, cfg.Workers)
	if cfg.Drain <= 0 {
		cfg.Drain = DefaultDrain
	}
	p := &Pool[R]{emit: emit, adds: make(chan task[R]), chains: chains{tail: map[string]chan struct{}{}},
		slots: make(chan struct{}, cfg.Workers), done: make(chan struct{})}
	p.send, p.cancelSend = context.WithCancel(context.WithoutCancel(ctx))
	p.stopDrain = context.AfterFunc(ctx, func() { time.AfterFunc(cfg.Drain, p.cancelSend) })
	p.failed, p.fail = context.WithCancelCause(context.Background())
	go func() {
		defer close(p.done)
		p.err = inorder.Map(p.failed, cfg.Window, p.next, p.do, p.emitted)
		p.fail(p.err)
	}()
	return p
}

// SendContext is the context of the requests the jobs send: it ends Drain
// after the run's ctx, or when the pool ends.
func (p *Pool[R]) SendContext() context.Context { return p.send }

// Context ends once the pool failed (a job or emit returned an error):
// adding more is then pointless, and Wait returns the error.
func (p *Pool[R]) Context() context.Context { return p.failed }

// Add adds a job after those added before it. It blocks while the window is
// full, and returns the pool's error if the pool failed.
func (p *Pool[R]) Add(j Job[R]) error { return p.add(task[R]{job: j}) }

// Done adds a result known already (a line an earlier run finished): it
// takes its place in the order, and no worker.
func (p *Pool[R]) Done(r R) error { return p.add(task[R]{ready: true, res: r}) }

func (p *Pool[R]) add(t task[R]) error {
	select {
	case p.adds <- t:
		return nil
	case <-p.failed.Done():
		return context.Cause(p.failed)
	}
}

// Wait ends the adding, waits until every result is emitted and returns
// the first error of a job or of emit.
func (p *Pool[R]) Wait() error {
	close(p.adds)
	<-p.done
	p.stopDrain()
	p.cancelSend()
	return p.err
}

// next takes the next job in input order: its place in the chains of its
// keys, then (unless Apart) a worker. Both in input order: a job waits only
// for earlier ones, which hold a worker, so the pool cannot deadlock.
func (p *Pool[R]) next(ctx context.Context) (task[R], bool) {
	var t task[R]
	var ok bool
	select {
	case t, ok = <-p.adds:
	case <-ctx.Done():
	}
	if !ok || t.ready {
		return t, ok
	}
	t.turn, t.left = p.chains.enter(t.job.Keys)
	if !t.job.Apart {
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			t.left()
			return t, false
		}
	}
	return t, true
}

func (p *Pool[R]) do(_ context.Context, t task[R]) result[R] {
	if t.ready {
		return result[R]{res: t.res}
	}
	defer func() {
		t.left()
		if !t.job.Apart {
			<-p.slots
		}
	}()
	r, err := t.job.Do(p.send, t.turn)
	return result[R]{r, err}
}

func (p *Pool[R]) emitted(_ task[R], o result[R]) (bool, error) {
	if o.err != nil {
		return false, o.err
	}
	if err := p.emit(o.res); err != nil {
		return false, err
	}
	return true, nil
}

// ErrStopped is what Turn.Wait returns when the run's stop channel closed
// first (a fatal error stopped the run).
var ErrStopped = errors.New("the run stopped")

// Turn is a job's place in the chains of its keys.
type Turn struct{ wait []chan struct{} }

// Wait returns nil once every earlier job that shares a key with this one
// is done; ctx's error if ctx ends first, ErrStopped if stop (nil: never)
// closes first.
func (t Turn) Wait(ctx context.Context, stop <-chan struct{}) error {
	for _, w := range t.wait {
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		case <-stop:
			return ErrStopped
		}
	}
	return nil
}

// chains serialises jobs that share a key: each waits for the previous job
// with any of its keys. It holds one entry per key in flight, so it is
// bounded by the pool.
type chains struct {
	mu   sync.Mutex
	tail map[string]chan struct{}
}

// enter registers a job with keys (in input order); left ends its turn.
func (c *chains) enter(keys []string) (Turn, func()) {
	done := make(chan struct{})
	var t Turn
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		tail, ok := c.tail[k]
		switch {
		case ok && tail == done:
			// The key twice (two match keys that find one client): a job
			// never waits for itself.
		case ok:
			t.wait = append(t.wait, tail)
		}
		c.tail[k] = done
	}
	return t, func() { c.leave(keys, done) }
}

func (c *chains) leave(keys []string, done chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(done)
	for _, k := range keys {
		if c.tail[k] == done {
			delete(c.tail, k)
		}
	}
}
