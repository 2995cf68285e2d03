package bench

import (
	"cmp"
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

// QuickRows is the default size with Config.Quick.
const QuickRows = 100_000

// ErrUnknownScenario is returned for a name Config.Only does not know.
var ErrUnknownScenario = errors.New("unknown scenario")

// Launcher starts an API sandbox seeded with clients and no request limit
// in another process, so that its memory stays out of a measurement. It
// returns the endpoint URL, the token it accepts and a function that stops it.
type Launcher func(ctx context.Context, clients int) (url, token string, stop func() error, err error)

// Config configures Run; the zero value runs every scenario at full size.
type Config struct {
	// Quick scales the rate scenarios' window (60 s → 6 s) and latencies by
	// 0.1 and makes QuickRows the default size: a smoke run of about 30 s.
	Quick bool
	// Rows is the size of the largest generated file; 0 = DefaultRows.
	Rows int
	// Only names the scenarios to run (see Scenarios); none = all.
	Only []string
	// Logger logs what the suite is doing; nil = discard.
	Logger *slog.Logger
	// Launcher runs the export memory scenario's sandbox in another
	// process; nil runs it in-process, and the report says so, because its
	// store then counts in the heap.
	Launcher Launcher

	rate rateConfig // derived from Quick; tests set their own
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
func Run(ctx context.Context, c Config) (*Report, error) {
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	if c.Rows < 0 {
		return nil, fmt.Errorf("bench: rows %d: give a positive number of rows", c.Rows)
	}
	if c.Rows == 0 && c.Quick {
		c.Rows = QuickRows
	}
	c.Rows = cmp.Or(c.Rows, DefaultRows)
	for _, n := range c.Only {
		if !slices.Contains(Scenarios(), n) {
			return nil, fmt.Errorf("bench: %w %q: choose among %s", ErrUnknownScenario, n, strings.Join(Scenarios(), ", "))
		}
	}
	if c.rate.window == 0 {
		c.rate = defaultRateConfig(c.Quick)
	}
	dir, err := os.MkdirTemp("", "crmbulk-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: making a temporary directory: %w; set TMPDIR to a writable place", err)
	}
	defer os.RemoveAll(dir)
	r := &Report{Machine: ReadMachine(), Started: time.Now(), Quick: c.Quick, Rows: c.Rows,
		Window: c.rate.window, Limit: c.rate.limit}
	files := &fileCache{dir: dir, files: map[string]string{}}

	scenarios := map[string]func(ctx context.Context, c *Config, r *Report, files *fileCache) error{
		ScenarioRate: runRate, ScenarioPerRow: runPerRow, ScenarioBlocks: runBlocks,
		ScenarioThroughput: runThroughput, ScenarioMemory: runMemory,
	}
	for _, name := range Scenarios() { // in their order
		if len(c.Only) > 0 && !slices.Contains(c.Only, name) {
			continue
		}
		c.Logger.Info("bench: running", "scenario", name)
		if err := scenarios[name](ctx, &c, r, files); err != nil {
			if ctx.Err() != nil {
				return r, fmt.Errorf("bench: %s: %w", name, ctx.Err())
			}
			r.failed(name, err)
		}
	}
	r.Elapsed = time.Since(r.Started)
	r.LoadEnd = loadAverage()
	return r, nil
}
