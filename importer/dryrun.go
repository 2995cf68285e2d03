package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/crmbulk/crmbulk/sheet"
)

// A dry run sends nothing, so it is bound by the CPU, not by the API: rows
// travel in batches (a goroutine hand-off per row cost more than the row's
// own work) and the CPU work of a row — mapping, validation, canonical form
// — runs on every core. What depends on earlier rows (the index of a
// --match-by run: a would-be client made by one row is updated by a later
// row with its key) is decided by one goroutine in file order, which is the
// order the pool's key chains give a real run.

// dryBatchRows is how many rows travel together between the goroutines of a
// dry run.
const dryBatchRows = 256

// dryEntry is one input row of a dry run: answered by the reader (line set),
// or mapped and checked by the pool (it set).
type dryEntry struct {
	row    sheet.Row
	line   Line
	answer bool // line is the row's answer; it is not used
	it     item
}

// dryBatch is up to dryBatchRows consecutive rows.
type dryBatch struct {
	entries []dryEntry
	ready   chan struct{} // one token when the pool has checked the batch
}

// dryDispatch is dispatch for a dry run: the caller's goroutine reads, a pool
// of one worker per core maps and checks whole batches, and one goroutine
// decides and writes the lines in file order.
func (r *run) dryDispatch(ctx context.Context, rd sheet.Reader, rw *reportWriter) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	inFlight := 2*workers + 2 // batches between reading and writing: bounds memory
	free := make(chan *dryBatch, inFlight)
	for range inFlight {
		free <- &dryBatch{entries: make([]dryEntry, 0, dryBatchRows), ready: make(chan struct{}, 1)}
	}
	work := make(chan *dryBatch, inFlight)
	order := make(chan *dryBatch, inFlight)

	for range workers {
		go func() {
			for b := range work {
				for i := range b.entries {
					e := &b.entries[i]
					if e.answer {
						continue
					}
					r.mapRowInto(&e.it, e.row)
					if ctx.Err() != nil {
						e.line, e.answer = interrupted(e.it.base()), true
						continue
					}
					r.check(&e.it)
				}
				b.ready <- struct{}{}
			}
		}()
	}

	written := make(chan struct{})
	go func() {
		defer close(written)
		lastDescribe := time.Time{}
		for b := range order {
			<-b.ready
			for i := range b.entries {
				e := &b.entries[i]
				switch {
				case e.answer:
					rw.write(e.line)
				case e.it.line.Status != "":
					rw.write(e.it.line)
				case ctx.Err() != nil:
					rw.write(interrupted(e.it.base()))
				default:
					rw.write(r.dry(&e.it))
				}
				e.row, e.line = sheet.Row{}, Line{}
			}
			rw.cfg.progress.Add(int64(len(b.entries)))
			b.entries = b.entries[:0]
			free <- b
			if now := time.Now(); now.Sub(lastDescribe) > 200*time.Millisecond {
				lastDescribe = now
				rw.describe()
			}
		}
	}()

	err := r.dryRead(ctx, rd, free, work, order)
	close(work)
	close(order)
	<-written
	return err
}

// dryRead reads every row in file order into batches; rows it can answer at
// once (unreadable, finished in the resumed report, interrupted) are answered
// here. It returns a sticky read error after the rows before it were queued.
func (r *run) dryRead(ctx context.Context, rd sheet.Reader, free <-chan *dryBatch, work, order chan<- *dryBatch) error {
	b := <-free
	send := func() {
		work <- b
		order <- b
		b = <-free
	}
	defer func() {
		if len(b.entries) > 0 {
			send()
		}
	}()
	for {
		if len(b.entries) == dryBatchRows {
			send()
		}
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		b.entries = b.entries[:len(b.entries)+1] // the entry's maps are reused
		e := &b.entries[len(b.entries)-1]
		e.row, e.line, e.answer = row, Line{}, false
		if r.old != nil {
			ol, err := r.old.lookup(row.Num)
			if err != nil {
				e.line = Line{Row: row.Num, Status: StatusSkipped, Code: CodeInterrupted, Message: err.Error()}
				e.answer = true
				return fmt.Errorf("%w: %w", ErrBadInput, err)
			}
			if ol != nil && ol.Status.finished() {
				e.line, e.answer = *ol, true
				continue
			}
		}
	}
}
