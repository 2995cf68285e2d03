package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/internal/chars"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/validate"
)

// lookupRounds bounds how often a failed look-up page is asked again.
const lookupRounds = 3

// maxCreateAttempts bounds how often one row's create is sent when its
// outcome stays unknown and a look-up proves it was not created.
const maxCreateAttempts = 5

// recorder is a dry run's sender: it sends nothing, and gives a would-be
// client an ID of its own (negative, never shown), so that later rows with
// its key plan an update of it, as they would in the real run. One key's
// rows run one after another, so the index sees them in file order.
type recorder struct{ placeholders atomic.Int64 }

func (d *recorder) add(_ context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	if f.ID != 0 {
		return baselinker.Added{ID: f.ID}, nil
	}
	return baselinker.Added{ID: -d.placeholders.Add(1)}, nil
}

// process runs one row in the pool: check it, wait for earlier rows with
// its keys, then plan and send it.
func (r *run) process(ctx context.Context, it *item, turn events.Turn) events.Line {
	// The verdict of the row's own cells (Check's), then what the whole
	// file says: a repeat of an earlier row is planned once.
	v := r.verdict(it)
	if v.Line.Status == events.StatusSkipped {
		return v.Line
	}
	if l := r.repeated(it); l != nil {
		return *l
	}
	if !v.Ready {
		return v.Line
	}
	switch err := turn.Wait(ctx, r.stop); {
	case errors.Is(err, events.ErrStopped) || err == nil && r.stopped():
		return r.notAttempted(it.base())
	case err != nil || ctx.Err() != nil:
		return interrupted(it.base())
	}
	id, found, done := r.target(it)
	if done != nil {
		return *done
	}
	if p, ok := r.carry[it.num]; ok && p.Op == "create" && found && it.res.ID == 0 {
		// A crashed run sent this create and the index walk found the client.
		if c, ok := r.idx.client(id); ok {
			return r.adopt(ctx, it, &c)
		}
	}
	if found {
		return r.update(ctx, it, id)
	}
	return r.create(ctx, it)
}

// target decides what a row does: update id (found), create (!found), or
// answer at once (done: no such client, ambiguous).
func (r *run) target(it *item) (id int64, found bool, done *events.Line) {
	switch {
	case it.res.ID > 0:
		if _, ok := r.idx.client(it.res.ID); r.idx != nil && !ok {
			l := it.base()
			l.Status, l.Code = events.StatusInvalid, CodeNoSuchClient
			l.Message = fmt.Sprintf("check the crm_client_id or empty the cell to create a client — row %d: the account has no client with crm_client_id %d", it.num, it.res.ID)
			_, l.Column = r.plan.Source("crm_client_id")
			l.Problems = []events.Problem{{Field: "crm_client_id", Code: "no_such_client", Text: l.Message}}
			return 0, false, &l
		}
		return it.res.ID, true, nil
	case r.idx == nil, len(it.keys) == 0:
		return 0, false, nil
	}
	// The first key of match_by the row has a value for decides. A later
	// key is tried only for a row without the earlier keys' values, and
	// never merges two people (conflict).
	k := it.keys[0]
	ids := r.idx.find(k.field, k.key)
	switch len(ids) {
	case 0:
		for _, later := range it.keys[1:] {
			if ids := r.idx.find(later.field, later.key); len(ids) > 0 {
				return 0, false, r.conflict(it, later, ids, fmt.Sprintf("its %s %s finds no client", k.field, chars.Quote(k.key)))
			}
		}
		return 0, false, nil
	case 1:
		if k.field != r.cfg.MatchBy[0] { // a fallback: the row has none of the earlier keys
			if l := r.otherPerson(it, k, ids[0]); l != nil {
				return 0, false, l
			}
		}
		return ids[0], true, nil
	}
	l := it.base()
	l.Status, l.Code = events.StatusFailed, CodeAmbiguous
	l.Message = fmt.Sprintf("add a crm_client_id column to choose one, or merge the duplicates — %d clients have %s %q (crm_client_id %s); the row is not applied to any of them",
		len(ids), k.field, k.key, events.JoinIDs(ids))
	return 0, false, &l
}

// otherPerson is the conflict line of a row that a fallback key k matched
// with client id whose email is not the row's (both non-empty), or nil.
func (r *run) otherPerson(it *item, k rowKey, id int64) *events.Line {
	mine, _ := it.res.Get("email")
	c, _ := r.idx.client(id)
	if validate.MatchKey("email", mine) == "" || validate.MatchKey("email", c.Email) == "" || validate.Same("email", mine, c.Email) {
		return nil
	}
	return r.conflict(it, k, []int64{id}, fmt.Sprintf("its email %s is not that client's", chars.Quote(validate.CleanKey(mine))))
}

// conflict is the line of a row whose later match key k finds clients ids
// that are not (or not surely) the row's person: nothing is sent, and the
// line names the row's own key and the clients.
func (r *run) conflict(it *item, k rowKey, ids []int64, why string) *events.Line {
	l := it.base()
	l.Status, l.Code = events.StatusConflict, CodeKeyConflict
	var who []string
	for _, id := range ids {
		c, _ := r.idx.client(id)
		email := "no email"
		if c.Email != "" {
			email = "email " + chars.Quote(c.Email)
		}
		if id < 0 { // a dry run's would-be client
			who = append(who, fmt.Sprintf("the client an earlier row would create (%s)", email))
			continue
		}
		who = append(who, fmt.Sprintf("client %d (%s)", id, email))
	}
	l.Message = fmt.Sprintf("give the row the crm_client_id of the client it is, or leave %s out of --match-by to create it — nothing sent: row %d: %s, and its %s %s belongs to %s; a later key of match_by never merges two people",
		k.field, it.num, why, k.field, chars.Quote(k.key), strings.Join(who, ", "))
	_, l.Column = r.plan.Source(k.field)
	return &l
}

// current is the client id as the plan compares with it: the index's copy,
// or with CompareNotes the client read whole (notes and extra fields).
func (r *run) current(it *item, id int64) (c baselinker.Client, full bool, err error) {
	c, _ = r.idx.client(id)
	if _, notes := it.res.Get("notes"); !r.cfg.CompareNotes || !notes && len(it.res.Extra) == 0 {
		return c, false, nil
	}
	c, err = r.api.GetCrmClientData(r.sendCtx, id, len(it.res.Extra) > 0)
	return c, err == nil, err
}

func (r *run) update(ctx context.Context, it *item, id int64) events.Line {
	l := it.base()
	l.ID = max(id, 0)
	var changes events.Changes
	if r.idx == nil {
		changes = uncompared(it)
	} else {
		c, full, err := r.current(it, id)
		if err != nil {
			return r.failure(ctx, l, fmt.Errorf("reading the client to compare its notes: %w", err))
		}
		changes = diff(&c, it, full)
	}
	if len(changes) == 0 {
		l.Status = events.StatusUnchanged
		return l
	}
	added, err := r.write(it, "update", changes.ClientFields(id))
	if err != nil {
		return r.failure(ctx, l, err)
	}
	r.idx.apply(id, changes)
	l.Status, l.Changes = events.StatusUpdated, changes
	l.WarnedBy(added.Warnings)
	return l
}

func (r *run) create(ctx context.Context, it *item) events.Line {
	l := it.base()
	changes := created(it)
	if p, ok := r.carry[it.num]; ok && p.Op == "create" {
		// A stopped run sent this create and got no usable answer.
		c, err := r.lookup(it)
		if err != nil {
			return l.OutcomeUnknown(fmt.Sprintf("check the account before sending it again — an earlier run sent this row's create and %s; the look-up could not settle whether the client exists (%v)", baselinker.NoUsableAnswer, err))
		}
		if c != nil {
			return r.adopt(ctx, it, c)
		}
	}
	var err error
	for attempt := 1; attempt <= maxCreateAttempts; attempt++ {
		if attempt > 1 && (r.stopped() || ctx.Err() != nil) { // a look-up proved nothing made: after a stop or an interrupt, nothing more goes out
			return r.notResent(ctx, l, attempt-1, err, nil)
		}
		var added baselinker.Added
		prev := err // the last send's, each proven not made
		added, err = r.write(it, "create", changes.ClientFields(0))
		if err == nil {
			r.idx.apply(added.ID, changes)
			l.Status, l.ID, l.Changes = events.StatusCreated, max(added.ID, 0), changes
			l.WarnedBy(added.Warnings)
			return l
		}
		if !errors.Is(err, baselinker.ErrOutcomeUnknown) {
			if attempt > 1 {
				return r.notResent(ctx, l, attempt-1, prev, err)
			}
			return r.failure(ctx, l, err)
		}
		if msg := r.waitLost(ctx, it, err); msg != "" {
			return l.OutcomeUnknown(msg)
		}
		c, lerr := r.lookup(it)
		if lerr != nil {
			oe, _ := errors.AsType[*baselinker.OutcomeUnknownError](err)
			return l.OutcomeUnknown(fmt.Sprintf("check the account, then run again with --resume — the create was sent but %s (%v), and the look-up could not settle whether the client exists (%v); not sent again to avoid a duplicate", oe.Got(), err, lerr))
		}
		if c != nil {
			return r.adopt(ctx, it, c)
		}
		if errors.Is(err, baselinker.ErrNoClientID) { // the API said SUCCESS: not lost, only its ID is unknown
			return l.OutcomeUnknown("check the account before sending this row again — the API answered the create SUCCESS without a crm_client_id, " +
				"so the client was most likely made, and a look-up did not find it; not sent again to avoid a duplicate")
		}
		if errors.Is(err, pacer.ErrWaitedTooLong) { // proven not created, but the client's wait before a new send would pass --max-wait
			return r.tooLongToResend(ctx, l, err, err)
		}
		// Proven not created: send it again (bounded), after the API's retry pause.
		if attempt == maxCreateAttempts {
			break
		}
		if perr := r.pauseResend(ctx, it, attempt, err); perr != nil {
			return r.tooLongToResend(ctx, l, err, perr)
		}
	}
	l.Status, l.Code = events.StatusFailed, events.CodeOutcomeUnknown
	l.Message = fmt.Sprintf("run again with --resume — the create got no usable answer %d times (the last: %v); each time a look-up proved no client was made", maxCreateAttempts, err)
	return l
}

// tooLongToResend is the line of a create that got no usable answer
// (err) and that a look-up proved was not made, not sent again in this
// run because the wait before it may go again would pass --max-wait
// (why: err itself when the client's own retry rule refused the wait, or
// the retry pause's refusal): the run stops as for any wait past it. The
// line says what the create got: a server's refusal for a while
// (Retry-After) or, in OutcomeUnknownError.Got's words, no usable answer
// or none at all.
func (r *run) tooLongToResend(ctx context.Context, l events.Line, err, why error) events.Line {
	l = r.failure(ctx, l, why)
	oe, _ := errors.AsType[*baselinker.OutcomeUnknownError](err)
	if oe != nil && !oe.RetryAt.IsZero() {
		l.Message = "run again with --resume once the API takes requests again — sent, refused for longer than --max-wait, and a look-up proved no client was made; not sent again in this run"
		return l
	}
	l.Message = fmt.Sprintf("run again with --resume once the API answers again — the create was sent but %s (%v), and a look-up proved no client was made; "+
		"the pause before sending it again would pass --max-wait, so it was not sent again in this run", oe.Got(), err)
	return l
}

// notResent is the line of a create sent sends times, each answered
// without a client (the last: prev) that a look-up proved was not made,
// and not sent again. err is why its next send failed before or as it
// went out — a journal that could not be written, the limiter's
// --max-wait, an API's refusal: the status and code are failure's, the
// words say the sends before it. err is nil (or the interrupt's) when the
// run was interrupted or stopped meanwhile: skipped as the rows the run
// did not reach, but saying it was sent.
func (r *run) notResent(ctx context.Context, l events.Line, sends int, prev, err error) events.Line {
	oe, _ := errors.AsType[*baselinker.OutcomeUnknownError](prev)
	sent := fmt.Sprintf("run again with --resume — the create was sent %s and each time a look-up proved no client was made "+
		"(the last time the create was sent but %s: %v); ", sentTimes(sends), oe.Got(), prev)
	if err != nil && !(ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))) {
		l = r.failure(ctx, l, err)
		l.Message = sent + "sending it again failed: " + err.Error()
		return l
	}
	why := "the import was interrupted"
	if r.stopped() {
		l, why = r.notAttempted(l), r.stopWhy()
	} else {
		l = interrupted(l)
	}
	l.Message = sent + "not sent again: " + why
	return l
}

// sentTimes says how many times a create was sent: once, twice, 3 times.
func sentTimes(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// pauseResend waits, before a create goes again after its k-th send got
// no usable answer (err) and a look-up proved no client was made, the
// pause of the API's own retries counted from that send: a server that
// answers HTTP 500 at once is not sent the row again in the same
// millisecond. A lost answer's wait, or a look-up that sat out a block,
// has often covered it already: nothing is waited then, and only what is
// left of it counts against --max-wait. It returns early when the run is
// interrupted or stops (the loop then sends nothing more), and an error
// wrapping pacer.ErrWaitedTooLong, without waiting, when what is left of
// the pause would pass --max-wait.
func (r *run) pauseResend(ctx context.Context, it *item, k int, err error) error {
	var sent time.Time
	if oe, ok := errors.AsType[*baselinker.OutcomeUnknownError](err); ok {
		sent = oe.Sent
	}
	until, perr := r.api.ResendAt(k, sent) // a write went out: the run has an API
	if perr != nil {
		return fmt.Errorf("row %d: %w; last answer: %w", it.num, perr, err)
	}
	if !time.Now().Before(until) {
		return nil
	}
	r.cfg.Logger.Warn(fmt.Sprintf("row %d: the create got no usable answer (%v) and a look-up proved no client was made; it goes again at %s (the API's retry pause, send %d/%d)",
		it.num, err, until.Local().Format("15:04:05.000"), k+1, maxCreateAttempts), "row", it.num, "until", until)
	_ = r.sleep(ctx, until)
	return nil
}

// sleep waits until the time until: nil then; ctx's error when the run is
// interrupted first, events.ErrStopped when it stops first.
func (r *run) sleep(ctx context.Context, until time.Time) error {
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-r.stop:
		return events.ErrStopped
	}
}

// waitLost waits, after the answer to the row's create was lost (err),
// until the row may be looked up and sent again. A create may still land
// until --request-timeout after its send: the server may still be making
// the client, and a look-up before it lands would find nothing and send
// the row again — a second client. It counts from when the try whose
// answer was lost went out (err's Sent), not from before r.write: the
// write may have waited long for the limit (a block) or retried tries that
// never reached the server. An error that does not say it counts from now
// (the try went no later). A create the server answered it was done with
// (HTTP 500 with the API's JSON, 429/503 with Retry-After, SUCCESS without
// an ID: OutcomeUnknownError's Answered) cannot land later, but a
// Retry-After is kept: nothing goes before it has passed (RetryAt) — or,
// when it would pass --max-wait, nothing goes again at all (create stops
// the row once its look-up is done). A row with nothing to look it up by
// needs no wait (it stays unsettled at once). It returns the message of the row, left unsettled, when the run
// is interrupted or stops first ("" once the row may be looked up).
func (r *run) waitLost(ctx context.Context, it *item, err error) string {
	if _, want, _ := lookupKey(it); want == "" || errors.Is(err, baselinker.ErrNoClientID) {
		return ""
	}
	// The wait: until the create can no longer land, unless the server
	// answered it was done with it; and at least until the server's
	// Retry-After has passed. Its words: what came back ("the create's
	// answer was lost"; sent, the same for the row's line), why the row
	// waits ("the server may still be making the client"), what it waits
	// for ("the create could no longer land"), how until follows
	// ("--request-timeout 1m30s after its send"), and key, its note in a
	// page's texts when rule names a flag (run.Keyed).
	oe, _ := errors.AsType[*baselinker.OutcomeUnknownError](err)
	var until time.Time
	var what, sent, why, before, rule, key string
	if oe == nil || !oe.Answered {
		p := events.Pending{Op: "create", At: time.Now()}
		if oe != nil && !oe.Sent.IsZero() {
			p.At = oe.Sent
		}
		until, _ = p.LandsBy(r.cfg.RequestTimeout)
		what, sent = "the create's answer was lost", "the create was sent but "+oe.Got()
		why, before = "the server may still be making the client", "the create could no longer land"
		rule, key = fmt.Sprintf("--request-timeout %s after its send", r.cfg.RequestTimeout), "run.lookupLost"
	}
	if oe != nil && oe.RetryAt.After(until) && !errors.Is(err, pacer.ErrWaitedTooLong) { // past --max-wait: the row is not sent again (create)
		until = oe.RetryAt
		what, sent = "the server refused the create for now", "the server refused the create for now"
		why, before = "it asked to wait before the row goes again", "the wait it asked for had passed"
		rule, key = "the Retry-After of its answer", ""
	}
	if !time.Now().Before(until) {
		return ""
	}
	if ctx.Err() == nil {
		page := ctx
		if key != "" {
			page = events.Keyed(ctx, key, map[string]string{"row": strconv.Itoa(it.num), "until": until.UTC().Format(time.RFC3339)})
		}
		r.cfg.Logger.WarnContext(page, fmt.Sprintf("row %d: %s (%v); %s, so the row is looked up at %s (%s) — not sent again before",
			it.num, what, err, why, until.Local().Format("15:04:05"), rule), "row", it.num, "until", until)
	}
	werr := r.waitLookup(ctx, it.num, until)
	if werr == nil {
		return ""
	}
	stop := "the import was interrupted"
	if errors.Is(werr, events.ErrStopped) {
		stop = r.stopWhy()
	}
	return fmt.Sprintf("run again with --resume, which looks the client up and does not send it again — %s (%v), and %s before %s (%s)",
		sent, err, stop, before, rule)
}

// adopt settles a create whose answer was lost: the look-up found the
// client, so the row is created; fields that still differ are updated.
func (r *run) adopt(ctx context.Context, it *item, c *baselinker.Client) events.Line {
	id := int64(c.CrmClientID)
	l := it.base()
	l.Status, l.ID, l.Changes = events.StatusCreated, id, created(it)
	l.Note = "the create's answer was lost; the client was found by a look-up and adopted"
	r.idx.put(c)
	rest := diff(c, it, false)
	if len(rest) == 0 {
		return l
	}
	added, err := r.write(it, "update", rest.ClientFields(id))
	if err != nil {
		// The client exists: the row stays "created" (a resume must not create it again).
		fl := r.failure(ctx, l, err)
		l.Code, l.Message = fl.Code, "created, but the update of its remaining fields failed: "+fl.Message
		return l
	}
	r.idx.apply(id, rest)
	l.WarnedBy(added.Warnings)
	return l
}

// write sends one addCrmClient through the run's sender, with the
// journal's "send" before it and, for a create, its "try" as each try goes
// out (after the limiter's wait, which may outlast --request-timeout: a
// resume counts the create's land-by from the try) — a real run's only
// journal writes besides the settling of each row in emit.
func (r *run) write(it *item, op string, f baselinker.ClientFields) (baselinker.Added, error) {
	if err := r.jnl.Send(it.num, op, it.keyLabel, 0); err != nil {
		r.halt(err, it.num)
		return baselinker.Added{}, err
	}
	ctx := r.sendCtx
	if op == "create" && r.jnl != nil {
		ctx = baselinker.OnTry(ctx, func(at time.Time) error {
			err := r.jnl.Try(it.num, at)
			if err != nil {
				r.halt(err, it.num)
			}
			return err
		})
	}
	return r.send(ctx, f)
}

// errNoLookupKey: the row has nothing a look-up could find it by.
var errNoLookupKey = errors.New("the row has no match key and no email to look the client up by")

// lookup finds the client a lost create may have made: by the match key
// (exact compare of the normalised key), or without --match-by by the row's
// email, adopting only a client whose sent fields all equal the row's.
// It returns nil, nil when no such client exists.
func (r *run) lookup(it *item) (*baselinker.Client, error) {
	field, want, strict := lookupKey(it)
	if want == "" {
		return nil, errNoLookupKey
	}
	value, _ := it.res.Get(field)
	if field == "invoice_tax_id" {
		// The key is part of every spelling of it the account may hold
		// ("PL…"; the API strips spaces and dashes): the filter is a part match.
		value = want
	}
	var f baselinker.Filters
	if err := f.Set(field, value); err != nil {
		return nil, fmt.Errorf("look-up by %s: %w", field, err)
	}
	known := func(ch events.Change) bool { return ch.Known } // a field getCrmClients returns, holding another value
	fits := func(c *baselinker.Client) bool {
		have, _ := c.Get(field)
		return validate.MatchKey(field, have) == want && !(strict && slices.ContainsFunc(diff(c, it, false), known))
	}
	found, err := baselinker.FindClients(r.sendCtx, r.lookupPage(f), fits, 0) // every fit: two are not this row's to pick from
	if err != nil {
		return nil, fmt.Errorf("look-up by %s: %w", field, lookupStopped(err))
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	ids := make([]int64, len(found))
	for i, c := range found {
		ids[i] = int64(c.CrmClientID)
	}
	return nil, fmt.Errorf("%d clients fit (crm_client_id %s), cannot tell which one this row made", len(found), events.JoinIDs(ids))
}

// lookupKey is what a look-up of the row goes by: its first match key, or
// without one its email, strict (every sent field must agree); want is
// the normalised value, "" when the row has none.
func lookupKey(it *item) (field, want string, strict bool) {
	field, strict = "email", true
	if len(it.keys) > 0 {
		field, strict = it.keys[0].field, false
	}
	value, _ := it.res.Get(field)
	return field, validate.MatchKey(field, value), strict
}

// lookupPage is the list of a look-up's pages: a read, so after the
// client's own retries each page is worth a few more rounds (the
// alternative is a row left unsettled).
func (r *run) lookupPage(f baselinker.Filters) baselinker.ListFunc {
	return func(ctx context.Context, page int) (cs []baselinker.Client, err error) {
		for range lookupRounds {
			cs, err = r.api.GetCrmClients(ctx, page, f)
			if err == nil || baselinker.Classify(err) != baselinker.ClassRetryable {
				break
			}
		}
		return cs, err
	}
}

// lookupError says why a look-up stopped in the words of the row's line
// (FindClients' own speak of a walk that wrote nothing).
type lookupError struct {
	words string
	err   error
}

func (e *lookupError) Error() string { return e.words }
func (e *lookupError) Unwrap() error { return e.err }

// lookupStopped words the bounds of FindClients for a row's line: more
// pages of partial matches than it reads (the words the import has always
// said), or pages that do not page.
func lookupStopped(err error) error {
	var we *baselinker.WalkError
	switch {
	case errors.Is(err, baselinker.ErrTooManyMatches):
		return &lookupError{fmt.Sprintf("more than %d pages of partial matches", baselinker.MaxFindPages), err}
	case errors.As(err, &we) && errors.Is(err, baselinker.ErrNotPaging):
		return &lookupError{fmt.Sprintf("%v: page %d of the filter's matches repeats the clients of earlier pages", baselinker.ErrNotPaging, we.Page), err}
	}
	return err
}

// failure turns an API error into the row's line; a fatal one stops the run.
func (r *run) failure(ctx context.Context, l events.Line, err error) events.Line {
	l.Changes = nil
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		l.Status, l.Code = events.StatusSkipped, events.CodeInterrupted
		l.Message = "run again with --resume — the request was cut off by the interrupt"
		return l
	}
	if errors.Is(err, pacer.ErrWaitedTooLong) {
		r.halt(err, l.Row)
		l.Status, l.Code = events.StatusSkipped, CodeWaitedTooLong
		l.Message = "run again with --resume once the block is over or the API answers again — not sent: the API's blocks or its silence took longer than --max-wait"
		return l
	}
	l.Status = events.StatusFailed
	var ae *baselinker.APIError
	switch {
	case errors.As(err, &ae):
		l.Code, l.Message = ae.Code, ae.Message
	case r.stopped() && errors.Is(err, r.fatalErr):
		l.Code, l.Message = CodeJournal, "nothing was sent for this row — "+err.Error()
	default:
		l.Code, l.Message = CodeTransport, "run again with --resume — "+err.Error()+" (after the client's retries)"
	}
	if baselinker.Classify(err) == baselinker.ClassFatal {
		r.halt(err, l.Row)
	}
	return l
}

func (r *run) notAttempted(l events.Line) events.Line {
	l.Status, l.Code = events.StatusSkipped, events.CodeNotAttempted
	l.Message = "fix it and run again with --resume — not attempted: " + r.stopWhy()
	return l
}

// stopWhy says what stopped the run, for the rows it leaves: a fatal API
// error, --max-wait, or the error itself (the journal could not be
// written, say).
func (r *run) stopWhy() string {
	switch {
	case errors.Is(r.fatalErr, pacer.ErrWaitedTooLong):
		return fmt.Sprintf("the run stopped at row %d: the API's blocks or its silence took longer than --max-wait", r.fatalRow)
	case baselinker.Classify(r.fatalErr) == baselinker.ClassFatal:
		return fmt.Sprintf("the run stopped at row %d on a fatal API error", r.fatalRow)
	}
	return fmt.Sprintf("the run stopped at row %d: %v", r.fatalRow, r.fatalErr)
}

func interrupted(l events.Line) events.Line {
	l.Status, l.Code, l.Changes = events.StatusSkipped, events.CodeInterrupted, nil
	l.Message = "run again with --resume — not sent: the import was interrupted"
	return l
}
