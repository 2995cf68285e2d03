package exporter

import (
	"context"
	"fmt"
	"sync"

	"github.com/crmbulk/crmbulk/baselinker"
)

type pageResult struct {
	clients []baselinker.Client
	err     error
}

// walk reads getCrmClients pages from 1 until a page holds fewer than
// baselinker.PageSize clients, with up to e.ahead requests in flight, and calls visit
// for every client not seen before, in page order, from one goroutine.
// Page 1 is read alone: most small exports then cost one request. After the
// walk the last page is read again (e.recheck) to catch clients added
// meanwhile.
func (e *Exporter) walk(ctx context.Context, sum *Summary, visit func(*baselinker.Client) error) error {
	seen := make(map[int64]struct{})
	take := func(page int, clients []baselinker.Client, recheck bool) error {
		if e.pageHook != nil {
			e.pageHook(page)
		}
		fresh := 0
		for i := range clients {
			c := &clients[i]
			id := int64(c.CrmClientID)
			if _, dup := seen[id]; dup {
				if !recheck { // meeting the last page's clients again is expected
					sum.Duplicates++
					sum.Changed = true
				}
				continue
			}
			seen[id] = struct{}{}
			if err := visit(c); err != nil {
				return err
			}
			fresh++
		}
		e.progress.Add(int64(fresh))
		e.progress.Describe(fmt.Sprintf("page %d · %d requests", page, e.requests.Load()))
		return nil
	}

	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	futures := make(chan chan pageResult, max(e.ahead-1, 0))
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
			ch := make(chan pageResult, 1)
			select {
			case futures <- ch:
			case <-wctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.requests.Add(1)
				cl, err := e.api.GetCrmClients(wctx, p, e.filters)
				ch <- pageResult{cl, err}
			}()
		}
	}()

	last, lastLen := 0, 0
	for ch := range futures {
		r := <-ch // the request honours wctx
		page := last + 1
		if r.err != nil {
			return apiErr(fmt.Sprintf("reading page %d of the clients (getCrmClients)", page), r.err)
		}
		sum.Pages++
		last, lastLen = page, len(r.clients)
		if len(r.clients) < baselinker.PageSize {
			cancel() // pages read ahead beyond the last are not needed
		} else if page == 1 {
			close(firstFull)
		}
		if err := take(page, r.clients, false); err != nil {
			return err
		}
		if len(r.clients) < baselinker.PageSize {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reading the clients: %w", err)
	}
	if last == 0 {
		return fmt.Errorf("reading page 1 of the clients: %w", context.Canceled)
	}
	if !e.recheck {
		return nil
	}
	e.requests.Add(1)
	again, err := e.api.GetCrmClients(ctx, last, e.filters)
	if err != nil {
		return apiErr(fmt.Sprintf("re-reading page %d of the clients (getCrmClients)", last), err)
	}
	sum.Pages++
	if len(again) != lastLen {
		sum.Changed = true
		sum.ListDelta = len(again) - lastLen
	}
	return take(last, again, true)
}
