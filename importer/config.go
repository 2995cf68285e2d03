package importer

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// API is what the importer needs of the Base API; *baselinker.API has it.
// Stats counts the requests as the limiter sees them (retries included):
// the summary's one request count. Account names the account it writes
// to (a hash of the token), which each report line carries, so that an
// undo is never run against another account. ResendAt says when a write
// may go again after its retry pause (process.go).
type API interface {
	GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error)
	GetCrmClientData(ctx context.Context, id int64, includeCustomExtraFields bool) (baselinker.Client, error)
	GetCrmClientStatuses(ctx context.Context) ([]baselinker.Status, error)
	AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error)
	ResendAt(k int, sent time.Time) (time.Time, error)
	Stats() baselinker.Stats
	Account() string
}

// DefaultWorkers is the default size of the request pool.
const DefaultWorkers = 8

// MaxWorkers bounds the pool: at 100 requests a minute a handful of workers
// already keep the limit busy, and each worker holds rows in flight.
const MaxWorkers = 64

// Config is one import. The zero value of every field is a sensible default.
type Config struct {
	// Mapping maps the sheet's columns to fields; nil maps a sheet whose
	// headers are API field names (an export) to itself. Its source:
	// settings and match_by apply where Sheet and MatchBy leave them unset.
	Mapping *mapping.Mapping
	// MatchBy matches rows to existing clients by email, login, phone or
	// invoice_tax_id, tried in order: the first key of a row that finds a
	// client decides (nil = none: rows without crm_client_id create).
	MatchBy []string
	// Workers is the size of the request pool (default DefaultWorkers).
	Workers int
	// MaxClients bounds the walk that reads the account's clients for
	// --match-by (< 1: baselinker.DefaultMaxClients).
	MaxClients int
	// DryRun plans every row — the --match-by and crm_client_id reads
	// included — and writes the plan, sending no write.
	DryRun bool
	// CompareNotes reads each matched client (getCrmClientData) so that a
	// mapped notes field is compared like the others instead of sent again.
	CompareNotes bool
	// Report is the report's path (default DefaultReportPath).
	Report string
	// Resume is the report of an earlier run of the same input: its
	// finished rows are copied, the rest done again.
	Resume string
	// Again runs a file without a match key although Report says an
	// earlier run of it created clients (they are created again).
	Again bool
	// Sheet says how the input is read (sheet, encoding, delimiter).
	Sheet sheet.Options
	// Events receives the run's typed events (nil: nothing): its phases,
	// counts by status, waits and ETA as Updates, each report line as an
	// Item in input order, the Summary at the end. The terminal's bar, the
	// log lines and --format json are its printers.
	Events events.Printer
	// Logger gets the run's notes (default: discarded).
	Logger *slog.Logger
	// ETA is the time n more requests need at the limit
	// (baselinker.API.Limiter().ETA), for the Updates' ETA.
	ETA func(n int) time.Duration
	// Waiting, if set, says what the requests wait for now (the API's
	// Waiting): the Updates say it, so a run under the limit or in a block
	// does not look hung.
	Waiting func() string
	// DrainTimeout is how long requests in flight may finish after ctx is
	// cancelled (default run.DefaultDrain).
	DrainTimeout time.Duration
	// OnLine, if set, is called with every report line in input order, as
	// it is written (Events has them too, as Items).
	OnLine func(*events.Line)
	// Rerun, if set, is how the user runs this import again with other
	// flags (the command layer makes it): a message that says what to run
	// next prints it, quoted for the user's shell, ready to paste.
	Rerun shellquote.Rerun

	// StateDir is the state directory (sharedwindow.Dir): a real run locks
	// its input for the account there, so that two runs of one file never
	// go at once, and keeps the account's record key there, which proves
	// each report line (recordmac). "" = neither (a library caller's tests).
	StateDir string
	// Command describes this run in its locks, for the message of a second
	// run that finds them held (the command as typed; never a secret).
	Command string
	// RequestTimeout is how long one request may take (--request-timeout):
	// a write a killed run sent may still land until this long after it
	// was sent, so a resume looks it up only after that (default
	// baselinker.DefaultTimeout).
	RequestTimeout time.Duration

	// reportWrap, in tests, wraps the report file's writer (a full disk).
	reportWrap func(io.Writer) io.Writer
	// phaseAfter is how long a start phase goes unsaid (phase.go): at
	// least phaseAfter; < 0, in tests, said at once.
	phaseAfter time.Duration
	// recordKey is the account's record key, loaded by Run from StateDir.
	recordKey []byte
}

// matchedRerun is the command that imports the input again with a match
// key, so that the clients an earlier run made are found, not created
// again.
func (c Config) matchedRerun() string {
	edits := []shellquote.Edit{shellquote.Drop("resume"), shellquote.Drop("again")}
	if len(c.MatchBy) == 0 {
		edits = append(edits, shellquote.Set("match-by", "email"))
	}
	return c.Rerun.With(edits...)
}

// withDefaults fills in the defaults and the mapping's own settings.
func (c Config) withDefaults(input string) Config {
	if c.Workers < 1 {
		c.Workers = DefaultWorkers
	}
	c.Workers = min(c.Workers, MaxWorkers)
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = baselinker.DefaultTimeout
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = events.DefaultDrain
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.Report = cmp.Or(c.Report, DefaultReportPath(input, c.DryRun))
	// The run opens its input more than once (read to the end first,
	// then row by row): an XLSX is read whole and checked only once.
	c.Sheet.Checked = cmp.Or(c.Sheet.Checked, &sheet.Checked{})
	if m := c.Mapping; m != nil {
		c.Sheet = m.SheetOptions(c.Sheet)
		if len(c.MatchBy) == 0 {
			c.MatchBy = m.MatchBy
		}
	}
	return c
}
