package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/progress"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/crmbulk/crmbulk/validate"
)

// Errors Run returns besides input errors (which name file, row and column).
var (
	// ErrFatal: the API refused a request in a way no other request can
	// succeed (authentication): the run stopped; later rows are "skipped".
	ErrFatal = errors.New("the run stopped on a fatal API error")
	// ErrInterrupted: ctx was cancelled; in-flight requests were let finish
	// and the rest of the rows are "skipped" with error_code INTERRUPTED.
	ErrInterrupted = errors.New("the import was interrupted")
	// ErrInputChanged: --resume was given a report made from another file.
	ErrInputChanged = errors.New("the input file is not the one the report was made from")
	// ErrBadInput marks a problem with the input, the mapping or the options
	// found before anything was sent.
	ErrBadInput = errors.New("bad input")
)

// Summary is what a run did.
type Summary struct {
	Rows     int            // report lines written (= non-blank input rows)
	Counts   map[Status]int // lines by status
	Requests int64          // requests sent: with a client that counts them (Stats), retries included — what the limit saw; else the importer's own calls
	Elapsed  time.Duration
	Report   string // path of the report
	Journal  string // path of the journal when it was kept (unsettled writes), else ""
	DryRun   bool
	InputSHA string // first 16 hex characters of the input file's SHA-256
}

// LogAttrs is the summary as slog attributes, for --log-format json.
func (s Summary) LogAttrs() []any {
	attrs := []any{"rows", s.Rows}
	for _, st := range Statuses() {
		attrs = append(attrs, string(st), s.Counts[st])
	}
	attrs = append(attrs, "requests", s.Requests, "seconds", fmt.Sprintf("%.1f", s.Elapsed.Seconds()),
		"report", s.Report, "dry_run", s.DryRun)
	if s.Journal != "" {
		attrs = append(attrs, "journal", s.Journal)
	}
	return attrs
}

// Problems is the number of rows that were invalid or failed.
func (s Summary) Problems() int { return s.Counts[StatusInvalid] + s.Counts[StatusFailed] }

// String formats the summary for people: counts by status, requests, time.
func (s Summary) String() string {
	var b strings.Builder
	if s.DryRun {
		b.WriteString("dry run (nothing sent): ")
	}
	fmt.Fprintf(&b, "%d rows:", s.Rows)
	for _, st := range Statuses() {
		fmt.Fprintf(&b, " %s %d", st, s.Counts[st])
		if st != StatusSkipped {
			b.WriteString(",")
		}
	}
	fmt.Fprintf(&b, "; %d requests in %s; report %s", s.Requests, s.Elapsed.Round(time.Millisecond), s.Report)
	if s.Journal != "" {
		fmt.Fprintf(&b, "; journal kept at %s (resume with --resume to settle it)", s.Journal)
	}
	return b.String()
}

// DefaultReportPath is FILE without its extension + ".report.csv", or
// + ".dry-run.report.csv" for a dry run: a dry run never overwrites the
// report a real run may have to resume from.
func DefaultReportPath(input string, dryRun bool) string {
	if dryRun {
		return strings.TrimSuffix(input, filepath.Ext(input)) + ".dry-run.report.csv"
	}
	return strings.TrimSuffix(input, filepath.Ext(input)) + ".report.csv"
}

// FileSHA returns the first 16 hex characters of the SHA-256 of the file's bytes.
func FileSHA(path string) (string, error) {
	f, err := openInput(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return hashInput(f, filepath.Base(path))
}

// openInput opens the input file, with advice when it cannot be.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		hint := "check that the file may be read, and that it is not open in another program"
		if errors.Is(err, fs.ErrNotExist) {
			hint = "check the file's name and the folder crmbulk is run in"
		}
		return nil, fmt.Errorf("%w: %w — %s", ErrBadInput, err, hint)
	}
	return f, nil
}

// hashInput is FileSHA of the input's bytes, read from r.
func hashInput(r io.Reader, name string) (string, error) {
	h := sha256.New()
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{r}, make([]byte, 1<<20)); err != nil { // big reads: a tenth of the system calls of io.Copy's 32 KiB
		return "", fmt.Errorf("%w: reading %s: %w", ErrBadInput, name, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// shaPending stands in a report line for the fingerprint while it is
// being computed (as long as a fingerprint, and as plain: it needs no quotes).
const shaPending = "0000000000000000"

// fingerprint is the input's FileSHA, computed on a goroutine of its own:
// a dry run reads, maps and checks rows meanwhile (see dryWrite).
type fingerprint struct {
	done chan struct{}
	stop chan struct{} // closed by cancel
	sha  string
	err  error
}

// errStopped ends a fingerprint nobody waits for any more.
var errStopped = errors.New("the run ended")

// startFingerprint opens path (an error here is returned at once) and
// hashes it on its own goroutine with hash.
func startFingerprint(path string, hash func(io.Reader, string) (string, error)) (*fingerprint, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	fp := &fingerprint{done: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(fp.done)
		defer f.Close()
		fp.sha, fp.err = hash(stopReader{f, fp.stop}, filepath.Base(path))
	}()
	return fp, nil
}

// stopReader reads r until stop is closed.
type stopReader struct {
	r    io.Reader
	stop chan struct{}
}

func (s stopReader) Read(p []byte) (int, error) {
	select {
	case <-s.stop:
		return 0, errStopped
	default:
		return s.r.Read(p)
	}
}

// ready returns the fingerprint if it is known, without waiting.
func (fp *fingerprint) ready() (string, bool) {
	select {
	case <-fp.done:
		return fp.sha, fp.err == nil
	default:
		return "", false
	}
}

// wait waits for the fingerprint.
func (fp *fingerprint) wait() (string, error) {
	<-fp.done
	return fp.sha, fp.err
}

// cancel stops the hashing (at its next read) and waits for it, so the
// input is closed when Run returns.
func (fp *fingerprint) cancel() {
	close(fp.stop)
	<-fp.done
}

// countingAPI counts the calls the importer makes.
type countingAPI struct {
	API
	n atomic.Int64
}

func (c *countingAPI) GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error) {
	c.n.Add(1)
	return c.API.GetCrmClients(ctx, page, f)
}

func (c *countingAPI) AddCrmClient(ctx context.Context, f baselinker.ClientFields) (int64, error) {
	c.n.Add(1)
	return c.API.AddCrmClient(ctx, f)
}

// run is the state of one import.
type run struct {
	cfg     config
	api     *countingAPI
	input   string
	file    string // base name, for messages
	fp      *fingerprint
	sha     string // the fingerprint, once a goroutine that writes has it (see fingerprint)
	plan    *mapping.Plan
	idx     *index
	chains  *chains
	jnl     *journal
	pending map[int]pendingSend // unsettled writes of a resumed run, by row
	old     *oldReport

	sendCtx context.Context // detached from the run's ctx: in-flight requests finish after an interrupt

	stopOnce sync.Once
	stop     chan struct{}
	fatalErr error
	fatalRow int

	placeholder int64 // dry run: fake IDs of clients that would be created (one goroutine decides)
}

// Run imports the rows of the CSV or XLSX file input through api and writes
// the report. It returns the summary and, besides errors of the input (which
// wrap ErrBadInput, name the file, row and column, and are found before
// anything is sent), ErrFatal (wrapping the API's error), ErrInterrupted or
// ErrInputChanged. Rows that were invalid or failed are not an error: see
// Summary.Problems.
func Run(ctx context.Context, api API, input string, opts ...Option) (sum Summary, err error) {
	cfg := config{workers: DefaultWorkers, drainTimeout: DefaultDrainTimeout, hash: hashInput, parkBytes: dryParkBytes}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.workers < 1 {
		cfg.workers = 1
	}
	if cfg.progress == nil {
		cfg.progress = progress.Nop{}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.report == "" {
		cfg.report = DefaultReportPath(input, cfg.dryRun)
	}
	if m := cfg.mapping; m != nil { // the mapping's source: and match_by, unless set
		cfg.sheet = m.SheetOptions(cfg.sheet)
		if cfg.matchBy == "" {
			cfg.matchBy = m.MatchBy
		}
	}
	start := time.Now()
	r := &run{cfg: cfg, api: &countingAPI{API: api}, input: input, file: filepath.Base(input),
		chains: newChains(), stop: make(chan struct{})}
	sum = Summary{Counts: map[Status]int{}, Report: cfg.report, DryRun: cfg.dryRun}
	st, hasStats := api.(interface{ Stats() baselinker.Stats })
	var before int64
	if hasStats {
		before = st.Stats().Requests
	}
	defer func() {
		sum.Elapsed = time.Since(start)
		sum.Requests = r.api.n.Load()
		if hasStats {
			sum.Requests = st.Stats().Requests - before
		}
	}()

	if cfg.matchBy != "" && !slices.Contains(baselinker.MatchKeyFields(), cfg.matchBy) {
		return sum, fmt.Errorf("%w: --match-by %q: clients can be matched by %s", ErrBadInput, cfg.matchBy,
			strings.Join(baselinker.MatchKeyFields(), ", "))
	}
	if same(cfg.report, input) {
		return sum, fmt.Errorf("%w: the report path %s is the input file; give another --report", ErrBadInput, cfg.report)
	}
	// The fingerprint: a real run and a resume need it before anything else
	// (a resume refuses a report of another file); a dry run only to write
	// its first line, so it hashes while the rows are read and checked.
	if r.fp, err = startFingerprint(input, cfg.hash); err != nil {
		return sum, err
	}
	defer func() {
		r.fp.cancel()
		if sha, ok := r.fp.ready(); ok {
			sum.InputSHA = sha
		}
	}()
	if !cfg.dryRun || cfg.resume != "" {
		if r.sha, err = r.fp.wait(); err != nil {
			return sum, err
		}
	}

	// The header and the plan: every mapping problem before anything else.
	rd, err := sheet.Open(input, cfg.sheet)
	if err != nil {
		return sum, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	defer rd.Close()
	if err := r.bind(rd.Header()); err != nil {
		return sum, err
	}

	total := int64(-1)
	if !cfg.dryRun {
		n, err := r.firstPass()
		if err != nil {
			return sum, err
		}
		total = int64(n)
	}
	if cfg.resume != "" {
		if err := r.openResume(); err != nil {
			return sum, err
		}
		defer func() { _ = r.old.close() }() // r.old may be reopened as REPORT.prev
	}

	if cfg.matchBy != "" {
		r.idx = newIndex(cfg.matchBy)
		cfg.progress.Start("reading clients for --match-by "+cfg.matchBy, -1, "clients")
		err := r.idx.walk(ctx, r.api, func(n int) { cfg.progress.Add(int64(n)) })
		cfg.progress.Finish()
		if err != nil {
			if ctx.Err() != nil {
				return sum, fmt.Errorf("%w: %w", ErrInterrupted, err)
			}
			if baselinker.Classify(err) == baselinker.ClassFatal {
				return sum, fmt.Errorf("%w: %w", ErrFatal, err)
			}
			return sum, err
		}
	}

	// Only now, with nothing left to refuse the run, may the old report
	// make way for the new one at its path.
	if err := r.moveOldReportAside(); err != nil {
		return sum, err
	}
	w, err := sheet.Create(cfg.report, sheet.CreateOptions{CSV: sheet.CSVWriterOptions{GuardFormulas: true}})
	if err != nil {
		return sum, fmt.Errorf("creating the report: %w", err)
	}
	if !cfg.dryRun {
		if r.jnl, err = createJournal(cfg.report+".journal", r.pending); err != nil {
			_ = w.Close()
			return sum, err
		}
	}

	sendCtx, cancelSend := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSend()
	r.sendCtx = sendCtx
	finished := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			t := time.NewTimer(cfg.drainTimeout)
			defer t.Stop()
			select {
			case <-t.C:
				cancelSend()
			case <-finished:
			}
		case <-finished:
		}
	}()

	cfg.progress.Start("import", total, "rows")
	rw := newReportWriter(w, r.sha, cfg, total)
	var runErr error
	if cfg.dryRun {
		runErr = r.dryDispatch(ctx, rd, rw)
	} else {
		rw.start()
		runErr = r.dispatch(ctx, rd, rw)
	}
	close(finished)
	werr := rw.close()
	cfg.progress.Finish()
	sum.Rows, sum.Counts = rw.rows, rw.counts

	kept, jerr := r.jnl.close()
	if kept {
		sum.Journal = r.jnl.path
	}
	switch {
	case runErr != nil:
		return sum, runErr
	case werr != nil:
		return sum, werr
	case r.fatalErr != nil:
		return sum, fmt.Errorf("%w: row %d: %w; the report %s lists the rows not attempted (skipped); fix the cause and run again with --resume %s",
			ErrFatal, r.fatalRow, r.fatalErr, cfg.report, cfg.report)
	case ctx.Err() != nil:
		return sum, fmt.Errorf("%w: the report %s lists the rows not sent (skipped, INTERRUPTED); run again with --resume %s: %w",
			ErrInterrupted, cfg.report, cfg.report, ctx.Err())
	case jerr != nil:
		return sum, jerr
	}
	return sum, nil
}

func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// bind resolves the mapping (or the identity mapping) against the header and
// checks the match key is mapped.
func (r *run) bind(header []string) error {
	m := r.cfg.mapping
	if m == nil {
		var err error
		if m, err = mapping.Identity(header); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadInput, r.file, err)
		}
	}
	plan, err := m.Bind(header)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadInput, r.file, err)
	}
	r.plan = plan
	// What docs/mapping.md promises to say: headers matched loosely, and
	// columns nothing reads.
	for _, n := range plan.Notes() {
		r.cfg.logger.Info("mapping: "+n, "file", r.file)
	}
	if u := plan.Unused(); len(u) > 0 {
		r.cfg.logger.Info("columns not imported (no field reads them)", "file", r.file, "columns", strings.Join(u, ", "))
	}
	if k := r.cfg.matchBy; k != "" && !slices.Contains(m.Fields(), k) {
		what := "the mapping"
		if m.File != "" {
			what = m.File
		}
		return fmt.Errorf("%w: --match-by %s: %s does not map the field %s, so no row would have a key; map a column to %s or choose another key",
			ErrBadInput, k, what, k, k)
	}
	return nil
}

// firstPass reads the whole file once before anything is sent: a file that
// cannot be read to the end is refused, and the row count feeds the ETA.
func (r *run) firstPass() (int, error) {
	rd, err := sheet.Open(r.input, r.cfg.sheet)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	defer rd.Close()
	n, err := sheet.Count(rd)
	if err != nil {
		// A ragged row too: the file is not what the mapping expects, and
		// no row of it is sent until it is fixed.
		return 0, fmt.Errorf("%w: %w (nothing was sent)", ErrBadInput, err)
	}
	return n, nil
}

// openResume checks the old report belongs to this input and reads the old
// journal. If the new report takes the old one's path, moveOldReportAside
// moves it out of the way later, once the run can no longer be refused.
func (r *run) openResume() error {
	path := r.cfg.resume
	old, err := openOldReport(path, reportFormat(path))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if old.sha != "" && old.sha != r.sha {
		_ = old.close()
		return fmt.Errorf("%w: %s was made from a file with input_sha256 %s, but %s has %s; give the report of this file, or import without --resume",
			ErrInputChanged, path, old.sha, r.file, r.sha)
	}
	pending, err := readJournal(path + ".journal")
	if err != nil {
		_ = old.close()
		return err
	}
	r.old, r.pending = old, pending
	return nil
}

// moveOldReportAside renames the resumed report to REPORT.prev when the new
// report is written at its path, and reads it from there.
func (r *run) moveOldReportAside() error {
	path := r.cfg.resume
	if path == "" || !same(path, r.cfg.report) {
		return nil
	}
	_ = r.old.close()
	prev := path + ".prev"
	if err := os.Rename(path, prev); err != nil {
		return fmt.Errorf("moving the old report aside: %w", err)
	}
	old, err := openOldReport(prev, reportFormat(path))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	r.old = old
	return nil
}

// halt stops the run after a fatal API error at row.
func (r *run) halt(err error, row int) {
	r.stopOnce.Do(func() {
		r.fatalErr, r.fatalRow = err, row
		close(r.stop)
	})
}

func (r *run) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

func (r *run) notAttempted(l Line) Line {
	l.Status, l.Code = StatusSkipped, CodeNotAttempted
	l.Message = fmt.Sprintf("not attempted: the run stopped at row %d on a fatal API error; fix it and run again with --resume", r.fatalRow)
	return l
}

func interrupted(l Line) Line {
	l.Status, l.Code = StatusSkipped, CodeInterrupted
	l.Message = "not sent: the import was interrupted; run again with --resume"
	return l
}

// dispatch reads the rows in order and hands each to the pool or answers it
// at once (invalid, skipped, resumed, dry run).
func (r *run) dispatch(ctx context.Context, rd sheet.Reader, rw *reportWriter) error {
	// The pool: workers long-lived goroutines (errgroup, SetLimit) take rows
	// in file order. Rows that share a key were chained in file order by the
	// dispatcher, and the oldest row in flight never waits, so the pool
	// cannot deadlock.
	type job struct {
		seq  int
		it   *item
		keys []string
		wait []chan struct{}
		done chan struct{}
	}
	jobs := make(chan job, r.cfg.workers)
	g := &errgroup.Group{}
	g.SetLimit(r.cfg.workers)
	for range r.cfg.workers {
		g.Go(func() error {
			for j := range jobs {
				if r.check(j.it); j.it.line.Status != "" {
					r.emit(rw, j.seq, j.it.line)
				} else {
					r.emit(rw, j.seq, r.process(ctx, j.it, j.wait))
				}
				r.chains.leave(j.keys, j.done)
			}
			return nil
		})
	}
	defer func() {
		close(jobs)
		_ = g.Wait()
	}()
	for seq := 0; ; seq++ {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		rw.acquire()
		if r.old != nil {
			ol, err := r.old.lookup(row.Num)
			if err != nil {
				r.emit(rw, seq, Line{Row: row.Num, Status: StatusSkipped, Code: CodeInterrupted, Message: err.Error()})
				return fmt.Errorf("%w: %w", ErrBadInput, err)
			}
			if ol != nil && ol.Status.finished() {
				r.emit(rw, seq, *ol)
				continue
			}
		}
		it := r.mapRow(row)
		switch {
		case r.stopped():
			r.emit(rw, seq, r.notAttempted(it.base()))
			continue
		case ctx.Err() != nil:
			r.emit(rw, seq, interrupted(it.base()))
			continue
		}
		// Keys are taken here, in file order; validation and the request run
		// in the pool. (A dry run has its own dispatch: dryDispatch.)
		keys := it.chainKeys(r.idx)
		wait, done := r.chains.enter(keys)
		jobs <- job{seq: seq, it: it, keys: keys, wait: wait, done: done}
	}
}

// emit settles the row's journal entry and hands its line to the writer.
func (r *run) emit(rw *reportWriter, seq int, l Line) {
	if err := r.jnl.settle(l); err != nil && l.Note == "" {
		l.Note = err.Error()
	}
	rw.put(seq, l)
}

// item is one row on its way through the pool.
type item struct {
	num      int
	res      mapping.Result
	key      string // normalised match key ("" = none)
	keyLabel string // "field:key" for the report
	warnings string
	line     Line               // set when the row is answered without a request (invalid)
	problems []validate.Problem // check's scratch space
}

func (it *item) base() Line {
	return Line{Row: it.num, MatchKey: it.keyLabel, Warnings: it.warnings}
}

// chainKeys are the keys whose rows must run one after another.
func (it *item) chainKeys(idx *index) []string {
	var keys []string
	if it.res.ID > 0 {
		keys = append(keys, fmt.Sprintf("id:%d", it.res.ID))
	}
	if it.key != "" {
		keys = append(keys, "k:"+it.key)
		if idx != nil && it.res.ID == 0 {
			for _, id := range idx.find(it.key) {
				keys = append(keys, fmt.Sprintf("id:%d", id))
			}
		}
	}
	if e, _ := it.res.Get("email"); e != "" {
		keys = append(keys, "e:"+validate.MatchKey("email", e))
	}
	return keys
}

// mapRow maps a row and takes its match key (cheap: done in file order).
func (r *run) mapRow(row sheet.Row) *item {
	it := &item{}
	r.mapRowInto(it, row)
	return it
}

// mapRowInto is mapRow into an item of the caller's.
// Its slices are reused: no earlier copy of *it may still be in use.
func (r *run) mapRowInto(it *item, row sheet.Row) {
	res, problems := it.res, it.problems
	r.plan.ApplyTo(row.Cells, &res)
	*it = item{num: row.Num, res: res, problems: problems[:0]}
	if k := r.cfg.matchBy; k != "" {
		v, _ := it.res.Get(k)
		it.key = validate.MatchKey(k, v)
		if it.key != "" {
			it.keyLabel = k + ":" + it.key
		}
	}
}

// check validates a mapped row and puts its values in canonical form; a row
// with errors comes back with its invalid line set.
func (r *run) check(it *item) {
	ps := it.problems[:0]
	for i := range it.res.Values {
		v := &it.res.Values[i]
		rule, ok := validate.RuleAt(v.Pos)
		if !ok { // not a field of the table: the mapping lets none through
			ps = append(ps, validate.Value(v.Field, v.Text)...)
			continue
		}
		v.Text, ps = rule.Check(v.Text, ps)
	}
	validate.SortProblems(ps)
	if len(it.res.Extra) > 0 {
		ids := make([]string, len(it.res.Extra))
		for i, v := range it.res.Extra {
			ids[i] = v.Field
		}
		baselinker.SortExtraIDs(ids)
		for _, id := range ids {
			for _, v := range it.res.Extra {
				if v.Field == id {
					ps = validate.Extra(id, v.Text, ps)
				}
			}
		}
	}
	it.problems = ps
	if len(ps) == 0 && len(it.res.Problems) == 0 {
		return // the common row: nothing to say
	}
	var errs, warns, cols []string
	addCol := func(c string) {
		if c != "" && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	for _, p := range it.res.Problems {
		errs = append(errs, fmt.Sprintf("row %d, %s (%s), value %q: mapping: %s", it.num, columnRef(p.Column), p.Field, p.Value, p.Msg))
		addCol(p.Column)
	}
	for _, p := range ps {
		_, col := r.plan.Source(p.Field)
		msg := fmt.Sprintf("row %d, %s (%s), value %q: %s: %s", it.num, columnRef(col), p.Field, p.Value, p.Rule, p.Message)
		if p.Severity == validate.Warning {
			warns = append(warns, msg)
			continue
		}
		errs = append(errs, msg)
		addCol(col)
	}
	it.warnings = strings.Join(warns, "; ")
	if len(errs) > 0 {
		it.line = it.base()
		it.line.Status, it.line.Code = StatusInvalid, CodeInvalid
		it.line.Message = strings.Join(errs, "; ")
		it.line.Column = strings.Join(cols, "; ")
	}
}

func columnRef(header string) string {
	if header == "" {
		return "no column (a constant of the mapping)"
	}
	return fmt.Sprintf("column %q", header)
}

// target decides what a row does: update id (found), create (!found), or
// answer at once (line set: ambiguous, unchanged).
func (r *run) target(it *item) (id int64, found bool, done *Line) {
	if it.res.ID > 0 {
		id, found = it.res.ID, true
	} else if r.idx != nil && it.key != "" {
		ids := r.idx.find(it.key)
		switch len(ids) {
		case 0:
		case 1:
			id, found = ids[0], true
		default:
			l := it.base()
			l.Status, l.Code = StatusFailed, CodeAmbiguous
			l.Message = fmt.Sprintf("%d clients have %s %q (crm_client_id %s); the row is not applied to any of them — add a crm_client_id column to choose one, or merge the duplicates",
				len(ids), r.cfg.matchBy, it.key, joinIDs(ids))
			return 0, false, &l
		}
	}
	if found && r.idx != nil {
		if c, ok := r.idx.client(id); ok && sameValues(&c, it.res.Values, it.res.Extra) {
			l := it.base()
			l.Status, l.ID = StatusUnchanged, max(id, 0)
			return id, true, &l
		}
	}
	return id, found, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

const dryNote = "dry run: not sent"

// dry answers a row of a dry run: what would happen, nothing sent. Without
// an index it touches nothing shared and runs on any goroutine.
func (r *run) dry(it *item) Line {
	id, found, done := r.target(it)
	if done != nil {
		done.Note = dryNote
		return *done
	}
	l := it.base()
	l.Note = dryNote
	if found {
		l.Status, l.ID = StatusUpdated, max(id, 0)
	} else {
		l.Status = StatusCreated
	}
	if r.idx != nil { // one goroutine decides the rows of a run with an index
		if !found {
			r.placeholder++
			id = -r.placeholder // a would-be client, so later rows with its key update it
		}
		r.idx.apply(id, it.res.Values)
	}
	return l
}
