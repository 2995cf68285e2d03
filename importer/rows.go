package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/crmbulk/crmbulk/validate"
)

// rows reads the rows in order and hands each to the run pool (package
// run), or answers it at once (resumed, skipped). The pool runs up to
// Workers rows at once and hands their lines to the report writer in file
// order; rows that share a key are chained in file order, and a job's
// error (the journal cannot be written) stops the run.
func (r *run) rows(ctx context.Context, rd *sheet.Reader, rw *reportWriter) error {
	// Requests in flight may finish after an interrupt (DrainTimeout), but
	// none starts after it: the limiter's waits end with ctx.
	pool := events.StartPool(ctx, events.PoolConfig{Workers: r.cfg.Workers, Window: r.window, Drain: r.cfg.DrainTimeout}, func(l events.Line) error {
		rw.put(l)
		return nil
	})
	r.sendCtx = baselinker.InFlight(pool.SendContext(), ctx)
	readErr := r.feed(ctx, rd, pool)
	if err := pool.Wait(); err != nil {
		return err
	}
	return readErr
}

// feed reads the rows and adds each to the pool, in file order.
func (r *run) feed(ctx context.Context, rd *sheet.Reader, pool *events.Pool[events.Line]) error {
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", events.ErrBadInput, err)
		}
		if l, done, err := r.resumed(row.Num); err != nil || done {
			if err == nil {
				err = r.jnl.Done(&l)
			}
			if err != nil {
				return err
			}
			_ = pool.Done(l) // an error is the pool's: its Wait has it
			continue
		}
		it := r.mapRow(row)
		until, later := r.carry[it.num].LandsBy(r.cfg.RequestTimeout) // a create a stopped run sent, not yet landed: it waits apart (indoubt.go)
		if pool.Add(events.Job[events.Line]{Keys: it.chainKeys(r.idx), Apart: later, Do: func(_ context.Context, turn events.Turn) (events.Line, error) {
			var l events.Line
			switch err := r.waitLookup(ctx, it.num, until); {
			case errors.Is(err, events.ErrStopped): // the journal keeps a carried send open until it is looked up
				l = r.notAttempted(it.base())
			case err != nil:
				l = interrupted(it.base())
			default:
				l = r.process(ctx, it, turn)
				r.nameStatuses(&l) // the statuses its plan sets (statusnames.go)
			}
			return l, r.jnl.Done(&l)
		}}) != nil {
			return nil // the pool failed: its Wait has the error
		}
	}
}

// resumed answers a row that a resumed report finished: its old line.
func (r *run) resumed(num int) (events.Line, bool, error) {
	if r.old == nil {
		return events.Line{}, false, nil
	}
	ol, err := r.old.lines.Lookup(num)
	if err != nil {
		return events.Line{}, false, fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	l, ok := r.settled[num]
	if ol != nil && ol.Status.Finished() {
		l, ok = *ol, true
	}
	l.Earlier = true
	return l, ok, nil
}

// item is one row on its way through the pool.
type item struct {
	num      int
	unsaved  []int // columns holding a formula with no saved value
	res      mapping.Result
	keys     []rowKey // the row's match keys with a value, in match_by order
	keyLabel string   // "field:key" for the report: the key matched by, else the first
	unkeyed  bool     // match keys are set but the row has none of them
	disputed bool     // the row shares a key with rows that disagree with it
	skipCode string   // the row is no client (empty, a total line): its skipped line's code and message
	skipMsg  string
	warnings []string
	adjusted []string // the kinds of the values changed on the way in (adjust*)
}

// The kinds of values changed on their way in, which the report and the
// summary say.
const (
	adjustTextMark  = "text mark removed"
	adjustCountry   = "country → ISO code"
	adjustExtension = "phone extension dropped"
	adjustSplit     = "other values of a cell not sent"
	adjustKey       = "email or login cleaned (invisible characters, spaces, full-width forms)"
)

func (it *item) base() events.Line {
	return events.Line{Row: it.num, MatchKey: it.keyLabel, Warnings: strings.Join(it.warnings, "; "), Adjusted: it.adjusted, Unkeyed: it.unkeyed, Disputed: it.disputed}
}

// rowKey is one of a row's match keys: a field and its normalised value.
type rowKey struct{ field, key string }

func (k rowKey) label() string { return k.field + ":" + k.key }

// chainKeys are the keys whose rows must run one after another: its
// client ID and every match key it has (sameKeys), the clients those keys
// find, and its email (what a look-up of a lost create goes by).
func (it *item) chainKeys(idx *index) []string {
	keys := sameKeys(it)
	if it.res.ID == 0 {
		for _, k := range it.keys {
			for _, id := range idx.find(k.field, k.key) {
				keys = append(keys, fmt.Sprintf("crm_client_id:%d", id))
			}
		}
	}
	if e, _ := it.res.Get("email"); e != "" {
		keys = append(keys, rowKey{"email", validate.MatchKey("email", e)}.label())
	}
	slices.Sort(keys)
	return slices.Compact(keys) // two keys may find one client
}

// mapRow maps a row and takes its match keys (cheap: done in file order),
// with the warnings of the rows of its key that disagree with it.
func (r *run) mapRow(row sheet.Row) *item {
	it := r.item(row)
	if w := r.disputes[row.Num]; len(w) > 0 {
		it.warnings, it.disputed = append(it.warnings, w...), true
	}
	return it
}

// item maps a row and takes its match keys: what its own cells say.
func (c *Checker) item(row sheet.Row) *item {
	it := &item{num: row.Num, res: c.plan.Apply(row.Cells), unsaved: row.Unsaved}
	it.skipCode, it.skipMsg = c.notClientReason(row, it)
	for _, f := range c.matchBy {
		v, _ := it.res.Get(f)
		if k := validate.MatchKey(f, v); k != "" {
			it.keys = append(it.keys, rowKey{f, k})
		}
	}
	switch {
	case len(it.keys) > 0:
		it.keyLabel = it.keys[0].label()
	case len(c.matchBy) > 0 && it.res.ID == 0:
		// Created, this client cannot be found again by a re-run.
		it.unkeyed = true
		it.warnings = append(it.warnings, fmt.Sprintf("no %s: a re-run creates this client again", suggest.OrList(c.matchBy)))
	}
	return it
}

// check validates a mapped row and puts its values in canonical form; it
// returns the row's invalid line, or nil when the row may be sent.
func (c *Checker) check(it *item) *events.Line {
	c.statusByName(it)
	var ps []validate.Problem
	for i := range it.res.Values {
		v := &it.res.Values[i]
		rule, ok := validate.For(v.Field)
		if !ok { // not a field of the table: the mapping lets none through
			ps = append(ps, validate.Value(v.Field, v.Text)...)
			continue
		}
		v.Text, ps = rule.Check(v.Text, ps)
	}
	validate.SortProblems(ps)
	for _, v := range sortedExtra(it.res.Extra) {
		ps = validate.Extra(v.Field, v.Text, ps)
	}
	for _, m := range it.res.Marks {
		v, _ := sheet.StripTextMark(m.Cell)
		it.adjust(adjustTextMark, fmt.Sprintf("row %d, %s (%s): text mark removed: %s → %s", it.num, columnRef(m.Column), m.Field, chars.Quote(m.Cell), chars.Quote(v)))
	}
	for _, d := range it.res.Dropped {
		if d.Split != "" {
			it.adjust(adjustSplit, fmt.Sprintf("row %d, %s (%s): other values of the cell not sent (split: %s): %s", it.num, columnRef(d.Column), d.Field, chars.Quote(d.Split), chars.Quote(d.Text)))
			continue
		}
		it.adjust(adjustExtension, fmt.Sprintf("row %d, %s (%s): phone extension dropped (extension: drop): %s", it.num, columnRef(d.Column), d.Field, chars.Quote(d.Text)))
	}
	var errs []events.Problem
	for _, i := range it.unsaved {
		if !c.plan.Reads(i) {
			continue
		}
		h := c.plan.Header()[i]
		const fix = "open the file in Excel (or LibreOffice) and save it, so that the formula's result is stored"
		errs = append(errs, events.Problem{Field: h, Column: h, Code: "formula_not_saved", Hint: fix, Text: fmt.Sprintf(
			"%s — row %d, %s: a formula with no saved value (it would be read as empty)", fix, it.num, columnRef(h))})
	}
	for _, p := range it.res.Problems {
		errs = append(errs, events.Problem{Field: p.Field, Column: p.Column, Code: "mapping", Value: p.Value, Text: fmt.Sprintf("%s — row %d, %s (%s), value %s", p.Msg, it.num, columnRef(p.Column), p.Field, chars.Quote(p.Value))})
	}
	for _, p := range ps {
		_, col := c.plan.Source(p.Field)
		msg := fmt.Sprintf("row %d, %s (%s), value %s: %s: %s", it.num, columnRef(col), p.Field, chars.Quote(p.Value), p.Rule, p.Message)
		if p.Fix != "" { // the fix first: a narrow spreadsheet column shows it
			msg = p.Fix + " — " + msg
		}
		if p.Severity == validate.Warning {
			it.warnings = append(it.warnings, msg)
			switch p.Rule {
			case validate.RuleCountryName:
				it.adjusted = append(it.adjusted, adjustCountry)
			case validate.RuleCleaned:
				it.adjusted = append(it.adjusted, adjustKey)
			}
			continue
		}
		errs = append(errs, events.Problem{Field: p.Field, Column: col, Code: p.Rule, Value: p.Value, Hint: p.Fix, Text: msg})
	}
	if len(errs) == 0 {
		return nil
	}
	l := it.base()
	l.Status, l.Code, l.Problems = events.StatusInvalid, CodeInvalid, errs
	var texts, cols []string
	for _, e := range errs {
		texts = append(texts, e.Text)
		if e.Column != "" && !slices.Contains(cols, e.Column) {
			cols = append(cols, e.Column)
		}
	}
	l.Message, l.Column = strings.Join(texts, "; "), strings.Join(cols, "; ")
	return &l
}

// adjust notes a value changed on its way in: its warning, and its kind.
func (it *item) adjust(kind, warning string) {
	it.warnings = append(it.warnings, warning)
	it.adjusted = append(it.adjusted, kind)
}

// sortedExtra returns the extra fields in ID order.
func sortedExtra(extra []mapping.Value) []mapping.Value {
	out := slices.Clone(extra)
	slices.SortStableFunc(out, func(a, b mapping.Value) int { return baselinker.CompareExtraIDs(a.Field, b.Field) })
	return out
}

func columnRef(header string) string {
	if header == "" {
		return "no column (a constant of the mapping)"
	}
	return fmt.Sprintf("column %q", header)
}
