package baselinker

import (
	"context"
	"fmt"
	"sync"
)

// PageError is the failure of one page of a walk (WalkPages).
type PageError struct {
	Page int
	Err  error
}

func (e *PageError) Error() string { return fmt.Sprintf("page %d: %v", e.Page, e.Err) }
func (e *PageError) Unwrap() error { return e.Err }

// ListFunc reads one page (numbered from 1) of getCrmClients.
type ListFunc func(ctx context.Context, page int) ([]Client, error)

// WalkPages reads pages from 1 until a page holds fewer than PageSize
// clients and calls visit with each page, in order, from the caller's
// goroutine. Up to ahead requests are in flight at once; page 2 and later
// are asked only once page 1 turned out full, so a small account costs one
// request. It returns the last page's number and size. A failed page is a
// *PageError; the walk stops at it, and at the first error of visit.
func WalkPages(ctx context.Context, list ListFunc, ahead int, visit func(page int, clients []Client) error) (last, lastLen int, err error) {
	type result struct {
		clients []Client
		err     error
	}
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	futures := make(chan chan result, max(ahead-1, 0))
	firstFull := make(chan struct{}) // closed once page 1 turned out full
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(futures)
		for p := 1; ; p++ {
			if p == 2 {
				select {
				case <-firstFull:
				case <-wctx.Done():
					return
				}
			}
			ch := make(chan result, 1)
			select {
			case futures <- ch:
			case <-wctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl, err := list(wctx, p)
				ch <- result{cl, err}
			}()
		}
	}()

	for ch := range futures {
		r := <-ch // the request honours wctx
		page := last + 1
		if r.err != nil {
			return last, lastLen, &PageError{Page: page, Err: r.err}
		}
		last, lastLen = page, len(r.clients)
		if len(r.clients) < PageSize {
			cancel() // pages read ahead beyond the last are not needed
		} else if page == 1 {
			close(firstFull)
		}
		if err := visit(page, r.clients); err != nil {
			return last, lastLen, err
		}
		if len(r.clients) < PageSize {
			return last, lastLen, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return last, lastLen, &PageError{Page: last + 1, Err: err}
	}
	return last, lastLen, &PageError{Page: last + 1, Err: context.Canceled}
}
