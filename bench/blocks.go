package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sheet"
)

// The live API's block (shared/api/README.md: about 10 minutes) and account
// block (one report: 5 minutes).
const (
	liveBlock        = 10 * time.Minute
	liveAccountBlock = 5 * time.Minute
)

// skipClock is wall time plus the waits it skipped: a timer fires at once
// and moves the clock to its deadline. The sandbox and the limiter share
// it, so a 10-minute block is lived through, to the limiter's and the
// sandbox's eyes, in milliseconds. The limiter asks for absolute deadlines
// (pacer.Clock's TimerAt), so a waiter moves the clock exactly to its
// deadline. It is exact for one waiter at a time: of two waiters with
// different deadlines, the later one may move the clock first.
type skipClock struct {
	mu      sync.Mutex
	skipped time.Duration
}

func (c *skipClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skipped)
}

func (c *skipClock) TimerAt(t time.Time) pacer.Timer {
	c.mu.Lock()
	c.skipped = max(c.skipped, time.Until(t))
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return firedTimer(ch)
}

type firedTimer chan time.Time

func (t firedTimer) C() <-chan time.Time { return t }
func (t firedTimer) Stop() bool          { return false }

// blockRows is the size of the import through a block.
const blockRows = 300

// runBlocks measures, at the real limit and the real block lengths, what a
// block costs an import: it runs 300 creates at 110 requests a minute into
// a sandbox that allows 100 (another integration took the rest), so the
// token is blocked for 10 minutes in the first minute; and the same rows
// into an account blocked for 5 minutes after 120 requests. The figure is
// the time from the block's start to the next request, against the
// block's length. Then the export's requests per client with extra fields.
func runBlocks(ctx context.Context, c *Config, r *Report, files *fileCache) error {
	for _, tc := range []struct {
		name    string
		account bool
		noEnd   bool // the answer does not say until when: the backoff guesses
		length  time.Duration
	}{
		{"token blocked until (10 min)", false, false, liveBlock},
		{"account blocked until (5 min)", true, false, liveAccountBlock},
		{"token blocked, no end stated (10 min)", false, true, liveBlock},
	} {
		span, st, done, err := importThroughBlock(ctx, files, tc.account, tc.noEnd, tc.length)
		if err != nil {
			r.failed("block: "+tc.name, err)
			continue
		}
		name := fmt.Sprintf("block: %s, import of %d creates", tc.name, blockRows)
		lost := span.FirstAfter.Sub(span.Start)
		over := lost - (span.End.Sub(span.Start))
		value := fmt.Sprintf("%s for a block of %s (+%.2f s)", lost.Round(10*time.Millisecond), span.End.Sub(span.Start).Round(time.Millisecond), over.Seconds())
		r.add(name, "rows created", fmt.Sprintf("%d of %d, %d requests", done, blockRows, st.Requests), "all", done == blockRows)
		if tc.noEnd { // for comparison: what guessing costs
			r.info(name, "time lost to the block, waited out by backoff probes", value)
			continue
		}
		r.add(name, "time lost to the block (its start to the next request)", value,
			"block + < 2 s", over >= 0 && over < 2*time.Second)
		r.add(name, "latest request into the block after its start",
			fmt.Sprintf("%s (the requests in flight)", st.LatestInBlock.Round(time.Millisecond)), "< 1 s", st.LatestInBlock < time.Second)
	}
	return extraFieldsCost(ctx, r)
}

// importThroughBlock imports blockRows new rows into a sandbox on a
// skipClock and returns the block met, the sandbox's counts (the requests,
// the latest arrival into the block after its start) and the rows created.
// Without noEnd the block restarts on every request inside it (ExtendBlock):
// a request sent too early would show as a longer block.
func importThroughBlock(ctx context.Context, files *fileCache, account, noEnd bool, length time.Duration) (
	span sandbox.BlockSpan, st sandbox.Stats, created int, err error) {
	clock := &skipClock{}
	cfg := sandbox.Config{Seed: 9, Clients: 1, Limit: 100, Window: time.Minute,
		BlockFor: length, ExtendBlock: !noEnd, BlockNoEnd: noEnd, Now: clock.Now}
	rate := 110 // the sandbox's 100 are shared with another integration's 10
	if account {
		cfg.AccountBlockAfter, cfg.AccountBlockFor = 120, length
		rate = 100
	}
	srv, api, stop, err := inProcess(cfg, pacer.New(rate, pacer.WithClock(clock)), nil)
	if err != nil {
		return span, st, 0, err
	}
	defer stop()
	in, err := files.input("csv", blockRows, "Gdańsk")
	if err != nil {
		return span, st, 0, err
	}
	// One worker: a skipping clock is exact only while one goroutine waits
	// on it (two waiters of different deadlines would move it to the later
	// one first). That every worker stops at a block is proven in proof/.
	sum, err := importer.Run(ctx, api, in, importer.Config{Workers: 1, Report: filepath.Join(files.dir, fmt.Sprintf("blocks-%v-%v.report.csv", account, noEnd))})
	if err != nil {
		return span, st, 0, fmt.Errorf("import: %w", err)
	}
	spans := srv.Blocks()
	if len(spans) < 1 || spans[0].FirstAfter.IsZero() {
		return span, st, 0, fmt.Errorf("the import met %d blocks (%+v); the scenario needs one, then requests after it", len(spans), spans)
	}
	return spans[0], srv.Stats(), sum.Counts[events.StatusCreated], nil
}

// extraFieldsCost exports 10,000 clients with --extra-fields from a list
// that carries them and from one that does not, counting the requests per
// client the sandbox saw.
func extraFieldsCost(ctx context.Context, r *Report) error {
	const clients = 10_000
	for _, carried := range []bool{true, false} {
		srv, api, stop, err := inProcess(sandbox.Config{Seed: 4, Clients: clients, ListExtraFields: carried}, unlimited(), nil)
		if err != nil {
			return err
		}
		sum, err := export(ctx, api, exporter.Config{ExtraFields: true}, toDiscard)
		st := srv.Stats()
		stop()
		name := fmt.Sprintf("export --extra-fields, %d clients, the list carries them: %v", clients, carried)
		if err != nil {
			r.failed(name, err)
			continue
		}
		per := float64(st.Requests) / float64(sum.Clients)
		target, ok := "≤ 0.011", per <= 0.011
		if !carried {
			target, ok = "≤ 1.011", per <= 1.011
		}
		r.add(name, "requests per client", fmt.Sprintf("%.4f (%d for %d; %s)", per, st.Requests, sum.Clients, methods(st.ByMethod)), target, ok && sum.Clients == clients)
	}
	return nil
}

// methods lists request counts by method, for a table cell.
func methods(by map[string]int) string {
	var parts []string
	for _, m := range []string{"getCrmClients", "getCrmClientData", "getCrmClientExtraFields"} {
		if by[m] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", m, by[m]))
		}
	}
	return strings.Join(parts, ", ")
}

// export exports api's clients as cfg says, with everything the client
// offers the exporter, through open.
func export(ctx context.Context, api *baselinker.API, cfg exporter.Config, open exporter.Opener) (exporter.Summary, error) {
	cfg.Capabilities = exporter.CapabilitiesOf(api)
	e, err := exporter.New(api, cfg)
	if err != nil {
		return exporter.Summary{}, err
	}
	return e.Run(ctx, open)
}

// toDiscard is an export's opener that writes its CSV nowhere.
func toDiscard([]string) (sheet.Writer, error) {
	return sheet.NewCSVWriter(io.Discard, sheet.CSVWriterOptions{}), nil
}
