package run

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crmbulk/crmbulk/internal/inorder"
)

// PoolConfig sizes a Pool.
type PoolConfig struct {
	// Workers is how many jobs run at once (< 1: 1): the pool's group runs
	// this many long-lived workers; a job added Apart does not count.
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
//
// The workers, the Apart jobs and the emitting run in one errgroup.Group:
// the first job that fails ends the group's context, which stops the
// adding at once, and its error is what Wait returns. A worker whose job
// failed ends, and no job added after the one that failed is run any more
// (a live worker or an Apart job skips it): their keys are let go, their
// results never emitted. Jobs added before it still run, and are emitted.
type Pool[R any] struct {
	emit   func(R) error
	order  *inorder.Ordered[task[R], result[R]]
	chains chains
	jobs   chan task[R] // to the workers, in input order
	group  *errgroup.Group
	failed context.Context // the group's: ends at the first job's error, or once Wait's group ended
	added  int64           // jobs added so far (Add's goroutine only)
	// failedAt is the input place of the earliest job that failed
	// (math.MaxInt64: none); a queued job after it is not run.
	failedAt atomic.Int64

	send       context.Context // requests in flight: the run's ctx + Drain
	cancelSend context.CancelFunc
	stopDrain  func() bool
}

// task is a job on its way (a result known already has none).
type task[R any] struct {
	job  Job[R]
	seq  int64 // its place in input order
	turn Turn
	left func()
	// deliver hands its result to the order (set once it has its place).
	deliver func(result[R])
}

// result is what a task's work gave.
type result[R any] struct {
	res R
	err error
}

// StartPool starts a pool for the run of ctx; emit receives the results.
func StartPool[R any](ctx context.Context, cfg PoolConfig, emit func(R) error) *Pool[R] {
	cfg.Workers = max(cfg.Workers, 1)
	if cfg.Drain <= 0 {
		cfg.Drain = DefaultDrain
	}
	p := &Pool[R]{emit: emit, chains: chains{tail: map[string]chan struct{}{}}, jobs: make(chan task[R], cfg.Workers)}
	p.failedAt.Store(math.MaxInt64)
	// The group's context is not the run's: after an interrupt the jobs
	// still come (and say they were not started); it ends when a job
	// fails, and the order's with it (or when emit fails).
	p.group, p.failed = errgroup.WithContext(context.Background())
	p.order = inorder.New(p.failed, max(cfg.Window, cfg.Workers), p.emitted)
	p.send, p.cancelSend = context.WithCancel(context.WithoutCancel(ctx))
	p.stopDrain = context.AfterFunc(ctx, func() { time.AfterFunc(cfg.Drain, p.cancelSend) })
	p.group.Go(p.order.Emit)
	// Long-lived workers, not a goroutine a job (SetLimit's way): a row's
	// work grows a goroutine's stack, and a worker keeps it. A worker
	// whose job fails ends; a settler takes its place on the queue, so
	// that Add never blocks on a queue no worker reads.
	for range cfg.Workers {
		p.group.Go(func() error {
			for t := range p.jobs {
				if err := p.run(t); err != nil {
					p.group.Go(p.settleRest)
					return err
				}
			}
			return nil
		})
	}
	return p
}

// SendContext is the context of the requests the jobs send: it ends Drain
// after the run's ctx, or when the pool ends.
func (p *Pool[R]) SendContext() context.Context { return p.send }

// Add adds a job after those added before it: its place in the chains of
// its keys, a place in the window, then (unless Apart) the next free
// worker, all in input order — a job waits only for earlier ones, which a
// worker took already, so the pool cannot deadlock. Add blocks while the
// window is full or every worker busy, and returns the pool's error if the
// pool failed.
func (p *Pool[R]) Add(j Job[R]) error {
	p.added++
	t := task[R]{job: j, seq: p.added}
	t.turn, t.left = p.chains.enter(j.Keys)
	if !p.order.Reserve() {
		t.left()
		return p.order.Cause()
	}
	t.deliver = p.order.Place(t)
	if j.Apart {
		p.group.Go(func() error { return p.run(t) })
		return nil
	}
	p.jobs <- t
	return nil
}

// settleRest takes a failed worker's place: it lets go of the keys of
// the jobs queued after the failure, without running them, until Wait.
// Their results come after the failed job's, where the emitting stopped.
// (Each comes after the failed job in input order, so run skips it.)
func (p *Pool[R]) settleRest() error {
	for t := range p.jobs {
		_ = p.run(t)
	}
	return nil
}

// Done adds a result known already (a line an earlier run finished): it
// takes its place in the order, and no worker.
func (p *Pool[R]) Done(r R) error {
	if !p.order.Reserve() {
		return p.order.Cause()
	}
	p.order.Place(task[R]{})(result[R]{res: r})
	return nil
}

// Wait ends the adding, waits until every job ended and every result is
// emitted, and returns the first error of a job, else emit's.
func (p *Pool[R]) Wait() error {
	p.order.Close()
	close(p.jobs)
	err := p.group.Wait()
	p.stopDrain()
	p.cancelSend()
	return err
}

// run does a task and delivers its result; the job's error is returned
// too, for the group.
func (p *Pool[R]) run(t task[R]) error {
	if t.seq > p.failedAt.Load() {
		// A job before it failed while it was queued: it is not run (the
		// other live workers would otherwise still send its request).
		t.left()
		t.deliver(result[R]{err: context.Cause(p.failed)})
		return nil
	}
	r, err := t.job.Do(p.send, t.turn)
	if err != nil {
		for at := p.failedAt.Load(); t.seq < at && !p.failedAt.CompareAndSwap(at, t.seq); at = p.failedAt.Load() {
		}
	}
	t.left()
	t.deliver(result[R]{r, err})
	return err
}

func (p *Pool[R]) emitted(_ task[R], o result[R]) (bool, error) {
	if o.err == nil {
		o.err = p.emit(o.res)
	}
	return o.err == nil, o.err
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
		// Not after its own tail when it has the key twice (two match
		// keys that find one client): a job never waits for itself.
		if tail, ok := c.tail[k]; ok && tail != done {
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
