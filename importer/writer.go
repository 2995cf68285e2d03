package importer

import (
	"fmt"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/sheet"
)

// reportWriter is the one goroutine that writes report lines, in input
// order, from a reorder buffer bounded by the number of rows in flight.
type reportWriter struct {
	w     sheet.Writer
	sha   string
	cfg   config
	total int64

	slots chan struct{} // one per row between "read" and "written"
	in    chan msg
	done  chan struct{}

	started bool

	// owned by the writer goroutine until done is closed
	rows   int
	counts map[Status]int
	buf    []string // the cells of the line being written
	err    error
}

type msg struct {
	seq  int
	line Line
}

func newReportWriter(w sheet.Writer, sha string, cfg config, total int64) *reportWriter {
	window := 4 * cfg.workers
	if window < 16 {
		window = 16
	}
	rw := &reportWriter{w: w, sha: sha, cfg: cfg, total: total, slots: make(chan struct{}, window),
		in: make(chan msg, window), done: make(chan struct{}), counts: map[Status]int{}}
	rw.err = w.Write(ReportHeader())
	if rw.err == nil {
		rw.err = w.Flush()
	}
	return rw
}

// start runs the goroutine that takes lines from put; a dry run calls write
// from its own ordered goroutine instead.
func (rw *reportWriter) start() {
	rw.started = true
	go rw.loop()
}

// acquire reserves a place in the reorder window for the next row.
func (rw *reportWriter) acquire() { rw.slots <- struct{}{} }

// put hands the line of row seq to the writer.
func (rw *reportWriter) put(seq int, l Line) { rw.in <- msg{seq, l} }

func (rw *reportWriter) loop() {
	defer close(rw.done)
	pending := make(map[int]Line, cap(rw.slots))
	next := 0
	lastDescribe := time.Time{}
	for m := range rw.in {
		pending[m.seq] = m.line
		for {
			l, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			rw.write(l)
			rw.cfg.progress.Add(1)
			<-rw.slots
			if now := time.Now(); now.Sub(lastDescribe) > 200*time.Millisecond {
				lastDescribe = now
				rw.describe()
			}
		}
	}
}

func (rw *reportWriter) write(l Line) {
	rw.count(l.Status)
	if rw.err != nil {
		return
	}
	rw.buf = l.appendCells(rw.buf[:0], rw.sha)
	if err := rw.w.Write(rw.buf); err != nil {
		rw.err = fmt.Errorf("writing the report %s: %w", rw.cfg.report, err)
		return
	}
	if !rw.cfg.dryRun { // a dry run flushes once a batch (dryWriteBatch)
		_ = rw.flush()
	}
}

// count counts a line that is written (or formatted for writeFormatted).
func (rw *reportWriter) count(s Status) {
	rw.rows++
	rw.counts[s]++
}

// writeFormatted writes n lines formatted by p (the report writer's
// Preformatter), already counted, and flushes them.
func (rw *reportWriter) writeFormatted(p sheet.Preformatter, lines []byte, n int) error {
	if rw.err != nil {
		return rw.err
	}
	if err := p.WriteFormatted(lines, n); err != nil {
		rw.err = fmt.Errorf("writing the report %s: %w", rw.cfg.report, err)
		return rw.err
	}
	return rw.flush()
}

func (rw *reportWriter) flush() error {
	if rw.err != nil {
		return rw.err
	}
	if err := rw.w.Flush(); err != nil {
		rw.err = fmt.Errorf("writing the report %s: %w", rw.cfg.report, err)
	}
	return rw.err
}

func (rw *reportWriter) describe() {
	var b strings.Builder
	for _, st := range Statuses() {
		if n := rw.counts[st]; n > 0 {
			if b.Len() > 0 {
				b.WriteString(" · ")
			}
			fmt.Fprintf(&b, "%s %d", st, n)
		}
	}
	if rw.cfg.eta != nil && rw.total >= 0 && !rw.cfg.dryRun {
		if left := rw.total - int64(rw.rows); left > 0 {
			fmt.Fprintf(&b, " · ETA %s (limit)", rw.cfg.eta(int(left)).Round(time.Second))
		}
	}
	rw.cfg.progress.Describe(b.String())
}

// close waits for every line and finishes the file.
func (rw *reportWriter) close() error {
	if rw.started {
		close(rw.in)
		<-rw.done
	}
	rw.describe()
	if err := rw.w.Close(); err != nil && rw.err == nil {
		rw.err = fmt.Errorf("closing the report %s: %w", rw.cfg.report, err)
	}
	return rw.err
}
