package exporter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// API is what the exporter needs of the API client; *baselinker.API
// satisfies it. Retries and pacing are the client's business.
type API interface {
	GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error)
	GetCrmClientData(ctx context.Context, id int64, includeCustomExtraFields bool) (baselinker.Client, error)
	GetCrmClientStatuses(ctx context.Context) ([]baselinker.Status, error)
	// GetCrmClientsWithExtraFields is GetCrmClients asking the list for
	// the custom extra fields; an API that ignores the request answers
	// with nil CustomExtraFields.
	GetCrmClientsWithExtraFields(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error)
	// GetCrmClientExtraFields names the account's extra fields.
	GetCrmClientExtraFields(ctx context.Context) ([]baselinker.ExtraFieldDef, error)
}

// Summary describes a finished (or failed) export.
type Summary struct {
	Clients    int           // rows written
	Pages      int           // getCrmClients pages read (the recheck included)
	Requests   int64         // HTTP requests sent (retries included when the API counts them)
	Duration   time.Duration // wall time of the run
	Duplicates int           // clients met again on a later page and skipped
	Vanished   []int64       // clients deleted before their details could be read (not found, and confirmed by the list)
	Changed    bool          // the client list changed during the walk
	Columns    []string      // the header written
	// ExtraFieldsFrom says where the custom extra fields came from: "list"
	// (include_custom_extra_fields, 100 a request), "details" (one
	// getCrmClientData per client) or "" (not asked).
	ExtraFieldsFrom string
	// Reused counts details taken from an interrupted run's kept file
	// (--resume) instead of being read again.
	Reused int
	// Kept is the file holding the details read when the export did not
	// finish ("" when nothing was kept): --resume continues from it.
	Kept string
	// UnnamedStatus counts the clients whose status_id the account's
	// statuses do not list (their status_name is empty);
	// UnnamedStatusIDs are those IDs, ascending.
	UnnamedStatus    int
	UnnamedStatusIDs []int64
}

// LogAttrs returns the summary as slog attributes (for a JSON log line).
func (s Summary) LogAttrs() []any {
	return []any{"clients", s.Clients, "pages", s.Pages, "requests", s.Requests,
		"seconds", math.Round(s.Duration.Seconds()*10) / 10, "duplicates_skipped", s.Duplicates,
		"vanished", len(s.Vanished), "vanished_ids", append([]int64{}, s.Vanished...), "list_changed", s.Changed, "columns", len(s.Columns),
		"extra_fields_from", s.ExtraFieldsFrom, "details_reused", s.Reused,
		"status_unnamed", s.UnnamedStatus, "status_unnamed_ids", append([]int64{}, s.UnnamedStatusIDs...)}
}

// String is the one-line human summary.
func (s Summary) String() string {
	msg := fmt.Sprintf("exported %d clients (%d pages, %d requests, %.1f s, %d duplicates skipped)",
		s.Clients, s.Pages, s.Requests, s.Duration.Seconds(), s.Duplicates)
	if s.Reused > 0 {
		msg += fmt.Sprintf("; %d clients' details reused from the interrupted run", s.Reused)
	}
	if n := len(s.Vanished); n > 0 {
		more := ""
		if n > 20 {
			more = fmt.Sprintf(" and %d more", n-20)
		}
		msg += fmt.Sprintf("; %d clients were deleted before their details could be read (crm_client_id %s%s)", n, events.JoinIDs(s.Vanished[:min(n, 20)]), more)
	}
	if s.UnnamedStatus > 0 {
		msg += fmt.Sprintf("; %d clients hold a status_id the account does not list (%s): their status_name is empty (crmbulk account lists the statuses)",
			s.UnnamedStatus, events.JoinIDs(s.UnnamedStatusIDs))
	}
	if s.Changed {
		msg += "; the client list changed while it was read (clients added or removed): " +
			"every client was written at most once, but run the export again for an exact snapshot"
	}
	return msg
}

// DefaultAhead is how many requests an export keeps in flight when
// Config.Ahead is not set.
const DefaultAhead = 4

// Config says what an export reads and how; the zero value exports every
// client with the default columns, reporting nothing.
type Config struct {
	// Filters limits the export to the clients matching them.
	Filters baselinker.Filters
	// Columns selects and orders the columns (API field names, notes,
	// status_name, extra_<ID>, extra_*); nil keeps the default.
	Columns []string
	// Notes adds the notes column: one getCrmClientData per client.
	Notes bool
	// ExtraFields adds a column per custom extra field. The list is asked
	// for them first (include_custom_extra_fields, 100 clients a request);
	// when it does not carry them the exporter reads each client with
	// getCrmClientData instead, and says so. Columns are headed
	// "extra_<ID> <name>" when getCrmClientExtraFields names the fields.
	ExtraFields bool
	// StatusNames adds a status_name column after status_id to the default
	// columns (one getCrmClientStatuses call per export).
	StatusNames bool
	// StatusList is the account's client statuses already read (for
	// --filter status=NAME), so that status_name costs no second request.
	StatusList []baselinker.Status
	// Ahead is how many requests may be in flight at once (pages ahead of
	// the writer, details in parallel); < 1: DefaultAhead.
	Ahead int
	// MaxClients bounds the walk of the list (< 1:
	// baselinker.DefaultMaxClients): an API whose pages never end stops there.
	MaxClients int
	// NoRecheck skips the final re-read of the last page, which costs one
	// request and catches clients added during the walk.
	NoRecheck bool
	// Keep keeps the details read in this file (Output.DetailsPath) while
	// the export runs: if it fails or is interrupted the file stays, and a
	// run with Resume reads only the clients whose details it does not hold
	// or whose list entry changed since. A finished export removes it.
	Keep string
	// Resume reuses the details kept by an earlier, unfinished run (see
	// Keep). Without kept details the export starts from the beginning.
	Resume bool
	// SpoolDir is where the details spool file is made when it is not kept
	// (no Keep; "": the system's temporary directory).
	SpoolDir string

	// Events receives the export's typed run events (nil: nothing): its
	// phases, pages, rate, ETA and waits as Updates, the Summary at the end.
	Events events.Printer
	// Logger gets the run's notes (nil: discarded).
	Logger *slog.Logger
	// PageHook, if set, is called after each page is read, before its
	// clients are written (tests use it to change the data under the walk).
	PageHook func(page int)

	// Capabilities are what the exporter may use of its API client beyond
	// reading clients (CapabilitiesOf gives a *baselinker.API's).
	Capabilities
}

// Capabilities are what an API client may offer the exporter beyond the
// API interface; each one left unset is simply not used.
type Capabilities struct {
	// Account names the account the API talks to: kept details are resumed
	// only on the same one ("": unknown, as an API that cannot say).
	Account string
	// Limiter is the pacer every request waits for: the exporter then says
	// how long the details will take.
	Limiter *pacer.Limiter
	// Waiting says what the requests wait for now (a block, a retry, a
	// slow answer, the limit), for the progress line.
	Waiting func() string
	// Requests counts the HTTP requests sent so far (retries included):
	// the summary then counts the client's retries too.
	Requests func() int64
}

// CapabilitiesOf returns everything api offers the exporter.
func CapabilitiesOf(api *baselinker.API) Capabilities {
	return Capabilities{
		Account:  api.Account(),
		Limiter:  api.Limiter(),
		Waiting:  api.Waiting,
		Requests: func() int64 { return api.Stats().Requests },
	}
}

// Exporter reads every client and writes one row each.
type Exporter struct {
	api  API
	cfg  Config             // as given, Ahead defaulted
	want needs              // what the columns need: notes, extra fields, status names
	ev   *events.Aggregator // the running export's (Run)
	log  *slog.Logger

	cols     []column
	requests atomic.Int64
	fromList atomic.Bool // the list carries the extra fields …
	probed   atomic.Bool // … as page 1 showed
}

// New returns an Exporter reading through api as cfg says. It fails on a
// bad column list (errors.Is(err, ErrColumn)).
func New(api API, cfg Config) (*Exporter, error) {
	if cfg.Ahead < 1 {
		cfg.Ahead = DefaultAhead
	}
	e := &Exporter{api: api, cfg: cfg, log: cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))}
	var err error
	if e.cols, e.want, err = cfg.columns(); err != nil {
		return nil, err
	}
	return e, nil
}

// Check returns the error New would return for c — a bad column list
// (ErrColumn), Resume of an export that keeps nothing (a ResumeError) — with
// no API, so that a command refuses them before its first request.
func (c Config) Check() error {
	_, _, err := c.columns()
	return err
}

// columns resolves c's columns and what they need. The columns say it: no
// details or statuses requests for columns nobody asked for (with the
// default columns this is the flags). Resume needs an export that reads
// details: only those keep what they read (a plain export is one walk of
// the list, written at its end, and keeps nothing to go on from).
func (c Config) columns() ([]column, needs, error) {
	cols, err := resolveColumns(c.Columns, needs{notes: c.Notes, extras: c.ExtraFields, statuses: c.StatusNames})
	if err != nil {
		return nil, needs{}, err
	}
	want := needsOf(cols)
	if c.Resume && !want.notes && !want.extras {
		return nil, needs{}, &ResumeError{Reason: ResumeListOnly}
	}
	return cols, want, nil
}

// Opener makes the sheet writer once the header is known.
type Opener func(header []string) (sheet.Writer, error)

// ErrFatal marks an API error that stops the export at once: the token is
// missing, wrong or not allowed, the API keeps refusing a read, or its
// blocks lasted longer than --max-wait.
var ErrFatal = errors.New("the export stopped")

// Run walks the clients and writes them through the writer open returns,
// closing it at the end. On error the writer is closed too (the caller
// throws the output away) and the Summary says how far the run got.
func (e *Exporter) Run(ctx context.Context, open Opener) (sum Summary, err error) {
	start := time.Now()
	e.requests.Store(0) // this run's requests only
	e.probed.Store(false)
	requests := e.requests.Load
	if count := e.cfg.Requests; count != nil {
		before := count()
		requests = func() int64 { return count() - before }
	}
	e.ev = e.newEvents(requests)
	defer e.ev.Watch()()
	defer func(l *slog.Logger) { e.log = l }(e.log)
	e.log = e.ev.Logger(e.log) // its notes are the run's Messages too
	defer func() {
		sum.Duration = time.Since(start)
		sum.Requests = requests()
		e.ev.Finish(sum.String())
	}()

	var statuses *statusNamer
	if e.want.statuses {
		if statuses, err = e.readStatusNames(ctx); err != nil {
			return sum, err
		}
		defer func() { statuses.finish(e, &sum) }()
	}
	if e.want.notes || e.want.extras {
		return e.runDetails(ctx, open, statuses)
	}
	defer e.ev.End() // after writeSheet's Close: the phase lasts until the file is written
	err = e.writeSheet(open, &sum, expand(e.cols, nil, nil), statuses, func(write func(*baselinker.Client) error) error {
		e.ev.Begin(events.Phase{Name: "export", Total: -1, Unit: "clients", Walk: true})
		return e.walk(ctx, &sum, write)
	})
	return sum, err
}

// writeSheet opens the sheet of cols, writes its header (sum.Columns),
// then the row of each client rows hands to write (counted in sum), and
// closes it. On error the writer is closed too (the caller throws the output
// away).
func (e *Exporter) writeSheet(open Opener, sum *Summary, cols []column, statuses *statusNamer,
	rows func(write func(*baselinker.Client) error) error) error {
	w, err := open(header(cols))
	if err != nil {
		return err
	}
	sum.Columns = header(cols)
	if err := w.Write(sum.Columns); err != nil {
		_ = w.Close()
		return fmt.Errorf("writing the header: %w", err)
	}
	var buf []string
	err = rows(func(c *baselinker.Client) error {
		buf = row(buf, cols, c, statuses)
		if err := w.Write(buf); err != nil {
			return fmt.Errorf("writing client %d: %w", c.CrmClientID, err)
		}
		sum.Clients++
		e.ev.Record(events.Item{Row: sum.Clients, Status: StatusExported})
		return nil
	})
	if err != nil {
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("finishing the file: %w", err)
	}
	return nil
}

// apiErr wraps an API error with what was being done, marking fatal ones.
func apiErr(what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled): // an interrupt, never the token's fault
		return fmt.Errorf("%s: interrupted: %w", what, err)
	case errors.Is(err, pacer.ErrWaitedTooLong):
		return fmt.Errorf("%s: %w: the API's blocks and the requests it never answered took longer than --max-wait allows: %w", what, ErrFatal, err)
	case baselinker.IsAuth(err):
		return fmt.Errorf("%s: %w: the API refused the token: %w — check BASELINKER_TOKEN or --token-file", what, ErrFatal, err)
	case baselinker.Classify(err).Stops():
		return fmt.Errorf("%s: %w: %w", what, ErrFatal, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// StatusExported is the status of a client's row written: its Item's, and
// the Summary's count of them.
const StatusExported = "exported"

// newEvents is the aggregator of a run's typed events, to the printer of
// Config.Events: what the requests wait for is the API's Waiting ("waiting
// for the limit: next request in 42s (100/1m0s)", "blocked until 14:05:12
// (8m0s left)", a retry, a slow answer), so that a run under the limit or
// in a block never looks hung.
func (e *Exporter) newEvents(requests func() int64) *events.Aggregator {
	var waits []events.Wait
	if w := e.cfg.Waiting; w != nil {
		waits = append(waits, events.Words(w))
	}
	return events.NewAggregator(events.AggregatorConfig{Command: "export", Printer: e.cfg.Events, Waits: waits, Requests: requests})
}
