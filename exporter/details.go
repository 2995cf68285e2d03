package exporter

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
)

// runDetails lists the client IDs (the walk), says how long the details
// will take, reads every client with getCrmClientData into a JSON-lines
// spool file — collecting the extra field IDs on the way — and only then
// writes the sheet from the spool: memory holds the IDs, not the clients.
func (e *Exporter) runDetails(ctx context.Context, open Opener, statuses map[int64]string) (sum Summary, err error) {
	var ids []int64
	e.progress.Start("listing clients", -1, "clients")
	err = e.walk(ctx, &sum, func(c *baselinker.Client) error {
		ids = append(ids, int64(c.CrmClientID))
		return nil
	})
	e.progress.Finish()
	if err != nil {
		return sum, err
	}

	if p, ok := e.api.(paced); ok {
		l := p.Limiter()
		e.log.Info(fmt.Sprintf("reading the details of %d clients: one request each; at %d requests per %s that takes about %s",
			len(ids), l.Limit(), l.Window(), roundETA(l.ETA(len(ids)))),
			"clients", len(ids), "eta_seconds", int(l.ETA(len(ids)).Seconds()))
	}

	spool, err := os.CreateTemp(e.spoolDir, "crmbulk-export-*.jsonl")
	if err != nil {
		return sum, fmt.Errorf("creating the details spool file: %w (set TMPDIR to a writable directory)", err)
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()

	extra := map[string]struct{}{}
	bw := bufio.NewWriterSize(spool, 64<<10)
	enc := json.NewEncoder(bw)
	e.progress.Start("details", int64(len(ids)), "clients")
	done := 0
	err = e.fetchDetails(ctx, ids, func(i int, c *baselinker.Client, gone bool) error {
		done++
		e.progress.Add(1)
		if done%10 == 0 || done == len(ids) {
			e.progress.Describe(e.etaText(len(ids) - done))
		}
		if gone {
			sum.Vanished = append(sum.Vanished, ids[i])
			e.log.Warn("client deleted during the export (not found, and not in the list); skipped", "crm_client_id", ids[i])
			return nil
		}
		for k := range c.CustomExtraFields {
			extra[k] = struct{}{}
		}
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("spooling client %d to %s: %w", c.CrmClientID, spool.Name(), err)
		}
		return nil
	})
	e.progress.Finish()
	if err != nil {
		return sum, err
	}
	if err := bw.Flush(); err != nil {
		return sum, fmt.Errorf("spooling to %s: %w", spool.Name(), err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return sum, fmt.Errorf("rewinding %s: %w", spool.Name(), err)
	}

	extraIDs := make([]string, 0, len(extra))
	for k := range extra {
		extraIDs = append(extraIDs, k)
	}
	baselinker.SortExtraIDs(extraIDs)
	cols := expand(e.cols, extraIDs)
	sum.Columns = header(cols)
	w, err := open(sum.Columns)
	if err != nil {
		return sum, err
	}
	if err := w.Write(sum.Columns); err != nil {
		_ = w.Close()
		return sum, fmt.Errorf("writing the header: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(spool, 64<<10))
	var buf []string
	for {
		var c baselinker.Client
		if err := dec.Decode(&c); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			_ = w.Close()
			return sum, fmt.Errorf("reading back %s: %w", spool.Name(), err)
		}
		buf = row(buf, cols, &c, statuses)
		if err := w.Write(buf); err != nil {
			_ = w.Close()
			return sum, fmt.Errorf("writing client %d: %w", c.CrmClientID, err)
		}
		sum.Clients++
	}
	if err := w.Close(); err != nil {
		return sum, fmt.Errorf("finishing the file: %w", err)
	}
	return sum, nil
}

// etaText is the progress detail: the time the limit needs for n more requests.
func (e *Exporter) etaText(n int) string {
	p, ok := e.api.(paced)
	if !ok {
		return fmt.Sprintf("%d requests", e.requests.Load())
	}
	l := p.Limiter()
	return fmt.Sprintf("ETA %s (limit %d/%s)", roundETA(l.ETA(n)), l.Limit(), l.Window())
}

func roundETA(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

type detailResult struct {
	c    baselinker.Client
	gone bool
	err  error
}

// fetchDetails reads getCrmClientData for every id with up to e.ahead
// requests in flight and calls emit in id order from one goroutine. A client
// is emitted as gone only when the API says it is not found and the list
// confirms it (confirmGone); any other error ends the export — an unknown
// code is never taken for a deletion.
func (e *Exporter) fetchDetails(ctx context.Context, ids []int64, emit func(i int, c *baselinker.Client, gone bool) error) error {
	fctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	futures := make(chan chan detailResult, max(e.ahead-1, 0))
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(futures)
		for _, id := range ids {
			ch := make(chan detailResult, 1)
			select {
			case futures <- ch:
			case <-fctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.requests.Add(1)
				c, err := e.api.GetCrmClientData(fctx, id, true)
				if err != nil && baselinker.IsNotFound(err) && fctx.Err() == nil {
					gone, cerr := e.confirmGone(fctx, id, err)
					ch <- detailResult{gone: gone, err: cerr}
					return
				}
				ch <- detailResult{c: c, err: err}
			}()
		}
	}()
	i := 0
	for ch := range futures {
		r := <-ch
		if r.err != nil {
			return apiErr(fmt.Sprintf("reading client %d (getCrmClientData)", ids[i]), r.err)
		}
		if err := emit(i, &r.c, r.gone); err != nil {
			return err
		}
		i++
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reading the client details: %w", err)
	}
	return nil
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
