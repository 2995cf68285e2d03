package undo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/validate"
)

// op is what a source line asks of the undo.
type op int

const (
	opNone     op = iota // the import did nothing to the client
	opDelete             // the import created it
	opRestore            // the import (or an undo) changed fields of it
	opRecreate           // an undo deleted it: undoing that undo makes it again
)

// item is one line of the source report and what undoing it means.
type item struct {
	line    events.Line
	op      op
	changes events.Changes
}

type run struct {
	cfg     Config
	api     API
	sha     string // the source report's fingerprint
	account string
	key     []byte     // the account's record key (nil: lines are not proved)
	mu      sync.Mutex // guards state
	state   map[int64]*baselinker.Client
	sent    map[int]events.Pending // rows whose write an interrupted undo sent (its journal)
	j       *events.Journal        // nil in a dry run: it records nothing
	fatal   atomic.Pointer[error]
	ev      *events.Aggregator // the undo's typed events
}

// Run undoes what the report at source says its run did, writing the
// undo's own report. It returns run's ErrBadInput for a report it will not
// undo (nothing is sent then), ErrFatal or ErrInterrupted; conflicts and
// failed lines are not errors: see Summary.Problems.
func Run(ctx context.Context, api API, source string, cfg Config) (sum Summary, err error) {
	cfg = cfg.withDefaults(source)
	start, before := time.Now(), api.Stats().Requests
	sum = Summary{Counts: map[events.Status]int{}, Report: cfg.Report, DryRun: cfg.DryRun}
	r := &run{cfg: cfg, api: api, account: api.Account(), ev: newEvents(cfg, func() int64 { return api.Stats().Requests - before })}
	cfg.Log = r.ev.Logger(cfg.Log) // its notes are the undo's Messages too
	r.cfg.Log = cfg.Log
	defer func() {
		sum.Elapsed, sum.Requests = time.Since(start), api.Stats().Requests-before
		r.ev.Finish(sum.String())
	}()

	// One undo of a report at a time, and none while its import runs.
	locks, err := importer.LockReports(cfg.Command, func(s string) { cfg.Log.Warn(s) }, source, cfg.Report, cfg.Resume)
	if err != nil {
		return sum, err
	}
	defer func() { _ = locks.Release() }()
	if cfg.StateDir != "" {
		if r.key, err = importer.RecordKey(cfg.StateDir, r.account); err != nil {
			return sum, err
		}
	}
	items, err := r.readSource(source)
	if err != nil {
		return sum, err
	}
	done, err := r.readResume()
	if err != nil {
		return sum, err
	}
	if r.sent, err = r.readJournal(source, items); err != nil {
		return sum, err
	}
	defer r.ev.Watch()() // from the first request: reading the clients may wait out a block too
	if err := r.readState(ctx, items, done); err != nil {
		return sum, err
	}
	if cfg.Resume == "" || !importer.SamePath(cfg.Resume, cfg.Report) {
		if sum.Kept, err = importer.KeepEarlier(cfg.Report); err != nil {
			return sum, fmt.Errorf("%w: %w", events.ErrBadInput, err)
		}
	}
	rf, err := events.CreateReportFile(cfg.Report, r.key, nil)
	if err != nil {
		return sum, err
	}
	if !cfg.DryRun {
		// The journal of the undo of this source (its fingerprint) carries
		// the sends an earlier undo left open (until this run settles
		// them) as they were: their op, client and send time.
		st := events.JournalStart{SHA: r.sha, Timeout: cfg.RequestTimeout, Open: r.sent, Sync: true}
		if r.j, err = events.CreateJournal(journalPath(cfg.Report), st); err != nil {
			_ = rf.Close()
			return sum, err
		}
	}
	perr := cmp.Or(r.process(ctx, items, done, rf, &sum), rf.Close()) // the first error
	_, cerr := r.j.Close(perr == nil && ctx.Err() == nil && r.fatal.Load() == nil)
	perr = cmp.Or(perr, cerr)
	switch {
	case perr != nil:
		return sum, perr
	case r.fatal.Load() != nil:
		return sum, fmt.Errorf("the undo %w: %w; the lines not done are skipped — fix the cause, then finish the undo:%s", events.ErrFatal, *r.fatal.Load(), cfg.Rerun.With(shellquote.Set("resume", cfg.Report)))
	case ctx.Err() != nil:
		return sum, fmt.Errorf("the undo was %w; the report %s says what was done; to finish the undo:%s", events.ErrInterrupted, cfg.Report, cfg.Rerun.With(shellquote.Set("resume", cfg.Report)))
	}
	return sum, nil
}

// journalPath is where an undo logs the writes it sends: beside its
// report, a send on disk (fsynced) before its request leaves, so that after
// a crash --resume knows which writes may have happened and settles them by
// the clients' state.
func journalPath(report string) string { return report + ".journal" }

// readJournal reads the sends with no outcome in the journal of the undo
// resumed (of a new undo: the journal at its report's path). A journal of
// the undo of another report is refused on a resume, and not carried by a
// new undo — as an import treats a journal of another input (its record
// is kept aside with its report, KeepEarlier).
func (r *run) readJournal(source string, items []item) (map[int]events.Pending, error) {
	path := journalPath(cmp.Or(r.cfg.Resume, r.cfg.Report))
	js, err := events.ReadJournal(path)
	if err != nil {
		return nil, fmt.Errorf("%w: the undo's journal: %w", events.ErrBadInput, err)
	}
	why := r.otherSource(js, items)
	switch {
	case why == "":
		return js.Open, nil
	case r.cfg.Resume == "":
		r.cfg.Log.Warn(fmt.Sprintf("the journal %s is of the undo of another report (%s): this undo of %s does not carry its writes", path, why, source))
		return map[int]events.Pending{}, nil
	}
	return nil, fmt.Errorf("%w: the journal %s is of the undo of another report, not of %s (%s); nothing was sent. "+
		"Resume the undo of that report with it, or undo %s afresh (without --resume):%s",
		events.ErrBadInput, path, source, why, source, r.cfg.Rerun.With(shellquote.Drop("resume")))
}

// otherSource says why the journal is not of the undo of this source
// report ("" when it may be): another fingerprint, or (a journal of an
// older crmbulk names none) a write to a client the source's line of that
// row does not name.
func (r *run) otherSource(js events.JournalState, items []item) string {
	if !js.Of(r.sha) {
		return fmt.Sprintf("its source's fingerprint is %s, this report's %s", js.SHA, r.sha)
	}
	ids := make(map[int]int64, len(items))
	for _, it := range items {
		ids[it.line.Row] = it.line.ID
	}
	for _, row := range slices.Sorted(maps.Keys(js.Open)) {
		id, ok := ids[row]
		switch p := js.Open[row]; {
		case !ok:
			return fmt.Sprintf("it sent a write for input row %d, which this report has no line of", row)
		case p.ID != 0 && p.ID != id:
			return fmt.Sprintf("its write for input row %d went to client %d; this report's line of that row names client %d", row, p.ID, id)
		}
	}
	return ""
}

// send journals the write op about to be sent for the item's line, to
// client id (0: a create).
func (r *run) send(it item, op string, id int64) error {
	if err := r.j.Send(it.line.Row, op, "", id); err != nil {
		return fmt.Errorf("%w (nothing was sent for this line)", err)
	}
	return nil
}

// readSource reads the report to undo and refuses one that cannot be: a
// dry run's, another account's, an older crmbulk's or an edited one.
func (r *run) readSource(source string) ([]item, error) {
	if importer.SamePath(r.cfg.Report, source) {
		return nil, fmt.Errorf("%w: the undo's report would overwrite %s; give another --report", events.ErrBadInput, source)
	}
	sha, err := importer.FileSHA(source)
	if err != nil {
		return nil, err
	}
	r.sha = sha
	var items []item
	rows := map[int]int{} // input row → its line's row in the report
	err = events.ReadReport(source, r.key, r.account, func(l events.Line) error {
		if err := r.oneRun(source, l, items, rows); err != nil {
			return err
		}
		switch {
		case l.DryRun():
			return fmt.Errorf("%w: %s is a dry run's report (row %d: %q): a dry run sent nothing, so there is nothing to undo — give the report of the real run", events.ErrBadInput, source, l.Num, l.Note)
		case l.Account == "":
			return fmt.Errorf("%w: %s, row %d: the line does not say which account it was written on (an older crmbulk's report); undo needs a report of this version", events.ErrBadInput, source, l.Num)
		case l.Account != r.account:
			return fmt.Errorf("%w: %s was written with another API token (account %s; this token is %s): undo it with the token of that import", events.ErrBadInput, source, l.Account, r.account)
		}
		cs, err := events.ParseChanges(l.ChangesText())
		if err != nil {
			return fmt.Errorf("%w: %s, row %d (input row %d), column \"changes\": %w; the report was edited — restore it", events.ErrBadInput, source, l.Num, l.Row, err)
		}
		it := item{line: l, changes: cs}
		switch st := l.Status; {
		case l.Code == importer.CodeKeyConflict: // an import's conflict line: nothing was sent
		case st == events.StatusCreated:
			it.op = opDelete
		case st == events.StatusUpdated || st == StatusRestored || st == StatusConflict:
			it.op = opRestore
		case st == StatusDeleted:
			it.op = opRecreate
		}
		if it.op != opNone && it.op != opRecreate && l.ID <= 0 {
			return fmt.Errorf("%w: %s, row %d (input row %d): a %s line without a crm_client_id; the report was edited — restore it", events.ErrBadInput, source, l.Num, l.Row, l.Status)
		}
		if len(cs) == 0 && it.op != opNone && !(it.op == opDelete && l.Proven) {
			// crmbulk writes every updated or deleted line with its
			// changes: without them nothing could be undone, and the undo
			// must not end "done" having left the client as it is. A
			// created line may have none (a client made of a row whose
			// fields were all empty): its proof tells it from an edit.
			return fmt.Errorf("%w: %s, row %d (input row %d): a %s line with an empty \"changes\" column; the report was edited — restore it", events.ErrBadInput, source, l.Num, l.Row, l.Status)
		}
		items = append(items, it)
		return nil
	})
	return items, badInput(err)
}

// badInput is err as an ErrBadInput (nil: nil): a report the undo cannot
// read is one it will not undo.
func badInput(err error) error {
	if err != nil && !errors.Is(err, events.ErrBadInput) {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	return err
}

// oneRun refuses a line that cannot be of the run whose report the first
// line is: another input's (a line pasted in from another report), or a
// second line of one input row.
func (r *run) oneRun(source string, l events.Line, items []item, rows map[int]int) error {
	if len(items) > 0 && l.InputSHA != items[0].line.InputSHA {
		return fmt.Errorf("%w: %s, row %d (input row %d): input_sha256 %s differs from the first line's (%s): the line is of another import's report — restore the report as the run left it",
			events.ErrBadInput, source, l.Num, l.Row, l.InputSHA, items[0].line.InputSHA)
	}
	if num, ok := rows[l.Row]; ok {
		return fmt.Errorf("%w: %s, row %d: input row %d has a line already (row %d): a report has one line per input row, so it was edited — restore it",
			events.ErrBadInput, source, l.Num, l.Row, num)
	}
	rows[l.Row] = l.Num
	return nil
}

// readResume reads the finished lines of an earlier undo of the same source.
func (r *run) readResume() (map[int]events.Line, error) {
	done := map[int]events.Line{}
	if r.cfg.Resume == "" {
		return done, nil
	}
	err := events.ReadReport(r.cfg.Resume, r.key, r.account, func(l events.Line) error {
		switch {
		case l.DryRun():
			return fmt.Errorf("%w: %s is a dry run's undo report: it sent nothing; run the undo without --resume:%s", events.ErrBadInput, r.cfg.Resume, r.cfg.Rerun.With(shellquote.Drop("resume")))
		case l.InputSHA != r.sha:
			return fmt.Errorf("%w: %s, row %d: it is the undo of another report (fingerprint %s, this one %s); resume the undo of this report, or start without --resume:%s", events.ErrBadInput, r.cfg.Resume, l.Num, l.InputSHA, r.sha, r.cfg.Rerun.With(shellquote.Drop("resume")))
		}
		switch l.Status {
		case StatusDeleted, StatusRestored, StatusConflict, events.StatusUnchanged, events.StatusCreated:
			done[l.Row] = l
		}
		return nil
	})
	return done, badInput(err)
}

// readState reads the clients the undo must look at: the list, 100 a
// request, keeping only those.
func (r *run) readState(ctx context.Context, items []item, done map[int]events.Line) error {
	want := map[int64]bool{}
	for _, it := range items {
		if _, ok := done[it.line.Row]; !ok && (it.op == opDelete || it.op == opRestore) {
			want[it.line.ID] = true
		}
	}
	r.state = make(map[int64]*baselinker.Client, len(want))
	if len(want) == 0 {
		return nil
	}
	r.ev.Begin(events.Phase{Name: "reading the clients", Total: -1, Unit: "clients", Walk: true})
	defer r.ev.End()
	list := func(ctx context.Context, page int) ([]baselinker.Client, error) {
		return r.api.GetCrmClients(ctx, page, baselinker.Filters{})
	}
	_, _, err := baselinker.WalkPages(ctx, list, 2, nil, func(_ int, cs []baselinker.Client, _ []bool) error {
		for _, c := range cs {
			if id := int64(c.CrmClientID); want[id] {
				r.state[id] = &c // each iteration's own c
			}
		}
		r.ev.Page(int64(len(cs)))
		return nil
	}, r.cfg.MaxClients)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("the undo was %w while it read the account's clients, before anything was changed; to start it again:%s", events.ErrInterrupted, r.cfg.Rerun.With())
		}
		again := ""
		if errors.Is(err, baselinker.ErrNotPaging) {
			again = "; " + checkEndpoint + ", then run the undo again:" + r.cfg.Rerun.With()
		}
		return fmt.Errorf("the undo %w: reading the account's clients (getCrmClients) before changing any: %w; nothing was deleted or restored, and no report was written%s",
			events.ErrFatal, err, again)
	}
	return nil
}

// checkEndpoint is what to do when the API's pages did not page
// (baselinker.ErrNotPaging): the endpoint is likely not Base's.
const checkEndpoint = "check that --api-url (or BASELINKER_API_URL), if set, names Base's API"

// process undoes the items last first — the reverse of the import's order,
// so that of two lines of one client the later change is undone before the
// earlier one — on the run pool: up to Workers requests in flight, lines of
// one client one after another (chained by the client), and their lines
// written in that order, each as it is known.
func (r *run) process(ctx context.Context, items []item, done map[int]events.Line, rf *events.ReportFile, sum *Summary) error {
	r.ev.Begin(events.Phase{Name: "undo", Total: int64(len(items)), Unit: "lines", Settles: true})
	defer r.ev.End()
	var werr error
	pool := events.StartPool(ctx, events.PoolConfig{Workers: r.cfg.Workers, Window: 2 * r.cfg.Workers}, func(l events.Line) error {
		if werr == nil {
			werr = rf.Write(l)
			// The write is settled once its line is on disk, not before:
			// a crash in between leaves the send open for --resume.
			if werr == nil && l.Status != events.StatusFailed && l.Status != events.StatusSkipped {
				werr = r.j.Done(&l)
			}
		}
		sum.Lines++
		sum.Counts[l.Status]++
		if (l.Status == StatusConflict || l.Status == events.StatusFailed) && len(sum.Examples) < 10 {
			sum.Examples = append(sum.Examples, fmt.Sprintf("row %d (client %d): %s: %s", l.Row, l.ID, l.Status, l.Message))
		}
		r.ev.Settle(events.Item{Row: l.Row, Status: string(l.Status), Reason: l.Message, Line: l})
		return nil
	})
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if l, ok := done[it.line.Row]; ok {
			l.Note = strings.TrimPrefix(l.Note+"; kept from the undo resumed", "; ")
			_ = pool.Done(l) // emit never fails: werr says why the report stopped
			continue
		}
		_ = pool.Add(events.Job[events.Line]{Keys: []string{strconv.FormatInt(it.line.ID, 10)},
			Do: func(send context.Context, turn events.Turn) (events.Line, error) {
				_ = turn.Wait(ctx, nil) // the client's later line is done first; an interrupt ends the wait
				r.waitToLand(ctx, it)
				return r.undoOne(ctx, send, it), nil
			}})
	}
	if err := pool.Wait(); err != nil {
		return err
	}
	return werr
}

// waitToLand waits, before a create an interrupted undo sent is looked
// up, until it can no longer land (Pending.LandsBy): a look-up before
// then could miss the client the server is still making, and the create
// would be sent again. An interrupt ends the wait (the line is skipped,
// its send stays open for the next resume). A line without a key to look
// it up by is not waited for: it stays OUTCOME_UNKNOWN (recreate).
func (r *run) waitToLand(ctx context.Context, it item) {
	until, later := r.sent[it.line.Row].LandsBy(r.cfg.RequestTimeout)
	_, _, _, noKey := lookupFilter(it.line.MatchKey)
	if !later || it.op != opRecreate || r.cfg.DryRun || noKey != nil {
		return
	}
	page := events.Keyed(ctx, "run.undoInDoubt", map[string]string{"row": strconv.Itoa(it.line.Row), "until": until.UTC().Format(time.RFC3339)})
	r.cfg.Log.WarnContext(page, fmt.Sprintf("input row %d: the create the interrupted undo sent may still land until %s (--request-timeout after its send): it is looked up then, not sent again",
		it.line.Row, until.Local().Format("15:04:05")), "row", it.line.Row, "until", until)
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// base is the line of an item before its outcome.
func (r *run) base(it item) events.Line {
	l := events.Line{Row: it.line.Row, ID: it.line.ID, MatchKey: it.line.MatchKey, InputSHA: r.sha, Account: r.account}
	if r.cfg.DryRun {
		l.Note = events.DryRunNote
	}
	return l
}

// undoOne decides and does what undoing one line takes, its requests sent
// with send; a line the undo will not start (ctx interrupted, or stopped
// on a fatal error) is skipped.
func (r *run) undoOne(ctx, send context.Context, it item) events.Line {
	l := r.base(it)
	switch {
	case ctx.Err() != nil:
		l.Status, l.Code, l.Message = events.StatusSkipped, events.CodeInterrupted, "interrupted before this line; run the undo again with --resume"
	case r.fatal.Load() != nil:
		l.Status, l.Code, l.Message = events.StatusSkipped, events.CodeNotAttempted, "the undo stopped on a fatal API error before this line; fix it, then --resume"
	case it.op == opDelete || it.op == opRestore:
		c, err := r.current(send, it)
		switch {
		case err != nil:
			return r.failed(l, err)
		case it.op == opDelete:
			return r.deleteCreated(send, it, l, c)
		}
		return r.restore(send, it, l, c)
	case it.op == opRecreate:
		return r.recreate(send, it, l)
	default:
		l.ID = 0
		l.Status, l.Note = events.StatusUnchanged, events.JoinNote(l.Note, fmt.Sprintf("nothing to undo: the line was %s", it.line.Status))
	}
	return l
}

// current is the client as it is now: the list's entry, read whole when
// the changes touch notes or extra fields (which the list does not hold).
func (r *run) current(ctx context.Context, it item) (*baselinker.Client, error) {
	r.mu.Lock()
	c, ok := r.state[it.line.ID]
	if ok {
		cc := *c
		c = &cc
	}
	r.mu.Unlock()
	if !ok {
		return nil, nil
	}
	for _, ch := range it.changes {
		if f, ok := baselinker.LookupField(ch.Field); strings.HasPrefix(ch.Field, "extra_") || ok && !f.Listed {
			whole, err := r.api.GetCrmClientData(ctx, it.line.ID, true)
			if baselinker.IsNotFound(err) {
				return nil, nil
			}
			return &whole, err
		}
	}
	return c, nil
}

// value is a client's value of a changes field (extra_<ID> included).
// Values are compared by validate.Same, the identity rule: keys by their
// match key, other fields as the API stores them (an extra field, which
// has no rule, exactly).
func value(c *baselinker.Client, field string) string {
	if id, ok := strings.CutPrefix(field, "extra_"); ok {
		return c.CustomExtraFields[id]
	}
	v, _ := c.Get(field)
	return v
}

// deleteCreated deletes a client the import created (c as it is now, nil
// if gone), if it still holds exactly what the import wrote; l is the
// item's line before its outcome.
func (r *run) deleteCreated(ctx context.Context, it item, l events.Line, c *baselinker.Client) events.Line {
	if c == nil {
		if _, ok := r.sent[it.line.Row]; ok {
			l.Status, l.Note = StatusDeleted, events.JoinNote(l.Note, "deleted by the undo that was interrupted")
			l.Changes = it.changes
			return l
		}
		l.Status, l.Note = events.StatusUnchanged, events.JoinNote(l.Note, "the client no longer exists: nothing to delete")
		return l
	}
	var conflicts, cols []string
	set := map[string]bool{}
	for _, ch := range it.changes {
		set[ch.Field] = true
		if now := value(c, ch.Field); !validate.Same(ch.Field, now, ch.After) {
			conflicts = append(conflicts, fmt.Sprintf("%s: the import wrote %q, it is now %q", ch.Field, ch.After, now))
			cols = append(cols, ch.Field)
		}
	}
	for _, f := range baselinker.ListedFields() { // a text field the import left empty and someone filled since
		if now := value(c, f.Name); f.Kind == baselinker.KindText && !set[f.Name] && now != "" {
			conflicts = append(conflicts, fmt.Sprintf("%s: empty after the import, it is now %q", f.Name, now))
			cols = append(cols, f.Name)
		}
	}
	if len(conflicts) > 0 {
		l.Status, l.Code, l.Column = StatusConflict, CodeChanged, strings.Join(cols, ", ")
		l.Message = "changed since the import, so the client stays (delete it by hand if it should go): " + strings.Join(conflicts, "; ")
		return l
	}
	l.Status, l.Changes = StatusDeleted, it.changes // what undoing this undo creates again
	if r.cfg.DryRun {
		return l
	}
	if err := r.send(it, "delete", it.line.ID); err != nil {
		return r.failed(l, err)
	}
	switch err := r.api.DeleteCrmClient(ctx, it.line.ID); {
	case err == nil, baselinker.IsNotFound(err):
	case errors.Is(err, baselinker.ErrOutcomeUnknown):
		gone, lerr := r.gone(ctx, it.line.ID)
		if lerr != nil || !gone {
			return l.OutcomeUnknown("the delete was sent and its answer lost, and the client could not be seen gone; run the undo again with --resume")
		}
	default:
		return r.failed(l, err)
	}
	r.mu.Lock()
	delete(r.state, it.line.ID)
	r.mu.Unlock()
	return l
}

// gone asks the list, filtered by id, whether the client is gone.
func (r *run) gone(ctx context.Context, id int64) (bool, error) {
	var f baselinker.Filters
	if err := f.Set("crm_client_id", strconv.FormatInt(id, 10)); err != nil {
		return false, err
	}
	cs, err := r.api.GetCrmClients(ctx, 1, f)
	return err == nil && len(cs) == 0, err
}

// restore gives the fields an update changed (of client c as it is now,
// nil if gone) their values from before it, each only while it still
// holds the update's value; l is the item's line before its outcome.
func (r *run) restore(ctx context.Context, it item, l events.Line, c *baselinker.Client) events.Line {
	if c == nil {
		l.Status, l.Code = StatusConflict, CodeChanged
		l.Message = "the client no longer exists (deleted since the import): nothing to restore"
		return l
	}
	var back events.Changes
	var problems, cols []string
	unknown := false
	for _, ch := range it.changes {
		now := value(c, ch.Field)
		switch {
		case !ch.Known && !ch.Create:
			problems = append(problems, fmt.Sprintf("%s: the import did not read the value it replaced (--compare-notes reads it), so it is left as %q", ch.Field, now))
			cols, unknown = append(cols, ch.Field), true
		case validate.Same(ch.Field, now, ch.After):
			back = append(back, events.Change{Field: ch.Field, Before: now, After: ch.Before, Known: true})
		case validate.Same(ch.Field, now, ch.Before): // restored already (by the undo that was interrupted, or by hand)
		default:
			problems = append(problems, fmt.Sprintf("%s: the import wrote %q, it is now %q, so it is left", ch.Field, ch.After, now))
			cols = append(cols, ch.Field)
		}
	}
	l.Changes = back
	switch {
	case len(problems) > 0:
		l.Status, l.Code, l.Column = StatusConflict, CodeChanged, strings.Join(cols, ", ")
		if unknown && len(problems) == 1 {
			l.Code = CodeBeforeUnknown
		}
		l.Message = strings.Join(problems, "; ")
		if len(back) > 0 {
			l.Message = "the other fields were restored; " + l.Message
		}
	case len(back) == 0:
		l.Status, l.Note = StatusRestored, events.JoinNote(l.Note, "already holds the values from before the import")
	default:
		l.Status = StatusRestored
	}
	if len(back) == 0 || r.cfg.DryRun {
		return l
	}
	if err := r.send(it, "restore", it.line.ID); err != nil {
		return r.failed(l, err)
	}
	res, err := r.api.AddCrmClientResult(ctx, back.ClientFields(it.line.ID))
	if err != nil {
		return r.failed(l, err)
	}
	l.WarnedBy(res.Warnings)
	r.mu.Lock()
	// The client's earlier line sees what this one wrote. Only the listed
	// fields are read from the state (current reads the client whole for
	// the others), so an extra field, which Set does not know, is left.
	if c := r.state[it.line.ID]; c != nil {
		for _, ch := range back {
			_ = c.Set(ch.Field, ch.After)
		}
	}
	r.mu.Unlock()
	return l
}

// recreate makes again a client an undo deleted (undoing that undo), unless
// a client with its match key exists: a retry never creates it twice. A
// create already sent (by the undo that was interrupted, or by this one,
// its answer lost) is looked up by the key; a line without a key it can be
// looked up by stays OUTCOME_UNKNOWN, never sent again blindly (as an
// import's row, importer/indoubt.go). l is the item's line before its
// outcome.
func (r *run) recreate(ctx context.Context, it item, l events.Line) events.Line {
	l.ID = 0
	l.Changes = it.changes
	_, sent := r.sent[it.line.Row]
	id, err := r.lookup(ctx, it.line.MatchKey)
	switch {
	case errors.Is(err, errNoLookupKey) && sent: // its journal says it went out, not what came back
		return unsettled(l, it, "an earlier run of this undo sent its create and "+baselinker.NoUsableAnswer)
	case errors.Is(err, errNoLookupKey): // nothing sent yet: nothing to find
	case errors.Is(err, baselinker.ErrNotPaging), errors.Is(err, baselinker.ErrTooManyMatches):
		return lookupStopped(l, it, err)
	case err != nil:
		return r.failed(l, err)
	case id > 0 && sent:
		l.ID = id
		l.Status, l.Note = events.StatusCreated, events.JoinNote(l.Note, "created by the undo that was interrupted")
		return l
	case id > 0:
		l.ID = id
		l.Status, l.Code = StatusConflict, CodeExists
		l.Message = fmt.Sprintf("a client with %s exists already (crm_client_id %d): it is not created again", it.line.MatchKey, id)
		return l
	}
	l.Status = events.StatusCreated
	if r.cfg.DryRun {
		return l
	}
	if err := r.send(it, "create", 0); err != nil {
		return r.failed(l, err)
	}
	// The journal dates the create by each try as it goes out, after the
	// limiter's wait: a resume counts its land-by from the try (as an
	// import's create, importer/process.go write).
	tries := baselinker.OnTry(ctx, func(at time.Time) error { return r.j.Try(it.line.Row, at) })
	res, err := r.api.AddCrmClientResult(tries, it.changes.ClientFields(0))
	switch {
	case errors.Is(err, baselinker.ErrOutcomeUnknown):
		return r.lostCreate(ctx, l, it, err)
	case err != nil:
		return r.failed(l, err)
	}
	l.ID = res.ID
	return l
}

// lostCreate settles the line l of a create this undo sent that got no
// usable answer (err) by looking the client up: found, it is the line's;
// otherwise the line stays OUTCOME_UNKNOWN, not sent again, its journal
// entry open for a resume to look it up (once it can no longer land) and
// create it only if it is missing. What came back is said in the words an
// import says it in (OutcomeUnknownError.Got).
func (r *run) lostCreate(ctx context.Context, l events.Line, it item, err error) events.Line {
	oe := (*baselinker.OutcomeUnknownError)(nil)
	errors.As(err, &oe)
	what := fmt.Sprintf("its create was sent but %s (%v)", oe.Got(), err)
	id, lerr := r.lookup(ctx, it.line.MatchKey)
	switch {
	case errors.Is(lerr, errNoLookupKey):
		return unsettled(l, it, what)
	case lerr != nil:
		return l.OutcomeUnknown(fmt.Sprintf("check the account, then run the undo again with --resume — input row %d: %s, and the look-up could not settle whether the client exists (%v); not sent again to avoid a duplicate",
			it.line.Row, what, lerr))
	case id > 0:
		l.ID, l.Note = id, events.JoinNote(l.Note, "the create was sent but "+oe.Got()+"; the client was found by a look-up")
		return l
	}
	found := "a look-up right after found no client, but the server may still be making it"
	if oe != nil && oe.Answered {
		found = "the server was done with it and a look-up found no client, so it was not made"
	}
	return l.OutcomeUnknown(fmt.Sprintf("run the undo again with --resume, which looks the client up and creates it only if it is missing — input row %d: %s; %s; not sent again in this run",
		it.line.Row, what, found))
}

// errNoLookupKey: the line has no match key a look-up can find its client by.
var errNoLookupKey = errors.New("the line has no match key (email, invoice_tax_id or login) to look the client up by")

// unsettled is the line of a create sent whose outcome stays unknown: it is
// not sent again (the client may exist), and its journal entry stays open
// (a failed line settles nothing), so each resume says so again.
func unsettled(l events.Line, it item, what string) events.Line {
	return l.OutcomeUnknown(fmt.Sprintf("check the account by hand — input row %d: %s, and %s, so the client may exist; it is not sent again to avoid a duplicate. "+
		"If it is missing, add it by hand with the values of the \"changes\" column (%s)", it.line.Row, what, errNoLookupKey, it.changes))
}

// lookupStopped is the line of a re-create whose look-up stopped reading
// the pages of its key's matches (err: they did not page, or there were
// more than it reads): what stopped, that nothing was created, what to do.
func lookupStopped(l events.Line, it item, err error) events.Line {
	l.Status, l.Code = events.StatusFailed, "ERROR"
	todo := checkEndpoint + ", then run the undo again with --resume"
	if errors.Is(err, baselinker.ErrTooManyMatches) {
		todo = fmt.Sprintf("check the account by hand for a client with %s; if there is none, add it with the values of the \"changes\" column (%s)", it.line.MatchKey, it.changes)
	}
	l.Message = fmt.Sprintf("not created again: the look-up of a client with %s, which must find none first, stopped (%v); nothing was created for this line — %s",
		it.line.MatchKey, err, todo)
	return l
}

// lookupFilter is the filter that finds the client of match key
// "field:value"; errNoLookupKey when there is none.
func lookupFilter(key string) (field, v string, f baselinker.Filters, err error) {
	field, v, ok := strings.Cut(key, ":")
	if !ok || v == "" || f.Set(field, v) != nil { // no key, or not one a filter takes
		return "", "", f, errNoLookupKey
	}
	return field, v, f, nil
}

// lookup finds the client with match key "field:value" (0: none), reading
// as many pages of the filter as it takes (baselinker.FindClients); it
// returns errNoLookupKey for a key it cannot look up.
func (r *run) lookup(ctx context.Context, key string) (int64, error) {
	field, v, f, err := lookupFilter(key)
	if err != nil {
		return 0, err
	}
	list := func(ctx context.Context, page int) ([]baselinker.Client, error) {
		return r.api.GetCrmClients(ctx, page, f)
	}
	same := func(c *baselinker.Client) bool { have, _ := c.Get(field); return validate.Same(field, have, v) }
	cs, err := baselinker.FindClients(ctx, list, same, 1) // a text filter is a partial match: the client may be on any page
	if err != nil {
		return 0, fmt.Errorf("look-up by %s: %w", field, err)
	}
	if len(cs) == 0 {
		return 0, nil
	}
	return int64(cs[0].CrmClientID), nil
}

// failed is the line of a request that did not succeed; a fatal error
// also stops the undo.
func (r *run) failed(l events.Line, err error) events.Line {
	l.Status = events.StatusFailed
	var ae *baselinker.APIError
	switch {
	case errors.As(err, &ae) && !baselinker.Classify(err).Stops():
		l.Code, l.Message = ae.Code, ae.Message
	case errors.Is(err, baselinker.ErrOutcomeUnknown):
		l.Code, l.Message = events.CodeOutcomeUnknown, err.Error()
	default:
		l.Code, l.Message = "ERROR", err.Error()
		if c := baselinker.Classify(err); c.Stops() || errors.Is(err, context.Canceled) {
			r.fatal.CompareAndSwap(nil, &err)
		}
	}
	return l
}
