package exporter

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmbulk/crmbulk/baselinker"
)

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

	list := func(ctx context.Context, page int) ([]baselinker.Client, error) {
		e.requests.Add(1)
		return e.api.GetCrmClients(ctx, page, e.filters)
	}
	last, lastLen, err := baselinker.WalkPages(ctx, list, e.ahead, func(page int, clients []baselinker.Client) error {
		sum.Pages++
		return take(page, clients, false)
	})
	if pe := (*baselinker.PageError)(nil); errors.As(err, &pe) {
		if ctx.Err() != nil {
			return fmt.Errorf("reading the clients: %w", ctx.Err())
		}
		return apiErr(fmt.Sprintf("reading page %d of the clients (getCrmClients)", pe.Page), pe.Err)
	}
	if err != nil {
		return err
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
