package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/validate"
)

// maxLookupPages bounds the pages one outcome look-up reads (partial-match
// filters can return many clients).
const maxLookupPages = 20

// lookupRounds bounds how often a failed look-up page is asked again.
const lookupRounds = 3

// process runs one valid row in the pool: wait for earlier rows with its
// keys, then update, create or answer at once.
func (r *run) process(ctx context.Context, it *item, wait []chan struct{}) Line {
	for _, w := range wait {
		select {
		case <-w:
		case <-ctx.Done():
			return interrupted(it.base())
		case <-r.stop:
			return r.notAttempted(it.base())
		}
	}
	if r.stopped() {
		return r.notAttempted(it.base())
	}
	if ctx.Err() != nil {
		return interrupted(it.base())
	}
	id, found, done := r.target(it)
	if p, ok := r.pending[it.num]; ok && p.Op == "create" && found && it.res.ID == 0 && r.idx != nil {
		// A crashed run sent this create and the index walk found the client.
		if c, ok := r.idx.client(id); ok {
			return r.adopt(ctx, it, &c)
		}
	}
	if done != nil {
		return *done
	}
	if found {
		return r.update(ctx, it, id)
	}
	return r.create(ctx, it)
}

func (r *run) update(ctx context.Context, it *item, id int64) Line {
	l := it.base()
	l.ID = id
	if err := r.jnl.send(it.num, "update", it.keyLabel); err != nil {
		return r.localFailure(l, err)
	}
	f := it.res.ClientFields()
	f.ID = id
	if _, err := r.api.AddCrmClient(r.sendCtx, f); err != nil {
		l = r.failure(ctx, l, err)
		_ = r.jnl.done(it.num, l.Status, id)
		return l
	}
	if r.idx != nil {
		r.idx.apply(id, it.res.Values)
	}
	l.Status = StatusUpdated
	if err := r.jnl.done(it.num, l.Status, id); err != nil {
		l.Note = err.Error()
	}
	return l
}

func (r *run) create(ctx context.Context, it *item) Line {
	l := it.base()
	if p, ok := r.pending[it.num]; ok && p.Op == "create" {
		// A crashed run sent this create and never learnt the answer.
		c, err := r.lookup(it)
		if err != nil {
			l.Status, l.Code = StatusFailed, CodeOutcomeUnknown
			l.Message = fmt.Sprintf("an earlier run sent this row's create and its answer never came; the look-up could not settle whether the client exists (%v); check the account before sending it again", err)
			l.unsettled = true
			return l // the journal keeps the send open
		}
		if c != nil {
			return r.adopt(ctx, it, c)
		}
	}
	for attempt := 1; attempt <= maxCreateAttempts; attempt++ {
		if attempt > 1 && ctx.Err() != nil {
			_ = r.jnl.done(it.num, StatusSkipped, 0)
			return interrupted(l)
		}
		if err := r.jnl.send(it.num, "create", it.keyLabel); err != nil {
			return r.localFailure(l, err)
		}
		id, err := r.api.AddCrmClient(r.sendCtx, it.res.ClientFields())
		if err == nil {
			l.Status, l.ID = StatusCreated, id
			if r.idx != nil {
				r.idx.apply(id, it.res.Values)
			}
			if err := r.jnl.done(it.num, l.Status, id); err != nil {
				l.Note = err.Error()
			}
			return l
		}
		if !errors.Is(err, baselinker.ErrOutcomeUnknown) {
			l = r.failure(ctx, l, err)
			_ = r.jnl.done(it.num, l.Status, 0)
			return l
		}
		c, lerr := r.lookup(it)
		if lerr != nil {
			l.Status, l.Code = StatusFailed, CodeOutcomeUnknown
			l.Message = fmt.Sprintf("the create was sent but its answer never came (%v), and the look-up could not settle whether the client exists (%v); not sent again to avoid a duplicate — check the account, then run again with --resume", err, lerr)
			l.unsettled = true
			return l // the journal keeps the send open for --resume
		}
		if c != nil {
			return r.adopt(ctx, it, c)
		}
		// Proven not created: send it again (bounded).
	}
	l.Status, l.Code = StatusFailed, CodeOutcomeUnknown
	l.Message = fmt.Sprintf("the create's answer never came %d times (each time a look-up proved no client was made); run again with --resume", maxCreateAttempts)
	_ = r.jnl.done(it.num, l.Status, 0)
	return l
}

// adopt settles a create whose answer was lost: the look-up found the
// client, so the row is created; fields that still differ are updated.
func (r *run) adopt(ctx context.Context, it *item, c *baselinker.Client) Line {
	id := int64(c.CrmClientID)
	l := it.base()
	l.Status, l.ID = StatusCreated, id
	l.Note = "the create's answer was lost; the client was found by a look-up and adopted"
	if r.idx != nil {
		r.idx.put(c)
	}
	if sameValues(c, it.res.Values, it.res.Extra) {
		_ = r.jnl.done(it.num, l.Status, id)
		return l
	}
	if err := r.jnl.send(it.num, "update", it.keyLabel); err != nil {
		return r.localFailure(l, err)
	}
	f := it.res.ClientFields()
	f.ID = id
	if _, err := r.api.AddCrmClient(r.sendCtx, f); err != nil {
		// The client exists: the row stays "created" (a resume must not create it again).
		fl := r.failure(ctx, l, err)
		l.Code, l.Message = fl.Code, "created, but the update of its remaining fields failed: "+fl.Message
	} else if r.idx != nil {
		r.idx.apply(id, it.res.Values)
	}
	_ = r.jnl.done(it.num, l.Status, id)
	return l
}

// errNoLookupKey: the row has nothing a look-up could find it by.
var errNoLookupKey = errors.New("the row has no match key and no email to look the client up by")

// lookup finds the client a lost create may have made: by the match key
// (exact compare of the normalised key), or without --match-by by the row's
// email, adopting only a client whose sent fields all equal the row's.
// It returns nil, nil when no such client exists.
func (r *run) lookup(it *item) (*baselinker.Client, error) {
	field, strict := r.cfg.matchBy, false
	if field == "" || it.key == "" {
		field, strict = "email", true
	}
	value, _ := it.res.Get(field)
	want := validate.MatchKey(field, value)
	if want == "" {
		return nil, errNoLookupKey
	}
	var f baselinker.Filters
	if err := f.Set(field, value); err != nil {
		return nil, fmt.Errorf("look-up by %s: %w", field, err)
	}
	var found []baselinker.Client
	for page := 1; page <= maxLookupPages; page++ {
		var cs []baselinker.Client
		var err error
		// A look-up is a read: after the client's own retries it is worth
		// a few more rounds, since the alternative is a row left unsettled.
		for round := 0; round < lookupRounds; round++ {
			cs, err = r.api.GetCrmClients(r.sendCtx, page, f)
			if err == nil || baselinker.Classify(err) != baselinker.ClassRetryable {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("look-up by %s: %w", field, err)
		}
		for _, c := range cs {
			have, _ := c.Get(field)
			if validate.MatchKey(field, have) != want {
				continue
			}
			if strict && !holds(&c, it.res.Values, true) { // the fields getCrmClients returns
				continue
			}
			found = append(found, c)
		}
		if len(cs) < baselinker.PageSize {
			break
		}
		if page == maxLookupPages {
			return nil, fmt.Errorf("look-up by %s: more than %d pages of partial matches", field, maxLookupPages)
		}
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
	return nil, fmt.Errorf("%d clients fit (crm_client_id %s), cannot tell which one this row made", len(found), joinIDs(ids))
}

// failure turns an API error into the row's line; a fatal one stops the run.
func (r *run) failure(ctx context.Context, l Line, err error) Line {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		l.Status, l.Code = StatusSkipped, CodeInterrupted
		l.Message = "the request was cut off by the interrupt; run again with --resume"
		return l
	}
	l.Status = StatusFailed
	var ae *baselinker.APIError
	switch {
	case errors.As(err, &ae):
		l.Code, l.Message = ae.Code, ae.Message
	default:
		l.Code, l.Message = CodeTransport, err.Error()+" (after the client's retries); run again with --resume"
	}
	if baselinker.Classify(err) == baselinker.ClassFatal {
		r.halt(err, l.Row)
	}
	return l
}

// localFailure is a failure of the importer's own files (the journal): the
// request was not sent, and the run stops rather than write without a journal.
func (r *run) localFailure(l Line, err error) Line {
	r.halt(err, l.Row)
	l.Status, l.Code, l.Message = StatusFailed, "JOURNAL", err.Error()+"; nothing was sent for this row"
	return l
}
