package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/internal/progress"
	"github.com/crmbulk/crmbulk/sheet"
)

// API is what the exporter needs of the API client; *baselinker.API
// satisfies it. Retries and pacing are the client's business.
type API interface {
	GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error)
	GetCrmClientData(ctx context.Context, id int64, includeCustomExtraFields bool) (baselinker.Client, error)
	GetCrmClientStatuses(ctx context.Context) ([]baselinker.Status, error)
}

// paced is implemented by an API with a limiter (*baselinker.API): the
// exporter then says how long the details will take.
type paced interface {
	Limiter() *pacer.Limiter
}

// counted is implemented by an API that counts its HTTP requests
// (*baselinker.API): the summary then includes the client's retries.
type counted interface {
	Stats() baselinker.Stats
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
	ListDelta  int           // clients on the last page at the recheck minus at the walk
	Columns    []string      // the header written
}

// LogAttrs returns the summary as slog attributes (for a JSON log line).
func (s Summary) LogAttrs() []any {
	return []any{"clients", s.Clients, "pages", s.Pages, "requests", s.Requests,
		"seconds", fmt.Sprintf("%.1f", s.Duration.Seconds()), "duplicates_skipped", s.Duplicates,
		"vanished", len(s.Vanished), "vanished_ids", s.Vanished, "list_changed", s.Changed, "columns", len(s.Columns)}
}

// String is the one-line human summary.
func (s Summary) String() string {
	msg := fmt.Sprintf("exported %d clients (%d pages, %d requests, %.1f s, %d duplicates skipped)",
		s.Clients, s.Pages, s.Requests, s.Duration.Seconds(), s.Duplicates)
	if n := len(s.Vanished); n > 0 {
		ids := make([]string, 0, min(n, 20))
		for _, id := range s.Vanished[:min(n, 20)] {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		more := ""
		if n > 20 {
			more = fmt.Sprintf(" and %d more", n-20)
		}
		msg += fmt.Sprintf("; %d clients were deleted before their details could be read (crm_client_id %s%s)", n, strings.Join(ids, ", "), more)
	}
	if s.Changed {
		msg += "; the client list changed while it was read (clients added or removed): " +
			"every client was written at most once, but run the export again for an exact snapshot"
	}
	return msg
}

// Option configures an Exporter.
type Option func(*Exporter)

// WithFilters limits the export to the clients matching f.
func WithFilters(f baselinker.Filters) Option { return func(e *Exporter) { e.filters = f } }

// WithColumns selects and orders the columns (API field names, notes,
// status_name, extra_<ID>, extra_*); nil keeps the default.
func WithColumns(names []string) Option { return func(e *Exporter) { e.columns = names } }

// WithDetails reads every client with getCrmClientData (one request per
// client) to add notes and the custom extra fields.
func WithDetails(on bool) Option { return func(e *Exporter) { e.details = on } }

// WithStatusNames adds a status_name column (one getCrmClientStatuses call).
func WithStatusNames(on bool) Option { return func(e *Exporter) { e.statusNames = on } }

// WithProgress reports progress to r (default: nothing).
func WithProgress(r progress.Reporter) Option { return func(e *Exporter) { e.progress = r } }

// WithLogger logs through l (default: discard).
func WithLogger(l *slog.Logger) Option { return func(e *Exporter) { e.log = l } }

// WithAhead sets how many requests may be in flight at once (pages ahead of
// the writer, details in parallel); default 4, at least 1.
func WithAhead(n int) Option { return func(e *Exporter) { e.ahead = max(n, 1) } }

// WithSpoolDir sets where the details spool file is made (default: the
// system's temporary directory).
func WithSpoolDir(dir string) Option { return func(e *Exporter) { e.spoolDir = dir } }

// WithRecheck turns the final re-read of the last page on or off (default
// on): it costs one request and catches clients added during the walk.
func WithRecheck(on bool) Option { return func(e *Exporter) { e.recheck = on } }

// WithPageHook calls fn after each page is read, before its clients are
// written (tests use it to change the data under the walk).
func WithPageHook(fn func(page int)) Option { return func(e *Exporter) { e.pageHook = fn } }

// Exporter reads every client and writes one row each.
type Exporter struct {
	api         API
	filters     baselinker.Filters
	columns     []string
	details     bool
	statusNames bool
	progress    progress.Reporter
	log         *slog.Logger
	ahead       int
	spoolDir    string
	recheck     bool
	pageHook    func(int)

	cols     []column
	requests atomic.Int64
}

// New returns an Exporter reading through api. It fails on a bad column
// list (errors.Is(err, ErrColumn)).
func New(api API, opts ...Option) (*Exporter, error) {
	e := &Exporter{api: api, progress: progress.Nop{}, log: slog.New(slog.DiscardHandler), ahead: 4, recheck: true}
	for _, o := range opts {
		o(e)
	}
	cols, err := resolveColumns(e.columns, e.details, e.statusNames)
	if err != nil {
		return nil, err
	}
	e.cols = cols
	// The columns say what is needed: no details or statuses requests for
	// columns nobody asked for (with the default columns this is the flags).
	n := needsOf(cols)
	e.details, e.statusNames = n.details, n.statuses
	return e, nil
}

// Opener makes the sheet writer once the header is known.
type Opener func(header []string) (sheet.Writer, error)

// ErrFatal marks an API error that stops the export at once (the token is
// missing, wrong or not allowed).
var ErrFatal = errors.New("the API refused the token")

// Run walks the clients and writes them through the writer open returns,
// closing it at the end. On error the writer is closed too (the caller
// throws the output away) and the Summary says how far the run got.
func (e *Exporter) Run(ctx context.Context, open Opener) (sum Summary, err error) {
	start := time.Now()
	e.requests.Store(0) // this run's requests only
	st, hasStats := e.api.(counted)
	var before int64
	if hasStats {
		before = st.Stats().Requests
	}
	defer func() {
		sum.Duration = time.Since(start)
		sum.Requests = e.requests.Load()
		if hasStats {
			sum.Requests = st.Stats().Requests - before
		}
	}()

	var statuses map[int64]string
	if e.statusNames {
		if statuses, err = e.statusMap(ctx); err != nil {
			return sum, err
		}
	}
	if e.details {
		return e.runDetails(ctx, open, statuses)
	}

	cols := expand(e.cols, nil)
	w, err := open(header(cols))
	if err != nil {
		return sum, err
	}
	sum.Columns = header(cols)
	if err := w.Write(sum.Columns); err != nil {
		_ = w.Close()
		return sum, fmt.Errorf("writing the header: %w", err)
	}
	e.progress.Start("export", -1, "clients")
	defer e.progress.Finish()
	var buf []string
	err = e.walk(ctx, &sum, func(c *baselinker.Client) error {
		buf = row(buf, cols, c, statuses)
		if err := w.Write(buf); err != nil {
			return fmt.Errorf("writing client %d: %w", c.CrmClientID, err)
		}
		sum.Clients++
		return nil
	})
	if err != nil {
		_ = w.Close()
		return sum, err
	}
	if err := w.Close(); err != nil {
		return sum, fmt.Errorf("finishing the file: %w", err)
	}
	return sum, nil
}

// statusMap reads the status names (one request).
func (e *Exporter) statusMap(ctx context.Context) (map[int64]string, error) {
	e.requests.Add(1)
	list, err := e.api.GetCrmClientStatuses(ctx)
	if err != nil {
		return nil, apiErr("reading the client statuses (getCrmClientStatuses)", err)
	}
	m := make(map[int64]string, len(list))
	for _, s := range list {
		m[int64(s.ID)] = s.Name
	}
	return m, nil
}

// apiErr wraps an API error with what was being done, marking fatal ones.
func apiErr(what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled): // an interrupt, never the token's fault
		return fmt.Errorf("%s: interrupted: %w", what, err)
	case baselinker.IsAuth(err):
		return fmt.Errorf("%s: %w: %w — check BASELINKER_TOKEN or --token-file", what, ErrFatal, err)
	case baselinker.Classify(err).Stops():
		return fmt.Errorf("%s: %w: %w", what, ErrFatal, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
