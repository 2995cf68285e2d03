package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// The scenario names --only accepts, in the order they run.
const (
	ScenarioRate       = "rate"
	ScenarioPerRow     = "perrow"
	ScenarioThroughput = "throughput"
	ScenarioMemory     = "memory"
	ScenarioBlocks     = "blocks"
)

// Scenarios returns every scenario name, in the order they run.
func Scenarios() []string {
	return []string{ScenarioRate, ScenarioPerRow, ScenarioBlocks, ScenarioThroughput, ScenarioMemory}
}

// DefaultRows is the size of the largest generated file (the CSV of the
// throughput and memory scenarios); the others are fractions of it.
const DefaultRows = 1_000_000

// QuickRows is the default size with WithQuick.
const QuickRows = 100_000

// ErrUnknownScenario is returned for a name WithOnly does not know.
var ErrUnknownScenario = errors.New("unknown scenario")

// Launcher starts an API sandbox seeded with clients and no request limit
// in another process, so that its memory stays out of a measurement. It
// returns the endpoint URL, the token it accepts and a function that stops it.
type Launcher func(ctx context.Context, clients int) (url, token string, stop func() error, err error)

// Option configures Run.
type Option func(*config)

// WithQuick scales the rate scenarios' window (60 s → 6 s) and latencies by
// 0.1 and makes QuickRows the default size: a smoke run of about 30 s.
func WithQuick(on bool) Option { return func(c *config) { c.quick = on } }

// WithRows sets the size of the largest generated file (see DefaultRows);
// 0 keeps the default.
func WithRows(n int) Option { return func(c *config) { c.rows = n } }

// WithOnly runs only the named scenarios (see Scenarios); none = all.
func WithOnly(names ...string) Option { return func(c *config) { c.only = names } }

// WithLogger logs what the suite is doing (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithLauncher runs the export memory scenario's sandbox through l (in
// another process); without it the sandbox runs in-process and the report
// says so, because its store then counts in the heap.
func WithLauncher(l Launcher) Option { return func(c *config) { c.launcher = l } }

type config struct {
	quick    bool
	rows     int
	only     []string
	log      *slog.Logger
	launcher Launcher

	rate rateConfig // derived from quick; tests set their own
}

// Report is the result of one run: the machine and one table.
type Report struct {
	Machine  Machine
	Started  time.Time
	Elapsed  time.Duration
	Quick    bool
	Rows     int           // the size of the largest generated file
	Window   time.Duration // the rate scenarios' window
	Limit    int           // the rate scenarios' limit per window
	LoadEnd  string        // load average at the end (Linux), else ""
	Lines    []Line
	Failures int // lines whose target was missed
}

// Line is one row of the table.
type Line struct {
	Scenario string // e.g. "rate import 500ms"
	Measure  string // what is measured
	Value    string
	Target   string // "" = for information
	Verdict  string // "ok", "MISSED" or "" (no target)
}

// OK reports whether every target was met.
func (r *Report) OK() bool { return r.Failures == 0 }

func (r *Report) add(scenario, measure, value, target string, ok bool) {
	l := Line{Scenario: scenario, Measure: measure, Value: value, Target: target}
	if target != "" {
		l.Verdict = "ok"
		if !ok {
			l.Verdict = "MISSED"
			r.Failures++
		}
	}
	r.Lines = append(r.Lines, l)
}

// info adds a line without a target.
func (r *Report) info(scenario, measure, value string) { r.add(scenario, measure, value, "", true) }

// failed adds a line for a scenario that could not be measured.
func (r *Report) failed(scenario string, err error) {
	r.add(scenario, "error", err.Error(), "runs", false)
}

// ParseOnly splits a comma-separated --only value into scenario names,
// checking each.
func ParseOnly(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !slices.Contains(Scenarios(), f) {
			return nil, fmt.Errorf("%w %q: choose among %s", ErrUnknownScenario, f, strings.Join(Scenarios(), ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Run runs the chosen scenarios one after the other (the rate scenarios
// concurrently among themselves) and returns the table. It returns an error
// only when the suite cannot run at all (a bad option, no temporary
// directory, ctx cancelled); a scenario that fails is a MISSED line.
func Run(ctx context.Context, opts ...Option) (*Report, error) {
	c := config{}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.rows < 0 {
		return nil, fmt.Errorf("bench: rows %d: give a positive number of rows", c.rows)
	}
	if c.rows == 0 {
		c.rows = DefaultRows
		if c.quick {
			c.rows = QuickRows
		}
	}
	for _, n := range c.only {
		if !slices.Contains(Scenarios(), n) {
			return nil, fmt.Errorf("bench: %w %q: choose among %s", ErrUnknownScenario, n, strings.Join(Scenarios(), ", "))
		}
	}
	if c.rate.window == 0 {
		c.rate = defaultRateConfig(c.quick)
	}
	dir, err := os.MkdirTemp("", "crmbulk-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: making a temporary directory: %w; set TMPDIR to a writable place", err)
	}
	defer os.RemoveAll(dir)
	r := &Report{Machine: ReadMachine(), Started: time.Now(), Quick: c.quick, Rows: c.rows,
		Window: c.rate.window, Limit: c.rate.limit}
	files := &fileCache{dir: dir, files: map[string]string{}}
	want := func(n string) bool { return len(c.only) == 0 || slices.Contains(c.only, n) }

	steps := []struct {
		name string
		fn   func(ctx context.Context, c *config, r *Report, files *fileCache) error
	}{
		{ScenarioRate, runRate},
		{ScenarioPerRow, runPerRow},
		{ScenarioBlocks, runBlocks},
		{ScenarioThroughput, runThroughput},
		{ScenarioMemory, runMemory},
	}
	for _, s := range steps {
		if !want(s.name) {
			continue
		}
		c.log.Info("bench: running", "scenario", s.name)
		if err := s.fn(ctx, &c, r, files); err != nil {
			if ctx.Err() != nil {
				return r, fmt.Errorf("bench: %s: %w", s.name, ctx.Err())
			}
			r.failed(s.name, err)
		}
	}
	r.Elapsed = time.Since(r.Started)
	r.LoadEnd = loadAverage()
	return r, nil
}
