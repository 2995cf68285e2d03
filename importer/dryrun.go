package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/sheet"
)

// A dry run sends nothing, so it is bound by the CPU, not by the API. Its
// rows travel in batches (a goroutine hand-off per row would cost more than
// the row's own work), and everything a row needs that does not depend on
// earlier rows runs on every core:
//
//   - the reader (the caller's goroutine) only cuts the input: a CSV file
//     into chunks of whole records (sheet.Chunker), which the workers parse;
//     an XLSX sheet, which can only be read in order, into batches of rows;
//   - a pool of one worker per core parses, maps and checks the rows and,
//     when the outcome of a row depends on no other row (no --match-by
//     index, no resumed report), decides it and formats its report line;
//   - one goroutine takes the batches in file order, decides what depends
//     on earlier rows (the index of a --match-by run, where a would-be
//     client made by one row is updated by a later row with its key; the
//     lines a resumed report finished) and writes the report.
//
// Every report line carries the input's fingerprint, which a dry run
// computes meanwhile on a goroutine of its own (it reads the whole file).
// Lines the pool formats before it is known end with shaPending; the writer
// keeps them (up to parkBytes) and, once the fingerprint is known, writes
// them with it in place. So the cores check rows while the file is hashed
// instead of waiting for it.

// dryBatchRows is how many rows of an XLSX sheet travel together (a CSV
// chunk holds about 256 KiB of rows).
const dryBatchRows = 256

// dryParkBytes is how much of its report a dry run keeps while the
// fingerprint is being computed: the lines of about 150,000 rows, more
// than the pool checks while a 1M-row file is hashed.
const dryParkBytes = 4 << 20

// dryEntry is one input row of a dry run, mapped and checked by the pool.
// Once decided, its item's line is the row's answer (before, it is set only
// for an invalid row, as check leaves it).
type dryEntry struct {
	it      item
	decided bool
}

// dryBatch is a run of consecutive rows. Its entries are reused from
// batch to batch (their slices too); what they still hold of an earlier
// chunk keeps at most one chunk per batch alive.
type dryBatch struct {
	chunk   *sheet.Chunk // CSV: the rows, not parsed yet
	rows    []sheet.Row  // XLSX: the rows, read
	n       int          // rows in the batch: entries[:n]
	err     error        // the input's error after the rows: it ends the run
	entries []dryEntry
	out     []byte        // the rows' report lines, when the pool formatted them
	patch   bool          // out holds shaPending, not the fingerprint
	ends    []int         // with patch: where each line of out ends
	ready   chan struct{} // one token when the pool is done with the batch
}

func (b *dryBatch) recycle() {
	clear(b.rows)
	b.rows, b.chunk, b.n, b.err, b.out, b.patch, b.ends = b.rows[:0], nil, 0, nil, b.out[:0], false, b.ends[:0]
}

// dryPipe is what the goroutines of one dry run share.
type dryPipe struct {
	free, work, order chan *dryBatch
	stop              chan struct{} // closed by the writer when the run ends early
	stopOnce          sync.Once
	decide            bool // the pool decides every row (no index, no resumed report)
	pre               sheet.Preformatter
}

// dryDispatch is dispatch for a dry run (see above).
func (r *run) dryDispatch(ctx context.Context, rd sheet.Reader, rw *reportWriter) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	inFlight := workers + 2 // batches between reading and writing: bounds memory
	p := &dryPipe{
		free: make(chan *dryBatch, inFlight), work: make(chan *dryBatch, inFlight), order: make(chan *dryBatch, inFlight),
		stop: make(chan struct{}), decide: r.idx == nil && r.old == nil,
	}
	if p.decide {
		p.pre, _ = sheet.AsPreformatter(rw.w) // nil for an XLSX report: the writer formats
	}
	for range inFlight {
		p.free <- &dryBatch{ready: make(chan struct{}, 1)}
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var cells []string
			for b := range p.work {
				cells = r.dryWork(ctx, p, b, cells)
				b.ready <- struct{}{}
			}
		})
	}
	var writeErr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		writeErr = r.dryWrite(ctx, p, rw)
	}()

	readErr := r.dryRead(rd, p)
	close(p.work)
	close(p.order)
	<-written
	wg.Wait()
	if writeErr != nil {
		return writeErr
	}
	return readErr
}

// dryRead cuts the input into batches, in file order, until its end, an
// error or the writer's stop. An error of the input's structure (a
// misplaced quote) comes after the batches of the rows before it.
func (r *run) dryRead(rd sheet.Reader, p *dryPipe) error {
	chunker, chunked := rd.(sheet.Chunker)
	for {
		select {
		case <-p.stop:
			return nil
		default:
		}
		b := <-p.free
		end := false
		if chunked {
			c, err := chunker.NextChunk()
			if err != nil {
				p.free <- b
				if errors.Is(err, io.EOF) {
					return nil
				}
				return fmt.Errorf("%w: %w", ErrBadInput, err)
			}
			b.chunk = c
		} else if end = readRows(rd, b); len(b.rows) == 0 && b.err == nil {
			p.free <- b
			return nil
		}
		p.work <- b
		p.order <- b
		if end {
			return nil
		}
	}
}

// readRows reads up to dryBatchRows rows of an XLSX sheet into b; end is
// true at the sheet's end or an error (kept in b.err, after the rows).
func readRows(rd sheet.Reader, b *dryBatch) (end bool) {
	for len(b.rows) < dryBatchRows {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			b.err = fmt.Errorf("%w: %w", ErrBadInput, err)
			return true
		}
		b.rows = append(b.rows, row)
	}
	return false
}

// dryWork is one batch's work in the pool: parse, map, check and, when the
// pool decides, the report lines. cells is the worker's scratch space.
func (r *run) dryWork(ctx context.Context, p *dryPipe, b *dryBatch, cells []string) []string {
	each := func(row sheet.Row) error {
		if b.n == len(b.entries) {
			b.entries = append(b.entries, dryEntry{})
		}
		e := &b.entries[b.n]
		b.n++
		r.mapRowInto(&e.it, row) // the entry's slices are reused
		e.decided = false
		switch {
		case ctx.Err() != nil:
			e.it.line, e.decided = interrupted(e.it.base()), true
		case p.decide:
			r.check(&e.it)
			e.it.line, e.decided = r.answer(&e.it), true
		default:
			r.check(&e.it)
		}
		return nil
	}
	if b.chunk != nil {
		// Entries are big: grow them once to what the chunk can hold, not
		// row by row (the batch keeps them for the next chunks).
		b.entries = slices.Grow(b.entries, max(0, b.chunk.MaxRows()-len(b.entries)))
		if err := b.chunk.Scan(each); err != nil {
			b.err = fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		b.chunk = nil
	}
	b.entries = slices.Grow(b.entries, max(0, len(b.rows)-len(b.entries)))
	for _, row := range b.rows {
		_ = each(row)
	}
	if p.pre != nil {
		sha, known := r.fp.ready()
		if !known {
			sha, b.patch = shaPending, true
		}
		for i := range b.n {
			cells = b.entries[i].it.line.appendCells(cells[:0], sha)
			b.out = p.pre.AppendRecord(b.out, cells)
			if b.patch {
				b.ends = append(b.ends, len(b.out))
			}
		}
	}
	return cells
}

// answer is a dry run's line for a checked row: invalid, or what would be
// sent.
func (r *run) answer(it *item) Line {
	if it.line.Status != "" {
		return it.line
	}
	return r.dry(it)
}

// dryWrite writes the batches' lines in file order and returns the first
// error: the input's, the fingerprint's or the report's. After an error it
// stops the reader and lets the batches in flight go unwritten; the lines
// it kept are written all the same (they are rows before the error).
func (r *run) dryWrite(ctx context.Context, p *dryPipe, rw *reportWriter) error {
	var err error
	var kept parked
	lastDescribe := time.Time{}
	for b := range p.order {
		<-b.ready
		if err == nil {
			if err = r.dryWriteBatch(ctx, p, b, rw, &kept); err != nil {
				p.stopOnce.Do(func() { close(p.stop) })
			}
			rw.cfg.progress.Add(int64(b.n))
			if now := time.Now(); now.Sub(lastDescribe) > 200*time.Millisecond {
				lastDescribe = now
				rw.describe()
			}
		}
		b.recycle()
		p.free <- b
	}
	if kept.n > 0 {
		if kerr := r.unpark(rw, p, &kept); err == nil {
			err = kerr
		}
	}
	return err
}

// parked is report lines formatted before the fingerprint was known.
type parked struct {
	out  []byte
	ends []int
	n    int
}

func (r *run) dryWriteBatch(ctx context.Context, p *dryPipe, b *dryBatch, rw *reportWriter, kept *parked) error {
	n := b.n
	if p.pre != nil {
		for i := range n {
			rw.count(b.entries[i].it.line.Status)
		}
		if b.patch || kept.n > 0 {
			if _, known := r.fp.ready(); !known && len(kept.out)+len(b.out) <= r.cfg.parkBytes {
				base := len(kept.out)
				if need := base + len(b.out); need > cap(kept.out) { // grow, but never past the budget
					grown := make([]byte, base, min(max(2*cap(kept.out), need), r.cfg.parkBytes))
					copy(grown, kept.out)
					kept.out = grown
				}
				kept.out = append(kept.out, b.out...)
				for _, e := range b.ends {
					kept.ends = append(kept.ends, base+e)
				}
				kept.n += n
				return b.err
			}
			if err := r.unpark(rw, p, kept); err != nil {
				return err
			}
			if b.patch {
				if err := patchSHA(b.out, b.ends, r.sha); err != nil {
					return err
				}
			}
		}
		if err := rw.writeFormatted(p.pre, b.out, n); err != nil {
			return err
		}
		return b.err
	}
	if err := r.learnSHA(rw); err != nil { // the lines below are formatted here, with it
		return err
	}
	for i := range n {
		e := &b.entries[i]
		if r.old != nil {
			ol, err := r.old.lookup(e.it.num)
			if err != nil {
				rw.write(Line{Row: e.it.num, Status: StatusSkipped, Code: CodeInterrupted, Message: err.Error()})
				return fmt.Errorf("%w: %w", ErrBadInput, err)
			}
			if ol != nil && ol.Status.finished() {
				rw.write(*ol)
				continue
			}
		}
		switch {
		case e.decided:
			rw.write(e.it.line)
		case ctx.Err() != nil && e.it.line.Status == "":
			rw.write(interrupted(e.it.base()))
		default:
			rw.write(r.answer(&e.it))
		}
	}
	if err := rw.flush(); err != nil {
		return err
	}
	return b.err
}

// learnSHA waits for the fingerprint, for the writer's goroutine.
func (r *run) learnSHA(rw *reportWriter) error {
	if r.sha != "" {
		return nil
	}
	sha, err := r.fp.wait()
	if err != nil {
		return err
	}
	r.sha, rw.sha = sha, sha
	return nil
}

// unpark waits for the fingerprint and writes the kept lines with it.
func (r *run) unpark(rw *reportWriter, p *dryPipe, kept *parked) error {
	if err := r.learnSHA(rw); err != nil {
		return err
	}
	if kept.n == 0 {
		return nil
	}
	if err := patchSHA(kept.out, kept.ends, r.sha); err != nil {
		return err
	}
	err := rw.writeFormatted(p.pre, kept.out, kept.n)
	*kept = parked{}
	return err
}

// patchSHA writes sha over the shaPending that ends each line of out (the
// report's last cell, before its LF).
func patchSHA(out []byte, ends []int, sha string) error {
	for _, e := range ends {
		at := e - 1 - len(shaPending)
		if at < 0 || out[e-1] != '\n' || string(out[at:e-1]) != shaPending || len(sha) != len(shaPending) {
			return fmt.Errorf("internal error: a report line does not end with the fingerprint's place (%q)", out[max(0, at):e])
		}
		copy(out[at:], sha)
	}
	return nil
}
