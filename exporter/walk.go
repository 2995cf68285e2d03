package exporter

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/crmbulk/crmbulk/baselinker"
)

// walk reads getCrmClients pages from 1 until a page holds fewer than
// baselinker.PageSize clients, with up to Config.Ahead requests in flight,
// and calls visit for every client not seen before, in page order, from one
// goroutine. Page 1 is read alone: most small exports then cost one
// request. After the walk the last page is read again (unless
// Config.NoRecheck) to catch clients added meanwhile.
func (e *Exporter) walk(ctx context.Context, sum *Summary, visit func(*baselinker.Client) error) error {
	// The IDs met so far, the walk's and then the recheck's, compressed (a
	// roaring bitmap: about 2 bytes a client for the dense IDs an account
	// hands out, against some 40 in a map), so a million-client export holds
	// no more than a few MB for it.
	seen := roaring64.New()
	take := func(page int, clients []baselinker.Client, met []bool, recheck bool) error {
		sum.Pages++
		if e.cfg.PageHook != nil {
			e.cfg.PageHook(page)
		}
		fresh := 0
		for i := range clients {
			if met[i] {
				if !recheck { // meeting the last page's clients again is expected
					sum.Duplicates++
					sum.Changed = true
				}
				continue
			}
			if err := visit(&clients[i]); err != nil {
				return err
			}
			fresh++
		}
		e.ev.Page(int64(fresh))
		return nil
	}

	last, lastLen, err := baselinker.WalkPages(ctx, e.list, e.cfg.Ahead, seen, func(page int, clients []baselinker.Client, met []bool) error {
		return take(page, clients, met, false)
	}, e.cfg.MaxClients)
	if pe := (*baselinker.PageError)(nil); errors.As(err, &pe) {
		if ctx.Err() != nil {
			return fmt.Errorf("reading the clients: %w", ctx.Err())
		}
		return apiErr(fmt.Sprintf("reading page %d of the clients (getCrmClients)", pe.Page), pe.Err)
	}
	if we := (*baselinker.WalkError)(nil); errors.As(err, &we) {
		return fmt.Errorf("reading the clients (getCrmClients): %w: %w; nothing written", ErrFatal, err)
	}
	if err != nil {
		return err
	}
	if e.cfg.NoRecheck {
		return nil
	}
	again, err := e.list(ctx, last)
	if err != nil {
		return apiErr(fmt.Sprintf("re-reading page %d of the clients (getCrmClients)", last), err)
	}
	if len(again) != lastLen {
		sum.Changed = true
	}
	met := make([]bool, len(again))
	for i := range again {
		met[i] = !seen.CheckedAdd(uint64(again[i].CrmClientID))
	}
	return take(last, again, met, true)
}

// list reads a page of the walk. Without extra fields it is
// getCrmClients. With them, the first page read (page 1: WalkPages reads it
// alone) is asked with include_custom_extra_fields:
// if the API refuses the parameter, or answers without custom_extra_fields,
// the list is read as usual and the extra fields come from getCrmClientData
// (said once in the log); otherwise every page is read that way.
func (e *Exporter) list(ctx context.Context, page int) ([]baselinker.Client, error) {
	e.requests.Add(1)
	probed := e.probed.Load()
	if !e.want.extras || probed && !e.fromList.Load() {
		return e.api.GetCrmClients(ctx, page, e.cfg.Filters)
	}
	cl, err := e.api.GetCrmClientsWithExtraFields(ctx, page, e.cfg.Filters)
	if probed {
		return cl, err
	}
	if baselinker.IsRefusedParameter(err) {
		e.probed.Store(true)
		e.log.Info("the client list does not take include_custom_extra_fields (" + err.Error() + "); " +
			"the extra fields are read with getCrmClientData instead, one request per client")
		e.requests.Add(1)
		return e.api.GetCrmClients(ctx, page, e.cfg.Filters)
	}
	if err != nil {
		return nil, err
	}
	carried := len(cl) == 0 || slices.ContainsFunc(cl, func(c baselinker.Client) bool { return c.CustomExtraFields != nil })
	if !carried {
		e.log.Info("the client list answered without custom_extra_fields; " +
			"the extra fields are read with getCrmClientData instead, one request per client")
	}
	e.fromList.Store(carried)
	e.probed.Store(true)
	return cl, nil
}
