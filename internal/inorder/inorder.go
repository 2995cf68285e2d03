// Package inorder is the one "k in flight, results in order" helper: it
// runs a call for each input with up to k calls at once and hands the
// results back in input order, from the caller's goroutine.
//
// The page walk (baselinker.WalkPages), the export's detail reads
// (exporter) and the run pool (run.Pool, which import and undo sit on) all
// use it. It lives here, a leaf of the standard library only, rather than
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
// their emit); it
// returns false when there is no more input. It may block (a page that may
// be asked only once an earlier one is known); ctx then ends it.
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
	type future struct {
		in  T
		out chan R
	}
	mctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	// room holds a place for each input from its take to its emit: at
	// most ahead calls are in flight or being emitted (with ahead 1 the
	// next call starts after emit: what emit does may decide it), and next
	// is asked only with room.
	room := make(chan struct{}, max(ahead, 1))
	futures := make(chan future, cap(room))
	wg.Go(func() {
		defer close(futures)
		for {
			select {
			case room <- struct{}{}:
			case <-mctx.Done():
				return
			}
			t, ok := next(mctx)
			if !ok || mctx.Err() != nil {
				return
			}
			f := future{in: t, out: make(chan R, 1)}
			futures <- f // never blocks: room bounds it
			wg.Go(func() { f.out <- do(mctx, f.in) })
		}
	})
	for f := range futures {
		more, err := emit(f.in, <-f.out)
		if err != nil || !more {
			return err
		}
		<-room // only now: the next input starts once this one is emitted
	}
	return nil
}
