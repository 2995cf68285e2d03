package importer

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/progress"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/sheet"
)

// API is what the importer needs of the Base API; *baselinker.API has it.
type API interface {
	GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error)
	AddCrmClient(ctx context.Context, f baselinker.ClientFields) (int64, error)
}

// DefaultWorkers is the default size of the request pool.
const DefaultWorkers = 8

// DefaultDrainTimeout is how long in-flight requests may run after an interrupt.
const DefaultDrainTimeout = 30 * time.Second

// maxCreateAttempts bounds how often one row's create is sent when its
// outcome stays unknown and a look-up proves it was not created.
const maxCreateAttempts = 5

type config struct {
	mapping      *mapping.Mapping
	matchBy      string
	workers      int
	dryRun       bool
	report       string
	resume       string
	sheet        sheet.Options
	progress     progress.Reporter
	logger       *slog.Logger
	eta          func(n int) time.Duration
	drainTimeout time.Duration

	hash      func(io.Reader, string) (string, error) // the fingerprint (hashInput; tests slow it down)
	parkBytes int                                     // dry run: report bytes kept while the fingerprint is computed
}

// Option configures Run.
type Option func(*config)

// WithMapping sets the mapping; nil (the default) maps a sheet whose headers
// are API field names (an export) to itself. The mapping's source: settings
// and match_by apply where WithSheetOptions and WithMatchBy leave them unset.
func WithMapping(m *mapping.Mapping) Option { return func(c *config) { c.mapping = m } }

// WithMatchBy matches rows to existing clients by field (email, login,
// phone or invoice_tax_id); "" = no matching (rows without crm_client_id create).
func WithMatchBy(field string) Option { return func(c *config) { c.matchBy = field } }

// WithWorkers sets the size of the request pool (default 8).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithDryRun reads, maps, validates and matches, and writes the report of
// what would happen, sending no write.
func WithDryRun(v bool) Option { return func(c *config) { c.dryRun = v } }

// WithReport sets the report path (default: the input without extension + ".report.csv").
func WithReport(path string) Option { return func(c *config) { c.report = path } }

// WithResume resumes from an earlier report: finished rows are copied, the rest redone.
func WithResume(path string) Option { return func(c *config) { c.resume = path } }

// WithSheetOptions sets how the input is read (sheet, encoding, delimiter).
func WithSheetOptions(o sheet.Options) Option { return func(c *config) { c.sheet = o } }

// WithProgress sets the progress reporter (default: none).
func WithProgress(p progress.Reporter) Option { return func(c *config) { c.progress = p } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithETA gives the time n more requests need at the limit
// (baselinker.API.Limiter().ETA), for the progress ETA.
func WithETA(f func(n int) time.Duration) Option { return func(c *config) { c.eta = f } }

// WithDrainTimeout sets how long in-flight requests may finish after ctx is
// cancelled (default 30 s).
func WithDrainTimeout(d time.Duration) Option { return func(c *config) { c.drainTimeout = d } }

// withHash replaces how the input is fingerprinted (tests hold it back).
func withHash(h func(io.Reader, string) (string, error)) Option {
	return func(c *config) { c.hash = h }
}

// withParkBytes sets how many report bytes a dry run keeps while the
// fingerprint is being computed (default dryParkBytes).
func withParkBytes(n int) Option { return func(c *config) { c.parkBytes = n } }
