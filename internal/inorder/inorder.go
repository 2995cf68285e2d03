// Package inorder is the one "k in flight, results in order" helper: it
// runs a call for each input with up to k calls at once and hands the
// results back in input order, from one goroutine.
//
// The page walk (baselinker.WalkPages) and the export's detail reads
// (exporter) use Map, which pulls its inputs; the run pool (run.Pool,
// which import and undo sit on) pushes its jobs into an Ordered, Map's
// engine. It lives here, a leaf of the standard library only, rather than
// in package run: run sits above baselinker, so the page walk could not
// import it there, and moving the walk up would put the API's own paging
// rule (when a walk ends) outside the API package.
package inorder

import (
	"context"
	"sync"
)

// Map calls do for each input next yields, with up to ahead calls in
// flight (ahead < 1 counts as 1), and hands each result to emit in input
// order, from the caller's goroutine.
//
// next is called from one goroutine, input after input, and only once the
// input may start (fewer than ahead inputs are between their take and
// their emit); it returns false when there is no more input. It may block
// (a page that may be asked only once an earlier one is known); ctx then
// ends it.
//
// The calls get a context that ends with ctx, or once emit stops Map: emit
// returns more=false (or an error), Map cancels the calls still in flight,
// waits for them and returns emit's error (nil with more=false). Otherwise
// Map returns nil once next said there is no more and every result was
// emitted, or ctx ended before that: Map stops taking inputs then, emits the
// results of the calls already made, and the caller tells the two apart by
// ctx.Err().
func Map[T, R any](ctx context.Context, ahead int, next func(ctx context.Context) (T, bool),
	do func(ctx context.Context, t T) R, emit func(t T, r R) (more bool, err error)) error {
	o := New(ctx, ahead, emit)
	go func() {
		defer o.Close()
		for o.Reserve() {
			t, ok := next(o.ctx)
			if !ok || o.ctx.Err() != nil {
				return
			}
			deliver := o.Place(t)
			o.calls.Go(func() { deliver(do(o.ctx, t)) })
		}
	}()
	return o.Emit()
}

// Ordered is Map for a caller that pushes its inputs: one goroutine calls
// Reserve and Place for each input, in order, then Close; another runs
// Emit, which hands the results to emit in that order.
type Ordered[T, R any] struct {
	ctx     context.Context
	stop    context.CancelCauseFunc
	emit    func(T, R) (bool, error)
	room    chan struct{}     // a place for each input from its start to its emit
	futures chan future[T, R] // closed by Close
	calls   sync.WaitGroup
}

type future[T, R any] struct {
	in  T
	out chan R
}

// New returns an Ordered of up to ahead inputs between their start and
// their emit (ahead < 1 counts as 1). Its calls get a context that ends
// with ctx or once emit stops.
func New[T, R any](ctx context.Context, ahead int, emit func(t T, r R) (more bool, err error)) *Ordered[T, R] {
	o := &Ordered[T, R]{emit: emit, room: make(chan struct{}, max(ahead, 1))}
	o.ctx, o.stop = context.WithCancelCause(ctx)
	o.futures = make(chan future[T, R], cap(o.room))
	return o
}

// Cause is why the Ordered stopped taking inputs (nil while it takes them):
// emit's error, or the context's.
func (o *Ordered[T, R]) Cause() error { return context.Cause(o.ctx) }

// Close says there is no more input; the goroutine that reserves calls it.
func (o *Ordered[T, R]) Close() { close(o.futures) }

// Emit hands each result to emit in input order until Close and the last
// result, or until emit stops (more=false or an error): the calls still in
// flight then see their context end. It returns once Close was called and
// every call ended, with emit's error.
func (o *Ordered[T, R]) Emit() error {
	var err error
	for f := range o.futures {
		more, eerr := o.emit(f.in, <-f.out)
		if eerr != nil || !more {
			err = eerr
			o.stop(eerr) // nil: context.Canceled
			break
		}
		<-o.room
	}
	for range o.futures { // until Close (after a stop, inputs placed meanwhile are not emitted)
	}
	o.stop(nil)
	o.calls.Wait()
	return err
}

// Reserve waits for room for the next input: fewer than ahead inputs
// between their start and their emit (with ahead 1, the last result's emit
// has returned: what emit does may decide the next call). It returns false
// once the Ordered stopped taking inputs (Cause says why).
func (o *Ordered[T, R]) Reserve() bool {
	select {
	case o.room <- struct{}{}:
		return o.ctx.Err() == nil
	case <-o.ctx.Done():
		return false
	}
}

// Place puts input t in the room Reserve made and returns where its result
// goes: a caller that runs its calls on goroutines of its own (workers that
// keep their grown stacks) hands the result to deliver, once.
func (o *Ordered[T, R]) Place(t T) (deliver func(R)) {
	f := future[T, R]{in: t, out: make(chan R, 1)}
	o.futures <- f // never blocks: room bounds it
	return func(r R) { f.out <- r }
}
