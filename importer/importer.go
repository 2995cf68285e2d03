package importer

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/runlock"
	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// ErrInputChanged is returned when --resume was given a report or journal
// made from another file (with run.ErrBadInput: nothing was sent), or the
// input changed while it was imported.
var ErrInputChanged = errors.New("the input file is not the one the report was made from")

// DefaultReportPath is FILE without its extension + ".report.csv", or
// + ".dry-run.report.csv" for a dry run: a dry run never overwrites the
// report a real run may have to resume from.
func DefaultReportPath(input string, dryRun bool) string {
	stem := strings.TrimSuffix(input, filepath.Ext(input))
	if dryRun {
		return stem + ".dry-run.report.csv"
	}
	return stem + ".report.csv"
}

// FileSHA returns the first 16 hex characters of the SHA-256 of the file's bytes.
// A file that cannot be opened is refused with advice.
func FileSHA(path string) (string, error) {
	f, err := safefile.Open(path)
	if err != nil {
		hint := "check that the file may be read, and that it is not open in another program"
		if errors.Is(err, fs.ErrNotExist) {
			hint = "check the file's name and the folder crmbulk is run in"
		}
		return "", fmt.Errorf("%w: %w — %s", events.ErrBadInput, err, hint)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%w: reading %s: %w", events.ErrBadInput, filepath.Base(path), err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// run is the state of one import.
type run struct {
	cfg Config
	api API
	// send is where a planned write goes: the API's addCrmClient (a real
	// run) or a recorder's (a dry run). Everything before it — reading,
	// mapping, checks, the index, the plan — is the same in both.
	send     func(context.Context, baselinker.ClientFields) (baselinker.Added, error)
	input    string
	file     string           // base name, for messages
	sha      string           // the input's fingerprint
	disputes map[int][]string // warnings of rows that share a key and disagree, by row
	repeats  map[int]int      // rows without a key that repeat an earlier row: the first one's number, by row
	Checker                   // the plan and the match keys: what each row's own cells decide
	idx      *index           // nil when no row can be compared (no match key, no crm_client_id)
	jnl      *events.Journal
	old      *oldReport
	carry    map[int]events.Pending // writes of a resumed run that may have been sent, by row
	lineage  string                 // the journal's (run.JournalStart.Lineage): the resumed journal's, or new
	gen      int                    // the journal's run.JournalStart.Gen: one past the resumed journal's
	settled  map[int]events.Line    // rows the old journal settled and the old report lacks
	nums     []int                  // a resume's input rows, by number, in file order (read once, by scanRows)
	landing  landing                // of those carried, the creates waiting now until they can no longer land
	tally    *tally                 // the Summary as the run fills it (with the code page detected, the earlier record kept)
	locks    runlock.Set            // the run's locks (report, resumed report, input on the account)
	window   int                    // rows between read and written (the report's reorder window)
	ev       *events.Aggregator     // the run's typed events (progress.go)

	sendCtx context.Context // detached from the run's ctx: in-flight requests finish after an interrupt

	stopOnce sync.Once
	stop     chan struct{}
	fatalErr error
	fatalRow int
}

// Run imports the rows of the CSV or XLSX file input through api and writes
// the report. A dry run is the same run with a sender that records instead
// of sending. Run returns the summary and, besides errors of the input
// (which wrap run.ErrBadInput, name the file, row and column, and are found
// before anything is sent), run.ErrFatal (wrapping the API's error),
// run.ErrInterrupted or ErrInputChanged. Rows that were invalid or failed are
// not an error: see Summary.Problems.
func Run(ctx context.Context, api API, input string, cfg Config) (sum Summary, err error) {
	cfg = cfg.withDefaults(input)
	start := time.Now()
	r := &run{cfg: cfg, api: api, input: input, file: filepath.Base(input), stop: make(chan struct{}), tally: newTally()}
	r.send = (&recorder{}).add
	if !cfg.DryRun {
		r.send = func(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
			return api.AddCrmClientResult(ctx, f) // called only when a row is sent
		}
	}
	before := requestsOf(api)
	// The import's typed events, to cfg.Events: counts said in the report's
	// order of statuses, the API's waits (the run's own, the in-doubt rows
	// it settles, are added below).
	r.ev = events.NewAggregator(events.AggregatorConfig{Command: "import", Printer: cfg.Events, Statuses: statusNames(),
		Waits: []events.Wait{events.Words(cfg.Waiting)}, Requests: func() int64 { return requestsOf(api) - before }})
	r.cfg.Logger = r.ev.Logger(cfg.Logger) // its notes are the run's Messages too
	defer r.ev.Watch()()
	defer func() {
		sum = r.tally.summary(r.ev.Counts())
		sum.Report, sum.DryRun, sum.InputSHA = cfg.Report, cfg.DryRun, r.sha
		sum.Elapsed, sum.Requests = time.Since(start), requestsOf(api)-before
		r.ev.Finish(sum.String())
	}()

	rd, total, err := r.openInput()
	if err != nil {
		return sum, err
	}
	defer rd.Close()
	// Before the first request: the locks, then everything a resume must
	// prove (an edited or forged report costs nothing).
	if err := r.lock(); err != nil {
		return sum, err
	}
	defer func() { _ = r.locks.Release() }()
	if err := r.guardRerun(); err != nil {
		return sum, err
	}
	if err := r.openResume(); err != nil {
		return sum, err
	}
	// The resumed report is closed on every way out (settle closes it
	// before the journal; closing it again does nothing).
	defer func() { _ = r.old.close() }()
	// The Updates say the wait of the creates waiting to land, and until
	// when, after the API's waits (the bar says it with its countdown, the
	// log when it begins and while it lasts); the ETA lasts until then at
	// least. Every run says it: a lost answer may make any real run wait.
	r.ev.AddWait(func() (string, time.Time) { return r.landing.waiting(), r.landing.by() })
	r.window = r.reorder()
	r.prepareStatuses(ctx)
	if err := r.readIndex(ctx); err != nil {
		return sum, err
	}
	rw, err := r.createReport(total)
	if err != nil {
		return sum, err
	}
	runErr := r.rows(ctx, rd, rw)
	werr := rw.close()
	if runErr == nil {
		runErr = r.checkUnchanged()
	}
	return sum, r.settle(ctx, runErr, werr)
}

// checkUnchanged fingerprints the input again at the end: a file that
// changed while it was read (saved again, cut short, replaced) was not
// imported as the report's fingerprint says.
func (r *run) checkUnchanged() error {
	sha, err := FileSHA(r.input)
	if err != nil {
		return fmt.Errorf("%w: %s could not be read again at the end of the run (%w): it changed while it was imported; the report %s says which rows were done",
			ErrInputChanged, r.file, err, r.cfg.Report)
	}
	if sha != r.sha {
		return fmt.Errorf("%w: %s changed while it was imported (input_sha256 %s at the start, %s at the end): the report %s says which rows were done, from the file as it was read; "+
			"import the file as it is now with a match key (another: invoice_tax_id, login), so that rows already done are found, not created again:%s",
			ErrInputChanged, r.file, r.sha, sha, r.cfg.Report, r.cfg.matchedRerun())
	}
	return nil
}

// accountOf names the account an API writes to (API.Account), "" without
// an API (a dry run that reads nothing).
func accountOf(api API) string {
	if api == nil {
		return ""
	}
	return api.Account()
}

// requestsOf is the API's request count (0 without an API: a dry run that reads nothing).
func requestsOf(api API) int64 {
	if api == nil {
		return 0
	}
	return api.Stats().Requests
}

// openInput checks the options, fingerprints the input, binds the mapping
// to its header and reads it once to the end (a file that cannot be read
// whole is refused before anything is sent; the count feeds the ETA).
func (r *run) openInput() (*sheet.Reader, int64, error) {
	cfg := r.cfg
	for i, k := range cfg.MatchBy {
		if !slices.Contains(baselinker.MatchKeyFields(), k) {
			return nil, 0, fmt.Errorf("%w: --match-by %q: clients can be matched by %s", events.ErrBadInput, k,
				strings.Join(baselinker.MatchKeyFields(), ", "))
		}
		if slices.Contains(cfg.MatchBy[:i], k) {
			return nil, 0, fmt.Errorf("%w: --match-by names %s twice", events.ErrBadInput, k)
		}
	}
	for _, p := range []string{cfg.Report, cfg.Report + ".journal", events.RecordPath(cfg.Report)} {
		if SamePath(p, r.input) {
			return nil, 0, fmt.Errorf("%w: %s is the input file %s (or a link to it), and the import would overwrite it; give another --report", events.ErrBadInput, p, r.file)
		}
		if !cfg.DryRun || p == cfg.Report {
			if err := safefile.CheckWritable(p); err != nil {
				return nil, 0, fmt.Errorf("%w: %w", events.ErrBadInput, err)
			}
		}
	}
	var err error
	if r.sha, err = FileSHA(r.input); err != nil {
		return nil, 0, err
	}
	rd, err := sheet.Open(r.input, cfg.Sheet)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	if name, detected := sheet.EncodingOf(rd); detected {
		r.tally.Encoding = name
		page := events.Keyed(context.Background(), "run.encoding", map[string]string{"file": r.file, "encoding": name}) // no --encoding there
		r.cfg.Logger.InfoContext(page, fmt.Sprintf("%s is not UTF-8: reading it as %s, whose letters make sense of it (give --encoding if it is another)", r.file, name),
			"file", r.file, "encoding", name)
	}
	if err := r.bind(rd.Header()); err != nil {
		// A file that cannot be read whole (cut short, a ragged row) is
		// refused for that first, before what its header lacks. (A file
		// that binds is read whole by scanRows.)
		if _, cerr := sheet.Count(rd); cerr != nil {
			err = badInputNothingSent(cerr)
		}
		_ = rd.Close()
		return nil, 0, err
	}
	n, err := r.scanRows() // the count feeds the ETA
	if err != nil {
		_ = rd.Close()
		return nil, 0, err
	}
	return rd, int64(n), nil
}

// badInputNothingSent is a bad input found before the first request; the
// message says nothing was sent, once (the sheet's own messages may).
func badInputNothingSent(err error) error {
	if strings.Contains(err.Error(), "nothing was sent") {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	return fmt.Errorf("%w: %w (nothing was sent)", events.ErrBadInput, err)
}

// SamePath reports whether two paths name the same file: the same path
// after making them absolute, or one file through a link of either kind.
// A report must never overwrite its own input.
func SamePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb || safefile.SameFile(a, b)
}

// bind resolves the mapping (or the identity mapping) against the header and
// checks the match key is mapped.
func (r *run) bind(header []string) error {
	plan, err := bind(r.cfg.Mapping, header)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", events.ErrBadInput, r.file, err)
	}
	r.Checker = Checker{plan: plan, matchBy: r.cfg.MatchBy}
	// What docs/mapping.md promises to say: headers matched loosely, and
	// columns nothing reads.
	for _, n := range plan.Notes() {
		r.cfg.Logger.Info("mapping: "+n, "file", r.file)
	}
	if u := plan.Unused(); len(u) > 0 {
		r.cfg.Logger.Info("columns not imported (no field reads them)", "file", r.file, "columns", strings.Join(u, ", "))
	}
	m := plan.Mapping()
	for _, k := range r.cfg.MatchBy {
		if !slices.Contains(m.Fields(), k) {
			return fmt.Errorf("%w: --match-by %s: %s does not map the field %s, so no row would have that key; map a column to %s or choose another key",
				events.ErrBadInput, k, cmp.Or(m.File, "the mapping"), k, k)
		}
	}
	return nil
}

// readIndex reads every client once, 100 a page, when a row can be
// compared with one: by the match key, or by a mapped crm_client_id.
func (r *run) readIndex(ctx context.Context) error {
	byID := r.plan.MapsID()
	if len(r.cfg.MatchBy) == 0 && !byID {
		return nil
	}
	if r.api == nil {
		return fmt.Errorf("%w: the plan compares rows with the account's clients (%s), so it reads them: set BASELINKER_TOKEN or give --token-file",
			events.ErrBadInput, newIndex(r.cfg.MatchBy).why())
	}
	r.idx = newIndex(r.cfg.MatchBy)
	r.ev.Begin(events.Phase{Name: "reading clients (" + r.idx.why() + ")", Total: -1, Unit: "clients", Walk: true})
	err := r.idx.walk(ctx, r.api, r.ev.Page, r.cfg.MaxClients)
	r.ev.End()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil: // the cut request's words ("context canceled") say nothing more
		r.cfg.Logger.Debug("the walk of the account's clients stopped", "error", err)
		return fmt.Errorf("the import was %w while it read the account's clients (%s), before any row was sent; to start it again:%s",
			events.ErrInterrupted, r.idx.why(), r.cfg.Rerun.With())
	case errors.Is(err, baselinker.ErrNotPaging), errors.Is(err, baselinker.ErrTooManyClients):
		return fmt.Errorf("the run %w: reading the account's clients (%s): %w; no row was sent", events.ErrFatal, r.idx.why(), err)
	case baselinker.Classify(err) == baselinker.ClassFatal:
		return fmt.Errorf("the run %w: %w", events.ErrFatal, err)
	}
	return err
}

// createReport moves a resumed report at the report's path aside, creates
// the report and (for a real run) the journal.
func (r *run) createReport(total int64) (*reportWriter, error) {
	var err error
	if r.old == nil || !SamePath(r.cfg.Resume, r.cfg.Report) {
		// A new record: an earlier run's at this path is kept, not written over.
		if r.tally.Kept, err = KeepEarlier(r.cfg.Report); err != nil {
			return nil, fmt.Errorf("%w: %w", events.ErrBadInput, err)
		}
	}
	if !r.cfg.DryRun {
		// The journal first: it holds everything the old report and
		// journal proved, before the old report is moved aside.
		// Synced as an undo's: a create whose send a power loss took from
		// the disk would be sent again by a keyless --resume (a duplicate).
		// An fsync costs well under a request's time, let alone the limit's.
		// The lineage of the run resumed goes on in this journal; a new
		// import (or a resume of a journal without one) starts its own.
		st := events.JournalStart{SHA: r.sha, Window: r.window, Timeout: r.cfg.RequestTimeout, Open: r.carry, Sync: true,
			Lineage: cmp.Or(r.lineage, events.NewLineage()), Gen: r.gen}
		var ph *phase
		if r.old != nil {
			ph = r.startPhase("writing this run's journal: the rows done before it", -1, "rows")
			st.Settled = func(yield func(events.Line) error) error {
				return r.settledLines(func(l events.Line) error { ph.add(); return yield(l) })
			}
		}
		r.jnl, err = events.CreateJournal(r.cfg.Report+".journal", st)
		if ph != nil {
			ph.end()
		}
		if err != nil {
			return nil, err
		}
	}
	if r.old != nil && SamePath(r.cfg.Resume, r.cfg.Report) {
		if err := r.old.moveAside(); err != nil {
			_, _ = r.jnl.Close(false)
			return nil, err
		}
	}
	rw, err := newReportWriter(r, total)
	if err != nil {
		_, _ = r.jnl.Close(false)
	}
	return rw, err
}

// settle closes the journal and turns the run's end into Run's error.
func (r *run) settle(ctx context.Context, runErr, werr error) error {
	_ = r.old.close()
	// The journal goes only once the report is whole and synced.
	kept, jerr := r.jnl.Close(runErr == nil && werr == nil)
	if kept {
		r.tally.Journal = r.jnl.Path()
	}
	// To finish: the same command with --resume; a dry run sent nothing
	// (and --resume refuses its report): the same command again.
	resume := []shellquote.Edit{shellquote.Set("resume", r.cfg.Report)}
	if r.cfg.DryRun {
		resume = nil
	}
	switch {
	case runErr != nil:
		return runErr
	case werr != nil:
		return fmt.Errorf("%w; the rows after the last line were not sent — free space (or fix the cause), then finish the run:%s", werr, r.cfg.Rerun.With(resume...))
	case r.fatalErr != nil:
		return fmt.Errorf("the run %w: row %d: %w; the report %s lists the rows not attempted (skipped); fix the cause, then finish the run:%s",
			events.ErrFatal, r.fatalRow, r.fatalErr, r.cfg.Report, r.cfg.Rerun.With(resume...))
	case ctx.Err() != nil:
		return fmt.Errorf("the import was %w: the report %s lists the rows not sent (skipped, INTERRUPTED); to finish the run:%s",
			events.ErrInterrupted, r.cfg.Report, r.cfg.Rerun.With(resume...))
	}
	return jerr
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
