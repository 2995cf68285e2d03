package importer

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// reportWriter writes the report's lines as the run pool emits them: in
// input order, from the pool's one emitting goroutine, so the pool's window
// bounds the rows between read and written. Lines go to a CSV file
// (run.ReportFile), one at a time: the report itself, or for an XLSX report
// its record beside it (run.RecordPath), which is rendered as the XLSX when the
// run ends. A real run flushes every line; a dry run every dryFlushLines.
type reportWriter struct {
	// The run whose report it is: its config, fingerprint, tally, and
	// events, where each line settles in input order.
	*run
	account string // the account the run writes to (a hash, never the token)

	path string             // the CSV file written as the run goes (not cfg.Report: render it from path at the end)
	out  *events.ReportFile // path, open (run.file is the input's base name)

	err       error // the first write's or flush's
	lastRow   int   // the row of the last line written
	unflushed int   // lines written since the last flush
}

func newReportWriter(r *run, total int64) (*reportWriter, error) {
	rw := &reportWriter{run: r, account: accountOf(r.api), path: r.cfg.Report}
	// (A name without a known extension gets CSV.)
	if format, err := sheet.FormatOf(r.cfg.Report, ""); err == nil && format == "xlsx" {
		rw.path = events.RecordPath(r.cfg.Report)
	}
	var err error
	if rw.out, err = events.CreateReportFile(rw.path, r.cfg.recordKey, r.cfg.reportWrap); err != nil {
		return nil, err
	}
	// A dry run sends nothing: its rows go at no limit.
	r.ev.Begin(events.Phase{Name: "import", Total: total, Unit: "rows", Paced: !r.cfg.DryRun, Settles: true, ETA: r.eta})
	return rw, nil
}

// dryFlushLines is how many lines a dry run writes between flushes (a real
// run flushes every line: a crash loses at most the rows in flight).
const dryFlushLines = 1024

// put writes the next line: counted, settled on the events, signed after
// the line before it and guarded against formulas.
func (rw *reportWriter) put(l events.Line) {
	if rw.cfg.DryRun {
		l.Note = events.DryRunNote
	}
	l.InputSHA, l.Account = rw.sha, rw.account
	rw.tally.add(&l)
	c := l // the Item's line is a copy, which a printer may keep
	it := events.Item{Row: l.Row, Status: string(l.Status), Reason: l.Message, Line: &c}
	if l.Earlier { // a resumed line was done by an earlier run: no part of this one's rate
		rw.ev.Kept(it)
	} else {
		rw.ev.Settle(it)
	}
	if rw.cfg.OnLine != nil {
		rw.cfg.OnLine(&l)
	}
	if rw.err != nil {
		return
	}
	if err := rw.out.Append(l.Cells()); err != nil {
		rw.failed(err, l.Row)
	}
	rw.lastRow = l.Row
	if rw.unflushed++; !rw.cfg.DryRun || rw.unflushed >= dryFlushLines {
		rw.flush()
	}
}

func (rw *reportWriter) flush() {
	rw.unflushed = 0
	if rw.err != nil {
		return
	}
	if err := rw.out.Flush(); err != nil {
		rw.failed(err, rw.lastRow)
	}
}

// failed keeps the first error and stops the run: a row is only sent
// while its line can be kept.
func (rw *reportWriter) failed(err error, row int) {
	rw.err = err
	rw.halt(err, row)
}

// eta is how long the rows left take at the limit, or until the carried
// creates waiting to land are looked up if that is later (0: not known).
func (r *run) eta(left int64) (time.Duration, string) {
	if r.cfg.ETA == nil {
		return 0, ""
	}
	eta, why := r.cfg.ETA(int(left)), "limit"
	if d := time.Until(r.landing.by()); d > eta { // none waiting: the zero time, long past
		eta, why = d, "in-doubt rows settle"
	}
	return eta, why
}

// close finishes the file once the pool emitted every line and, for an
// XLSX report, renders it from the record (which is then removed).
func (rw *reportWriter) close() error {
	rw.ev.End()
	rw.flush()
	if err := rw.out.Close(); err != nil && rw.err == nil {
		rw.err = err
	}
	if rw.err != nil || rw.path == rw.cfg.Report {
		return rw.err
	}
	if err := renderXLSX(rw.path, rw.cfg.Report, rw.tally.fields()); err != nil {
		return fmt.Errorf("writing the report %s (its lines are in %s): %w", rw.cfg.Report, rw.path, err)
	}
	if err := os.Remove(rw.path); err != nil {
		return fmt.Errorf("removing the report's record %s: %w", rw.path, err)
	}
	return nil
}

// renderXLSX writes the report's XLSX from its CSV record: the report's
// columns, then a "before" and an "after" column for every field that
// changed (in field-table order), so a person can filter by field.
func renderXLSX(record, path string, fields []string) error {
	rs, err := events.OpenCSVRecords(record)
	if err != nil {
		return err
	}
	defer rs.Close()
	header := events.Columns()
	for _, f := range fields {
		header = append(header, f+" before", f+" after")
	}
	w, err := sheet.Create(path+".tmp", sheet.CreateOptions{Format: "xlsx", XLSX: events.XLSXOptions()})
	if err != nil {
		return err
	}
	if err = w.Write(header); err == nil {
		err = eachLine(rs, func(cells events.Cells, l events.Line) error {
			byField := events.ChangesByField(l.ChangesText())
			for _, f := range fields {
				c := byField[f]
				cells = append(cells, c[0], c[1])
			}
			return w.Write(cells)
		})
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err != nil {
		_ = os.Remove(path + ".tmp")
	}
	return err
}

// fieldOrder sorts field names (and extra_<ID>) in the field table's order.
func fieldOrder(a, b string) int {
	ea, aok := strings.CutPrefix(a, "extra_")
	eb, bok := strings.CutPrefix(b, "extra_")
	switch {
	case aok && bok:
		return baselinker.CompareExtraIDs(ea, eb)
	case aok:
		return 1
	case bok:
		return -1
	}
	return cmp.Or(baselinker.FieldPosition(a)-baselinker.FieldPosition(b), strings.Compare(a, b))
}

// ReportXLSX writes the report at report (a CSV report crmbulk wrote, an
// import's or an undo's) to path as the XLSX report a run given an .xlsx
// --report writes: the same columns, then a "before" and an "after"
// column for every field a line changed, for a person to filter by field.
func ReportXLSX(report, path string) error {
	rs, err := events.OpenCSVRecords(report)
	if err != nil {
		return err
	}
	fields := map[string]bool{}
	err = eachLine(rs, func(_ events.Cells, l events.Line) error {
		for f := range events.ChangesByField(l.ChangesText()) {
			fields[f] = true
		}
		return nil
	})
	if cerr := rs.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return renderXLSX(report, path, slices.SortedFunc(maps.Keys(fields), fieldOrder))
}
