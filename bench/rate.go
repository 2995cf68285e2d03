package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// sandboxToken is the token of the in-process sandboxes: a made-up value
// that only they accept.
const sandboxToken = "3000003-3000004-crmbulk-bench-sandbox"

// The kinds of client the rate scenario measures.
const (
	kindImport   = "import"
	kindExport   = "export"
	kindBaseline = "fixed-gap"
)

// rateConfig shapes the rate scenario.
type rateConfig struct {
	window    time.Duration
	limit     int
	latencies []time.Duration
	gap       time.Duration // the baseline's pause after each answer
	margin    time.Duration // the limiter's safety margin
	requests  int           // requests of an import or export run
	baseline  time.Duration // how long the baseline runs
	block     time.Duration // the limiter's first pause after a block
	step      time.Duration // spacing of the windows whose fill is averaged
	target    float64       // the fill an import or export must reach (0: the fill is only said)
	pace      float64       // the pace an import or export must reach
}

// defaultRateConfig is the real thing (100 per 60 s, 50 ms, 500 ms, 2 s) or,
// quick, the same scaled by 0.1 — all but the limiter's margin. The margin
// covers the skew between a request's start at the limiter and its arrival
// at the sandbox, which is the machine's, not the scenario's: scaled to
// 25 ms, a GC pause or a busy core put 101 arrivals in a 6 s window, the
// sandbox blocked the token, and --quick exited 1. The real 250 ms margin
// costs 4 % of a 6 s window (6/6.25), and the first burst and the run's
// tail weigh ten times what they do in 60 s windows (0.942–0.953 measured
// on a busy 2-core machine), so the quick target is 0.90.
func defaultRateConfig(quick bool) rateConfig {
	s := 1.0
	if quick {
		s = 0.1
	}
	sc := func(d time.Duration) time.Duration { return time.Duration(float64(d) * s) }
	const limit = 100
	w := sc(time.Minute)
	rc := rateConfig{
		window:    w,
		limit:     limit,
		latencies: []time.Duration{sc(50 * time.Millisecond), sc(500 * time.Millisecond), sc(2 * time.Second)},
		gap:       sc(600 * time.Millisecond),
		margin:    pacer.DefaultMargin,
		requests:  limit*3 + limit/2, // 3.5 windows' worth: the run lasts a little over 3 windows
		baseline:  3 * w,
		block:     sc(pacer.DefaultBlockInitial),
		step:      w / 600,
		target:    0.98,
		pace:      0.95,
	}
	if quick {
		rc.target = 0.90
	}
	return rc
}

// rateResult is one client kind at one latency.
type rateResult struct {
	kind        string
	latency     time.Duration
	requests    int           // arrivals at the sandbox
	span        time.Duration // first to last arrival
	fill, worst float64       // mean and lowest fill of the windows inside the run
	windows     int           // windows averaged (0: the run was shorter than a window)
	pace        float64       // the limiter's period ÷ the mean time from an arrival to the limit-th after it (0: too few)
	stride      time.Duration // that mean time
	over        int           // arrivals whose trailing window held more than the limit
	maxInWindow int           // the sandbox's own count
	blocked     int           // ERROR_BLOCKED_TOKEN answers
	spread      time.Duration // the latest less the earliest delay from a request's send to its arrival
	err         error
}

// recorder notes when each request reaches the sandbox, and how late
// after the client sent it (sentHeader).
type recorder struct {
	h                http.Handler
	mu               sync.Mutex
	at               []time.Time
	earliest, latest time.Duration // the shortest and longest delay from send to arrival
	delays           int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	sent, err := strconv.ParseInt(req.Header.Get(sentHeader), 10, 64)
	r.mu.Lock()
	r.at = append(r.at, now)
	if d := now.Sub(time.Unix(0, sent)); err == nil {
		if r.delays == 0 || d < r.earliest {
			r.earliest = d
		}
		r.latest = max(r.latest, d)
		r.delays++
	}
	r.mu.Unlock()
	r.h.ServeHTTP(w, req)
}

// arrivals returns the arrival times in order, and their spread: the
// latest less the earliest delay from a request's send to its arrival. The
// limiter spaces the sends of limit+1 requests by its window and margin, so
// the sandbox sees no more than the limit in a window as long as the spread
// stays within the margin: a machine that delays one request more than
// that (a loaded core, -race) can put one more in a window whatever the
// client does.
func (r *recorder) arrivals() (at []time.Time, spread time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at = slices.Clone(r.at)
	slices.SortFunc(at, time.Time.Compare)
	return at, r.latest - r.earliest
}

// sentHeader carries the time a request left the client (its RoundTrip).
const sentHeader = "X-Crmbulk-Bench-Sent"

// stamped is a transport that sends each request's RoundTrip time in
// sentHeader.
type stamped struct{ http.RoundTripper }

func (s stamped) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(sentHeader, strconv.FormatInt(time.Now().UnixNano(), 10))
	return s.RoundTripper.RoundTrip(req)
}

// windowFill returns the mean and the lowest number of arrivals in the
// windows [t, t+window) that lie inside [first, last] arrival, t stepping
// by step from the first arrival, each divided by limit; n is the number of
// windows (0 when the arrivals span less than a window).
func windowFill(at []time.Time, window, step time.Duration, limit int) (mean, worst float64, n int) {
	if len(at) == 0 || limit < 1 || window <= 0 {
		return 0, 0, 0
	}
	if step <= 0 {
		step = max(window/600, 1)
	}
	last := at[len(at)-1]
	worst = -1
	var sum float64
	for t := at[0]; !t.Add(window).After(last); t = t.Add(step) {
		lo, _ := slices.BinarySearchFunc(at, t, time.Time.Compare)
		hi, _ := slices.BinarySearchFunc(at, t.Add(window), time.Time.Compare)
		f := float64(hi-lo) / float64(limit)
		sum += f
		if worst < 0 || f < worst {
			worst = f
		}
		n++
	}
	if n == 0 {
		return 0, 0, 0
	}
	return sum / float64(n), worst, n
}

// pace returns the mean time from each arrival to the limit-th after it
// (stride), and period ÷ stride: 1 when every limit's worth of requests
// took just the period the limiter holds them to (its window + margin),
// less when the client was slower than its limiter let it be. A sum of
// those differences is the last limit arrivals' times less the first
// limit's, so the late arrival of one request (a busy core) moves it by
// 1/limit of that delay and the same delay on every request not at all —
// unlike the window fill, whose windows end at the last arrival. 0 when
// the arrivals are fewer than limit+1.
func pace(at []time.Time, limit int, period time.Duration) (p float64, stride time.Duration) {
	n := len(at) - limit
	if limit < 1 || n < 1 || period <= 0 {
		return 0, 0
	}
	var sum time.Duration
	for i := range n {
		sum += at[i+limit].Sub(at[i])
	}
	stride = sum / time.Duration(n)
	if stride <= 0 {
		return 0, 0
	}
	return float64(period) / float64(stride), stride
}

// OverLimit counts the arrivals at which the window ending there (the
// arrivals less than window before it, itself included) holds more than
// limit: the sandbox's rule for blocking the token.
func OverLimit(at []time.Time, window time.Duration, limit int) int {
	over, i := 0, 0
	for j := range at {
		for at[j].Sub(at[i]) >= window {
			i++
		}
		if j-i+1 > limit {
			over++
		}
	}
	return over
}

// MachineExcuse reports whether a run that went over the limit at the
// sandbox may be the machine's doing, not the client's. The limiter
// spaces the starts of limit+1 requests by its window and margin, so the
// sandbox sees no more than the limit in a window as long as the delays
// from a request's start to its arrival spread by no more than the margin:
// within it, any request over is the client's. A machine that delays a
// request past the margin (a loaded core, -race) can put one request more
// in a window, never more: over (OverLimit's count) at most 1, and most
// (the most arrivals in one window) at most limit+1. Anything beyond is
// the client's, whatever the machine did.
func MachineExcuse(spread, margin time.Duration, over, most, limit int) bool {
	return spread > margin && over <= 1 && most <= limit+1
}

// unlimited is a limiter that never makes anyone wait (10 000 starts per
// millisecond) for the scenarios that measure something else.
func unlimited() *pacer.Limiter {
	return pacer.New(10_000, pacer.WithWindow(time.Millisecond), pacer.WithMargin(0))
}

// inProcess starts a sandbox with cfg (its token sandboxToken) behind a
// local HTTP server, through rec when not nil, and a client of it paced by
// lim; stop closes both.
func inProcess(cfg sandbox.Config, lim *pacer.Limiter, rec *recorder) (srv *sandbox.Server, api *baselinker.API, stop func(), err error) {
	cfg.Token = sandboxToken
	if srv, err = sandbox.New(cfg); err != nil {
		return nil, nil, nil, err
	}
	var h http.Handler = srv
	opts := []baselinker.Option{baselinker.WithLimiter(lim)}
	if rec != nil {
		rec.h, h = srv, rec
		hc := baselinker.DefaultHTTPClient()
		hc.Transport = stamped{hc.Transport}
		opts = append(opts, baselinker.WithHTTPClient(hc))
	}
	ts := httptest.NewServer(h)
	stop = func() { ts.Close(); _ = srv.Close() }
	if api, err = baselinker.New(ts.URL+"/connector.php", baselinker.Token(sandboxToken), opts...); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return srv, api, stop, nil
}

// rateJobs runs every kind at every latency at once, each with its own
// sandbox and limiter, and returns the results in kind, latency order.
func rateJobs(ctx context.Context, rc rateConfig, files *fileCache) []rateResult {
	var jobs []rateResult
	for _, kind := range []string{kindImport, kindExport, kindBaseline} {
		for _, lat := range rc.latencies {
			jobs = append(jobs, rateResult{kind: kind, latency: lat})
		}
	}
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() {
			dir := filepath.Join(files.dir, fmt.Sprintf("rate-%d", i))
			jobs[i] = rateRun(ctx, rc, jobs[i].kind, jobs[i].latency, dir, files)
		})
	}
	wg.Wait()
	return jobs
}

// runRate runs every kind at every latency at once, each with its own
// sandbox and its own limiter, and adds two lines per run.
func runRate(ctx context.Context, c *Config, r *Report, files *fileCache) error {
	rc := c.rate
	c.Logger.Info("bench: rate scenarios start, all at once", "runs", 3*len(rc.latencies), "about", (rc.baseline + rc.window/2).Round(time.Second))
	jobs := rateJobs(ctx, rc, files)
	if err := ctx.Err(); err != nil {
		return err
	}
	target := fmt.Sprintf("≥ %.2f", rc.target)
	for _, j := range jobs {
		name := fmt.Sprintf("rate %s %s", j.kind, j.latency)
		if j.err != nil {
			r.failed(name, j.err)
			continue
		}
		measure := fmt.Sprintf("achieved/allowed (mean fill of the %s windows in the run)", rc.window)
		value := fmt.Sprintf("%.3f (worst window %.2f; %d requests in %s)", j.fill, j.worst, j.requests, j.span.Round(time.Second/10))
		switch {
		case j.windows == 0:
			r.add(name, measure, fmt.Sprintf("n/a: %d requests in %s, shorter than a window", j.requests, j.span.Round(time.Millisecond)), target, false)
		case j.kind == kindBaseline:
			r.info(name, measure+", baseline", value)
		case rc.target == 0:
			r.info(name, measure, value)
		default:
			r.add(name, measure, value, target, j.fill >= rc.target)
		}
		if j.kind != kindBaseline {
			period := rc.window + rc.margin
			r.add(name, fmt.Sprintf("pace (the limiter's %s ÷ the mean time from a request to the %dth after it)", period, rc.limit),
				fmt.Sprintf("%.3f (mean %s)", j.pace, j.stride.Round(time.Millisecond)), fmt.Sprintf("≥ %.2f", rc.pace), j.pace >= rc.pace)
		}
		r.add(name, "requests over the limit (max in one window; blocked answers)",
			fmt.Sprintf("%d (max %d/%d; blocked %d; send-to-arrival delays spread %s)", j.over, j.maxInWindow, rc.limit, j.blocked, j.spread.Round(time.Millisecond)), "0",
			j.over == 0 && j.maxInWindow <= rc.limit && j.blocked == 0)
	}
	return nil
}

// rateRun measures one kind at one latency: an export spools in dir (which
// the exporter makes), an import reports beside it (dir.report.csv).
func rateRun(ctx context.Context, rc rateConfig, kind string, lat time.Duration, dir string, files *fileCache) rateResult {
	res := rateResult{kind: kind, latency: lat}
	fail := func(err error) rateResult { res.err = err; return res }
	clients := 0
	if kind == kindExport {
		clients = rc.requests
	}
	lim := unlimited()
	if kind != kindBaseline {
		lim = pacer.New(rc.limit, pacer.WithWindow(rc.window), pacer.WithMargin(rc.margin),
			pacer.WithBlockBackoff(rc.block, 20*rc.block))
	}
	rec := &recorder{}
	srv, api, stop, err := inProcess(sandbox.Config{Limit: rc.limit, Window: rc.window, BlockFor: rc.window,
		Latency: lat, Jitter: lat / 10, Seed: 7, Clients: clients}, lim, rec)
	if err != nil {
		return fail(err)
	}
	defer stop()
	switch kind {
	case kindImport:
		in, err := files.input("csv", rc.requests, "Gdańsk")
		if err != nil {
			return fail(err)
		}
		sum, err := importer.Run(ctx, api, in, importer.Config{Report: dir + ".report.csv"})
		if err != nil {
			return fail(fmt.Errorf("import: %w", err))
		}
		if sum.Counts[events.StatusCreated] != rc.requests {
			return fail(fmt.Errorf("import created %d of %d rows: %s", sum.Counts[events.StatusCreated], rc.requests, sum))
		}
	case kindExport:
		sum, err := export(ctx, api, exporter.Config{Notes: true, ExtraFields: true, SpoolDir: dir}, toDiscard)
		if err != nil {
			return fail(fmt.Errorf("export: %w", err))
		}
		if sum.Clients != clients {
			return fail(fmt.Errorf("export wrote %d of %d clients", sum.Clients, clients))
		}
	case kindBaseline:
		if err := fixedGap(ctx, api, rc.gap, rc.baseline); err != nil {
			return fail(err)
		}
	}
	at, spread := rec.arrivals()
	res.requests = len(at)
	if len(at) > 0 {
		res.span = at[len(at)-1].Sub(at[0])
	}
	res.fill, res.worst, res.windows = windowFill(at, rc.window, rc.step, rc.limit)
	res.pace, res.stride = pace(at, rc.limit, rc.window+rc.margin)
	res.over = OverLimit(at, rc.window, rc.limit)
	res.maxInWindow = srv.MaxInWindow(rc.window)
	res.blocked = srv.Stats().Blocked
	res.spread = spread
	return res
}

// fixedGap is the common integration style: one request at a time, a fixed
// pause after each answer, for d.
func fixedGap(ctx context.Context, api *baselinker.API, gap, d time.Duration) error {
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end); i++ {
		_, err := api.AddCrmClient(ctx, baselinker.ClientFields{Values: map[string]string{
			"email": fmt.Sprintf("gap%d@example.com", i), "invoice_city": "Gdańsk"}})
		if err != nil {
			return fmt.Errorf("fixed-gap client, request %d: %w", i+1, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err() // the timer needs no Stop: an unreferenced one is collected (Go 1.23)
		case <-time.After(gap):
		}
	}
	return nil
}
