package exporter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/internal/inorder"
	events "github.com/crmbulk/crmbulk/run"
)

// entry is one listed client of a details export.
type entry struct {
	id   int64
	fp   uint64 // fingerprint of its list entry
	need bool   // its details must be read (notes, or extra fields the list did not carry)
	gone bool   // deleted before its details could be read
}

// runDetails is an export with notes or extra fields, in named steps: name
// the extra fields, open the details file (kept beside the output for
// --resume, or temporary), walk the list into it, read the details the list
// did not carry, and only then write the sheet from the file — memory holds
// the IDs, not the clients.
func (e *Exporter) runDetails(ctx context.Context, open Opener, statuses *statusNamer) (sum Summary, err error) {
	store, err := openStore(e.cfg.Keep, e.cfg.SpoolDir, e.cfg.storeHeader(e.want), e.cfg.Resume)
	if err != nil {
		return sum, err // before any request: a refused resume costs nothing
	}
	finished := false // set only once the sheet is written: a panic keeps the details for --resume
	defer func() {
		if cerr := store.close(finished); cerr != nil && err == nil {
			err = cerr
		}
		if !finished && store.keep && len(store.index) > 0 {
			sum.Kept = store.path
		}
	}()
	if e.cfg.Resume && store.kept == 0 {
		e.log.Info("--resume: no details kept by an earlier run of this export; reading all of them", "file", store.path)
	}
	if store.kept > 0 {
		e.log.Info(fmt.Sprintf("resuming: %d clients' details kept from the export started %s; only the others are read",
			store.kept, store.age.Local().Format("2006-01-02 15:04")), "kept", store.kept, "file", store.path)
	}

	names, err := e.extraNames(ctx)
	if err != nil {
		return sum, err
	}
	extra := map[string]string{} // the extra field IDs met (the keys: the columns; the values are unused)
	entries, err := e.listInto(ctx, &sum, store, extra)
	if err != nil {
		return sum, err
	}
	if err := e.readDetails(ctx, &sum, store, entries, extra); err != nil {
		return sum, err
	}
	maps.Copy(extra, names)
	if err := e.writeFromStore(open, &sum, store, entries, extra, names, statuses); err != nil {
		return sum, err
	}
	finished = true
	return sum, nil
}

// storeHeader says which export, reading what want says, c's details file
// belongs to.
func (c Config) storeHeader(want needs) storeHeader {
	return storeHeader{Kind: storeKind, Version: 1, Filters: c.Filters, ExtraFields: want.extras, Started: time.Now().UTC(),
		Account: c.Account}
}

// extraNames reads the names of the account's extra fields (one request)
// to head their columns. The names are a nicety: when the API cannot give
// them the columns are headed extra_<ID> and the export goes on.
func (e *Exporter) extraNames(ctx context.Context) (map[string]string, error) {
	if !e.want.extras {
		return nil, nil
	}
	e.requests.Add(1)
	defs, err := e.api.GetCrmClientExtraFields(ctx)
	if err != nil {
		if ctx.Err() != nil || baselinker.IsAuth(err) || errors.Is(err, pacer.ErrWaitedTooLong) {
			return nil, apiErr("reading the extra fields' names (getCrmClientExtraFields)", err)
		}
		e.log.Warn("the extra fields' names could not be read (getCrmClientExtraFields); their columns are headed extra_<ID> only", "error", err)
		return nil, nil
	}
	names := make(map[string]string, len(defs))
	for _, d := range defs {
		names[strconv.FormatInt(d.ID, 10)] = d.Name
	}
	return names, nil
}

// listInto walks the list. A client the list gives whole (no notes asked,
// extra fields carried) goes to the store at once, its extra field IDs to
// extra; the others are marked to have their details read.
func (e *Exporter) listInto(ctx context.Context, sum *Summary, store *detailStore, extra map[string]string) ([]entry, error) {
	var entries []entry
	e.ev.Begin(events.Phase{Name: "listing clients", Total: -1, Unit: "clients", Walk: true})
	defer e.ev.End()
	err := e.walk(ctx, sum, func(c *baselinker.Client) error {
		en := entry{id: int64(c.CrmClientID), fp: fingerprint(c)}
		en.need = e.want.notes || e.want.extras && c.CustomExtraFields == nil
		entries = append(entries, en)
		if en.need {
			return nil
		}
		maps.Copy(extra, c.CustomExtraFields)
		return store.add(en.id, en.fp, c)
	})
	if err == nil {
		err = store.flush()
	}
	switch {
	case !e.want.extras:
	case e.fromList.Load():
		sum.ExtraFieldsFrom = "list"
	default:
		sum.ExtraFieldsFrom = "details"
	}
	return entries, err
}

// readDetails reads getCrmClientData for every entry that needs it and is
// not kept from an interrupted run with the same list entry, with up to
// Config.Ahead requests in flight, and stores the clients in list order from
// one goroutine, adding the extra field IDs met to extra. A client is taken
// as gone only when the API says it is not found and the list confirms it
// (confirmGone); any other error ends the export — an unknown code is never
// taken for a deletion.
func (e *Exporter) readDetails(ctx context.Context, sum *Summary, store *detailStore, entries []entry, extra map[string]string) error {
	var todo []int // the entries whose details are read
	for i, en := range entries {
		switch {
		case en.need && store.reusable(en.id, en.fp):
			c, err := store.get(en.id)
			if err != nil {
				return err
			}
			sum.Reused++
			maps.Copy(extra, c.CustomExtraFields)
		case en.need:
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	phase := events.Phase{Name: "details", Total: int64(len(todo)), Unit: "clients", Paced: true}
	if l := e.cfg.Limiter; l != nil {
		e.log.Info(DetailsText(l, len(todo)),
			"clients", len(todo), "eta_seconds", int(l.ETA(len(todo)).Seconds()))
		// The progress's ETA: the time the limit needs for the n requests
		// left, and the limit.
		phase.ETA = func(n int64) (time.Duration, string) {
			return l.ETA(int(n)), fmt.Sprintf("limit %d/%s", l.Limit(), l.Window())
		}
	}
	e.ev.Begin(phase)
	defer e.ev.End()
	k := -1
	next := func(context.Context) (int, bool) {
		k++
		return k, k < len(todo)
	}
	read := func(ctx context.Context, k int) detailResult {
		id := entries[todo[k]].id
		e.requests.Add(1)
		c, err := e.api.GetCrmClientData(ctx, id, e.want.extras)
		if err != nil && baselinker.IsNotFound(err) && ctx.Err() == nil {
			gone, cerr := e.confirmGone(ctx, id, err)
			return detailResult{gone: gone, err: cerr}
		}
		return detailResult{c: c, err: err}
	}
	err := inorder.Map(ctx, e.cfg.Ahead, next, read, func(k int, r detailResult) (bool, error) {
		en := &entries[todo[k]]
		if r.err != nil {
			return false, apiErr(fmt.Sprintf("reading client %d (getCrmClientData)", en.id), r.err)
		}
		e.ev.Add(1)
		if r.gone {
			en.gone = true
			sum.Vanished = append(sum.Vanished, en.id)
			e.log.Warn("client deleted during the export (not found, and not in the list); skipped", "crm_client_id", en.id)
			return true, nil
		}
		maps.Copy(extra, r.c.CustomExtraFields)
		if err := store.add(en.id, en.fp, &r.c); err != nil {
			return true, err
		}
		return true, store.flush() // a crash loses at most the reads in flight
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reading the client details: interrupted: %w", err)
	}
	return nil
}

// writeFromStore writes the header and one row per listed client that was
// not deleted meanwhile, in list order, from the store.
func (e *Exporter) writeFromStore(open Opener, sum *Summary, store *detailStore, entries []entry,
	extra map[string]string, names map[string]string, statuses *statusNamer) error {
	extraIDs := slices.SortedFunc(maps.Keys(extra), baselinker.CompareExtraIDs)
	return e.writeSheet(open, sum, expand(e.cols, extraIDs, names), statuses, func(write func(*baselinker.Client) error) error {
		for _, en := range entries {
			if en.gone {
				continue
			}
			c, err := store.get(en.id)
			if err == nil {
				err = write(&c)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

type detailResult struct {
	c    baselinker.Client
	gone bool
	err  error
}

// confirmGone asks the list, filtered by the id, whether a client that
// getCrmClientData says is not found is really gone (one request).
func (e *Exporter) confirmGone(ctx context.Context, id int64, notFound error) (bool, error) {
	var f baselinker.Filters
	if err := f.Set("crm_client_id", strconv.FormatInt(id, 10)); err != nil {
		return false, err
	}
	e.requests.Add(1)
	cs, err := e.api.GetCrmClients(ctx, 1, f)
	if err != nil {
		return false, fmt.Errorf("checking whether client %d was deleted (getCrmClients): %w", id, err)
	}
	if len(cs) > 0 {
		return false, fmt.Errorf("getCrmClientData says client %d does not exist (%w), but the list still has it; "+
			"the export stops rather than leave it out — try again later", id, notFound)
	}
	return true, nil
}
