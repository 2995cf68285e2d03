package bench

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// times returns t0 + each offset.
func times(offsets ...time.Duration) []time.Time {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]time.Time, len(offsets))
	for i, d := range offsets {
		out[i] = t0.Add(d)
	}
	return out
}

// every returns n offsets spaced by gap from start.
func every(start, gap time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = start + time.Duration(i)*gap
	}
	return out
}

func TestWindowFill(t *testing.T) {
	const W = 10 * time.Second
	burst := append(every(0, time.Millisecond, 10), every(W+100*time.Millisecond, time.Millisecond, 10)...)
	burst = append(burst, every(2*W+200*time.Millisecond, time.Millisecond, 10)...)
	tests := []struct {
		name              string
		at                []time.Duration
		limit             int
		mean, worst, tol  float64
		wantWindows, minN int
	}{
		{"steady at the limit", every(0, time.Second, 31), 10, 1, 1, 0.001, 1, 100},
		{"steady at half the limit", every(0, 2*time.Second, 16), 10, 0.5, 0.5, 0.001, 1, 100},
		{"bursts one window plus a margin apart", burst, 10, 0.99, 0.0, 0.02, 1, 100},
		{"shorter than a window", every(0, time.Second, 5), 10, 0, 0, 0, 0, 0},
		{"nothing", nil, 10, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mean, worst, n := windowFill(times(tt.at...), W, W/100, tt.limit)
			if tt.wantWindows == 0 {
				if n != 0 || mean != 0 {
					t.Fatalf("got %d windows, mean %v; want none", n, mean)
				}
				return
			}
			if n < tt.minN {
				t.Errorf("%d windows averaged, want ≥ %d", n, tt.minN)
			}
			if mean < tt.mean-tt.tol || mean > tt.mean+tt.tol {
				t.Errorf("mean fill %.4f, want %.3f ± %.3f", mean, tt.mean, tt.tol)
			}
			if worst > mean || worst < tt.worst-tt.tol {
				t.Errorf("worst window %.4f (mean %.4f), want ≥ %.3f and ≤ the mean", worst, mean, tt.worst)
			}
		})
	}
}

// TestPace: the pace is the limiter's period over the mean time from an
// arrival to the limit-th after it — 1 for bursts a period apart or an
// even spread at the limit, 0.5 at half of it — and a tail late by a busy
// core barely moves it, where it takes the fill of these short runs under
// the 0.72 it was once held to.
func TestPace(t *testing.T) {
	const period, limit = 1250 * time.Millisecond, 20
	bursts := func(n int, late time.Duration) []time.Time {
		var at []time.Duration
		for i := range n {
			d := time.Duration(i/limit)*period + time.Duration(i%limit)*time.Millisecond
			if i == n-1 {
				d += late
			}
			at = append(at, d)
		}
		return times(at...)
	}
	tests := []struct {
		name     string
		at       []time.Time
		min, max float64
	}{
		{"bursts a period apart", bursts(70, 0), 0.99, 1.01},
		{"the last request 100 ms late", bursts(70, 100*time.Millisecond), 0.99, 1.01},
		{"an even spread at the limit", times(every(0, period/limit, 70)...), 0.99, 1.01},
		{"half the limit", times(every(0, 2*period/limit, 70)...), 0.49, 0.51},
		{"a margin twice the limiter's", times(every(0, (period+250*time.Millisecond)/limit, 70)...), 0.82, 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, stride := pace(tt.at, limit, period); p < tt.min || p > tt.max {
				t.Errorf("pace %.3f (mean %s), want %.2f to %.2f", p, stride, tt.min, tt.max)
			}
		})
	}
	if p, _ := pace(bursts(limit, 0), limit, period); p != 0 {
		t.Errorf("pace of %d arrivals = %v, want 0 (none has a %dth after it)", limit, p, limit)
	}
	// The fill of the same short runs: the late tail alone costs it 1 %.
	fill := func(at []time.Time) float64 {
		f, _, _ := windowFill(at, time.Second, 5*time.Millisecond, limit)
		return f
	}
	if on, late := fill(bursts(70, 0)), fill(bursts(70, 100*time.Millisecond)); on < 0.72 || late >= 0.72 {
		t.Errorf("fill %.3f on time, %.3f with the tail 100 ms late; want ≥ 0.72 then < 0.72 (why the fill is no target here)", on, late)
	}
}

func TestOverLimit(t *testing.T) {
	const W = 10 * time.Second
	tests := []struct {
		name  string
		at    []time.Duration
		limit int
		want  int
	}{
		{"at the limit", []time.Duration{0, 1, 2}, 3, 0},
		{"one over", []time.Duration{0, 1, 2, 3}, 3, 1},
		{"a window apart counts apart", []time.Duration{0, 1, 2, W}, 3, 0},
		{"just under a window apart shares it", []time.Duration{0, 1, 2, W - 1}, 3, 1},
		{"two over", []time.Duration{0, 1, 2, 3, 4}, 3, 2},
		{"empty", nil, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OverLimit(times(tt.at...), W, tt.limit); got != tt.want {
				t.Errorf("OverLimit = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestMachineExcuse: only a run the machine delayed past the margin, and
// only for one request over, is excused.
func TestMachineExcuse(t *testing.T) {
	const margin = 250 * time.Millisecond
	tests := []struct {
		name       string
		spread     time.Duration
		over, most int
		want       bool
	}{
		{"within the margin, one over: the client's", margin, 1, 11, false},
		{"past the margin, one over: the machine's", margin + time.Millisecond, 1, 11, true},
		{"past the margin, two over: the client's", time.Second, 2, 11, false},
		{"past the margin, two more in a window: the client's", time.Second, 1, 12, false},
		{"past the margin, 15 of 10: the client's", time.Second, 5, 15, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MachineExcuse(tt.spread, margin, tt.over, tt.most, 10); got != tt.want {
				t.Errorf("MachineExcuse(%s, %s, %d, %d, 10) = %v", tt.spread, margin, tt.over, tt.most, got)
			}
		})
	}
}

func TestParseOnly(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{"rate", []string{"rate"}, false},
		{" Memory , perrow,,rate,memory", []string{"memory", "perrow", "rate"}, false},
		{"rate,speed", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseOnly(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParseOnly(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && (!errors.Is(err, ErrUnknownScenario) || !strings.Contains(err.Error(), "throughput")) {
			t.Errorf("ParseOnly(%q) error %q: want ErrUnknownScenario listing the names", tt.in, err)
		}
	}
}

func TestParseCPUModel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13"},
		{"processor\t: 0\nHardware\t: BCM2835\nModel\t: Raspberry Pi 4\n", "BCM2835"},
		{"garbage", ""},
	}
	for _, tt := range tests {
		if got := parseCPUModel(strings.NewReader(tt.in)); got != tt.want {
			t.Errorf("parseCPUModel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseStatusKB(t *testing.T) {
	tests := []struct {
		in     string
		want   int64
		wantOK bool
	}{
		{"Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n", 12345, true},
		{"VmRSS:\t 100 kB\n", 0, false},
		{"VmHWM:\t 12 MB\n", 0, false},
		{"VmHWM:\t -1 kB\n", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseStatusKB(strings.NewReader(tt.in), "VmHWM")
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseStatusKB(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestFlat(t *testing.T) {
	tests := []struct {
		small, big uint64
		want       bool
	}{
		{10 << 20, 12 << 20, true},
		{10 << 20, 36 << 20, true},
		{10 << 20, 37 << 20, false},  // more than twice plus 16 MB: grows with the size
		{60 << 20, 100 << 20, false}, // not under 100 MB
	}
	for _, tt := range tests {
		if got := flat(memResult{peak: tt.small}, memResult{peak: tt.big}); got != tt.want {
			t.Errorf("flat(%d MB, %d MB) = %v, want %v", tt.small>>20, tt.big>>20, got, tt.want)
		}
	}
}

// TestExportSizes: the small export is past excelize's 16 MiB stream chunk
// (10k clients) whenever --rows allows, and the big one four times it.
func TestExportSizes(t *testing.T) {
	tests := []struct{ rows, small, big int }{
		{1_000_000, 10_000, 100_000},
		{100_000, 10_000, 40_000},
		{50_000, 10_000, 40_000},
		{2000, 400, 1600},
		{100, 100, 400},
	}
	for _, tt := range tests {
		if small, big := exportSizes(tt.rows); small != tt.small || big != tt.big {
			t.Errorf("exportSizes(%d) = %d, %d, want %d, %d", tt.rows, small, big, tt.small, tt.big)
		}
	}
}

// TestMeasureMemSeesAnAllocation proves the sampler can see memory grow.
func TestMeasureMemSeesAnAllocation(t *testing.T) {
	var keep []byte
	m, err := measureMem(func() error {
		keep = make([]byte, 48<<20)
		for i := range keep {
			keep[i] = byte(i)
		}
		time.Sleep(30 * time.Millisecond) // a few samples while it is held
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.peak < m.base+40<<20 {
		t.Errorf("peak %s, base %s: the 48 MB allocation was not seen", mb(m.peak), mb(m.base))
	}
	if len(keep) == 0 {
		t.Fatal("unreachable")
	}
}

// goldenReport is a fixed report for the rendering tests.
func goldenReport() *Report {
	r := &Report{
		Machine: Machine{CPU: "AMD EPYC 7B13", Cores: 2, GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", LoadStart: "1.00 0.50 0.25"},
		Started: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Elapsed: 201 * time.Second,
		Rows: 1_000_000, Window: time.Minute, Limit: 100, LoadEnd: "1.50 0.75 0.30",
	}
	r.add("rate import 500ms", "achieved/allowed (mean fill of the 1m0s windows in the run)", "0.995 (worst window 0.99; 350 requests in 3m2s)", "≥ 0.98", true)
	r.add("rate import 500ms", "requests over the limit", "0 (max 100/100; blocked 0)", "0", true)
	r.info("rate fixed-gap 500ms", "achieved/allowed, baseline", "0.545")
	r.add("dry run csv 1000000 rows", "dry-run rows/s vs encoding/csv rows/s (ratio)", "100 vs 1000 (0.10)", "≥ 0.5", false)
	r.add("odd | cell", "pipes are escaped in markdown", "a|b", "", true)
	return r
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range []struct {
		file  string
		write func(*Report, *strings.Builder) error
	}{
		{"table.golden.txt", func(r *Report, b *strings.Builder) error { return r.WriteText(b) }},
		{"table.golden.md", func(r *Report, b *strings.Builder) error { return r.WriteMarkdown(b) }},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var b strings.Builder
			r := goldenReport()
			if err := tt.write(r, &b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update ./bench/)", err)
			}
			if b.String() != string(want) {
				t.Errorf("output differs from %s:\n%s", path, b.String())
			}
			if r.OK() || r.Failures != 1 {
				t.Errorf("failures %d, OK %v: want the one MISSED line counted", r.Failures, r.OK())
			}
		})
	}
	var b strings.Builder
	r := goldenReport()
	r.Quick, r.Window = true, 6*time.Second
	_ = r.WriteText(&b)
	if !strings.Contains(b.String(), "SCALED (--quick)") {
		t.Errorf("a quick report does not say it is scaled:\n%s", b.String())
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	if _, err := Run(context.Background(), Config{Only: []string{"speed"}}); !errors.Is(err, ErrUnknownScenario) {
		t.Errorf("Only speed: %v, want ErrUnknownScenario", err)
	}
	if _, err := Run(context.Background(), Config{Rows: -1}); err == nil || !strings.Contains(err.Error(), "rows -1") {
		t.Errorf("Rows -1: %v", err)
	}
}

// smallRate is the rate scenario shrunk to a 1 s window and 20 requests
// per window: the same shape as the real one (3.5 windows of requests, a
// baseline pacing at window/limit) in about 4 seconds. The limiter's margin
// is 250 ms, the real one: it must exceed the skew between a request's
// start at the client and its arrival at the sandbox, which under -race on
// a loaded 2-core machine went past 25 ms, and in CI, with every package's
// tests running beside this one, past 100 ms (the sandbox then saw 21 in a
// window and blocked the token). The fill is therefore at most 1/1.25,
// and with so few windows it is the bursts' geometry: about 0.727, and a
// last arrival 100 ms late (a busy core) takes it under 0.72 (TestPace).
// It is only said; the pace, which such a delay barely moves, is checked.
func smallRate() rateConfig {
	const w, limit = time.Second, 20
	return rateConfig{window: w, limit: limit, latencies: []time.Duration{time.Millisecond, 20 * time.Millisecond},
		gap: w / limit, margin: 250 * time.Millisecond, requests: limit*3 + limit/2, baseline: 3 * w,
		block: w / 2, step: w / 200, pace: 0.9}
}

// TestQuickRateKeepsTheRealMargin: --quick scales the window, not the
// limiter's margin (the start-to-arrival skew is the machine's: at 25 ms a
// GC pause put 101 requests in a 6 s window and the token was blocked), and
// its fill target is within what that margin leaves of a window.
func TestQuickRateKeepsTheRealMargin(t *testing.T) {
	for _, quick := range []bool{false, true} {
		rc := defaultRateConfig(quick)
		if rc.margin != pacer.DefaultMargin {
			t.Errorf("quick=%v: margin %s, want the real %s", quick, rc.margin, pacer.DefaultMargin)
		}
		if best := float64(rc.window) / float64(rc.window+rc.margin); rc.target > best-0.01 {
			t.Errorf("quick=%v: target %.2f, but the margin alone lets at most %.3f of a %s window be used", quick, rc.target, best, rc.window)
		}
	}
}

// TestRateScenario runs the rate scenario in small: the importer and the
// exporter never cross the limit and keep the pace their limiter allows
// (each 20 requests take its 1.25 s, not more); the fixed-gap baseline
// fills less. The pace does not depend on the machine's speed: a request
// late by a busy core moves it by 1/20 of the delay (TestPace).
//
// No request over the limit is a hard check whenever the machine kept its
// side: the send-to-arrival delays of a run spread by no more than the
// margin (250 ms). A machine at load 10 under -race delayed some requests
// 455 ms in its HTTP stack (the client's own steps took microseconds), and
// the sandbox then saw 21 in a window and blocked the token, which also
// takes the pace down. A delay can add one request to a window, no more:
// a run the machine delayed past the margin with at most one over (21/20)
// proves nothing of the client either way, so when every failing run is
// one of those the test is skipped, saying so; two over, or 22 in a
// window, fails whatever the machine did (a limiter allowing 30 where 20
// were asked, with one request in 40 held 300 ms, was skipped before).
// The pace is the client's: a process the machine kept from running for
// longer than the margin (at load 10 and more under -race: 354 ms seen
// with a pace of 0.87) is really slower than its limiter, so a missed pace
// is excused then too; a process held less (245 ms at most in the runs
// that kept the pace) must keep it.
func TestRateScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("about 4 s of real time")
	}
	stalled := stallProbe()
	r, err := Run(context.Background(), Config{Only: []string{ScenarioRate}, rate: smallRate()})
	stall := stalled()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = r.WriteText(&b)
	out := b.String()
	if len(r.Lines) != 2*3*2+2*2 {
		t.Fatalf("%d lines, want 16 (2 per kind and latency, and a pace for import and export):\n%s", len(r.Lines), out)
	}
	numRe := regexp.MustCompile(`^(\d\.\d+) `)
	spreadRe := regexp.MustCompile(`delays spread (\S+)\)$`)
	overRe := regexp.MustCompile(`^(\d+) \(max (\d+)/(\d+);`)
	// The runs the machine delayed past the margin, and by how much. A delay
	// can put one request more in a window, never more: a run with two over,
	// or more than one over the limit in a window, is the client's fault
	// whatever the machine did, and fails.
	overrun := map[string]string{}
	for _, l := range r.Lines {
		m, o := spreadRe.FindStringSubmatch(l.Value), overRe.FindStringSubmatch(l.Value)
		if !strings.HasPrefix(l.Measure, "requests over the limit") || m == nil || o == nil {
			continue
		}
		over, _ := strconv.Atoi(o[1])
		most, _ := strconv.Atoi(o[2])
		limit, _ := strconv.Atoi(o[3])
		if d, err := time.ParseDuration(m[1]); err == nil && MachineExcuse(d, smallRate().margin, over, most, limit) {
			overrun[l.Scenario] = m[1]
		}
	}
	paced, excused := 0, map[string]string{}
	for _, l := range r.Lines {
		over := strings.HasPrefix(l.Measure, "requests over the limit")
		if spread, ok := overrun[l.Scenario]; ok && l.Verdict == "MISSED" && (over || strings.HasPrefix(l.Measure, "pace")) {
			// the one request more got a blocked answer, which takes the pace down too
			excused[l.Scenario+": "+l.Value] = "delays spread " + spread
			if !over {
				paced++
			}
			continue
		}
		if strings.HasPrefix(l.Measure, "pace") && l.Verdict == "MISSED" && stall > smallRate().margin {
			excused[l.Scenario+": "+l.Value] = "the process held " + stall.Round(time.Millisecond).String()
			paced++
			continue
		}
		if strings.HasPrefix(l.Measure, "requests over the limit") && (l.Verdict != "ok" || !spreadRe.MatchString(l.Value)) {
			t.Errorf("%s: %s %s", l.Scenario, l.Value, l.Verdict)
		}
		m := numRe.FindStringSubmatch(l.Value)
		v, _ := strconv.ParseFloat(append(m, "", "")[1], 64)
		switch {
		case strings.HasPrefix(l.Measure, "pace"):
			paced++
			if m == nil || l.Verdict != "ok" || v < 0.9 {
				t.Errorf("%s: pace %q (verdict %q), want ≥ 0.90 of what the limiter allows\n%s", l.Scenario, l.Value, l.Verdict, out)
			}
		case !strings.HasPrefix(l.Measure, "achieved/allowed"):
		case m == nil:
			t.Errorf("%s: no fill in %q", l.Scenario, l.Value)
		case strings.Contains(l.Scenario, kindBaseline):
			// A fixed gap of window/limit after each answer can only
			// lose time: the latency and the timers come on top.
			if l.Verdict != "" || v >= 0.97 || (strings.HasSuffix(l.Scenario, " 20ms") && v >= 0.80) {
				t.Errorf("%s: baseline fill %.3f (verdict %q), want < 0.97 (< 0.80 at 20 ms) and no target", l.Scenario, v, l.Verdict)
			}
		case l.Verdict != "":
			t.Errorf("%s: the fill of 1 s windows has a target (%s); it is only said", l.Scenario, l.Target)
		}
	}
	if paced != 4 {
		t.Errorf("%d pace lines, want one per import and export run\n%s", paced, out)
	}
	if len(excused) > 0 && !t.Failed() {
		t.Skipf("the machine held requests or the process past the %s margin (after each check that missed, how: %v), so these runs say nothing of the client; the others passed\n%s",
			smallRate().margin, excused, out)
	}
}

// stallProbe starts a goroutine that sleeps 5 ms again and again; the
// returned func stops it and returns the longest it woke up late: how long
// the machine (a loaded core, -race) kept this process from running.
func stallProbe() (stop func() time.Duration) {
	done, worst := make(chan struct{}), make(chan time.Duration)
	go func() {
		var w time.Duration
		for {
			select {
			case <-done:
				worst <- w
				return
			default:
			}
			at := time.Now()
			time.Sleep(5 * time.Millisecond)
			w = max(w, time.Since(at)-5*time.Millisecond)
		}
	}()
	return func() time.Duration {
		close(done)
		return <-worst
	}
}

// TestPerRowScenario: unchanged rows send nothing, changed rows one write each.
func TestPerRowScenario(t *testing.T) {
	r, err := Run(context.Background(), Config{Only: []string{ScenarioPerRow}, Rows: 300})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"addCrmClient per changed row (after the index walk)":  "1.0000 (300 for 300 rows)",
		"addCrmClient per unchanged row":                       "0.0000 (0 for 300 rows)",
		"index walk (getCrmClients pages per match-by run)":    "4 pages for 300 clients (4 for the unchanged run)",
		"addCrmClient per new row, no match-by (the seed run)": "1.0000 (300 for 300 rows; 0 other requests)",
		// The list is walked two pages ahead: the page past the last one
		// is asked or not, as the answers race.
		"undo of the updated rows: writes per line (restored), then list pages": "1.0000 (300 for 300 lines; + 4 or 5 pages)",
		"undo of the created rows: writes per line (deleted), then list pages":  "1.0000 (300 for 300 lines; + 4 or 5 pages)",
	}
	for _, l := range r.Lines {
		if w, ok := want[l.Measure]; ok {
			if strings.Contains(w, "4 or 5") && (l.Value == strings.Replace(w, "4 or 5", "4", 1) || l.Value == strings.Replace(w, "4 or 5", "5", 1)) {
				w = l.Value
			}
			if l.Value != w {
				t.Errorf("%s: %q, want %q", l.Measure, l.Value, w)
			}
			delete(want, l.Measure)
		}
	}
	if len(want) > 0 || !r.OK() {
		t.Errorf("missing lines %v or a missed target: %+v", want, r.Lines)
	}
}

// TestBlocksScenario runs the blocks scenario: a 10-minute token block and
// a 5-minute account block lived through on the skipping clock, and the
// export's requests per client with extra fields. Its targets are the
// issue's goals, so a regression fails here.
func TestBlocksScenario(t *testing.T) {
	r, err := Run(context.Background(), Config{Only: []string{ScenarioBlocks}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range r.Lines {
		t.Logf("%s | %s | %s | %s %s", l.Scenario, l.Measure, l.Value, l.Target, l.Verdict)
		n++
	}
	if n != 10 || !r.OK() {
		t.Errorf("%d lines, ok %v", n, r.OK())
	}
}

// TestSkipClock: a timer moves the clock to its deadline, once for every
// waiter of the same deadline.
func TestSkipClock(t *testing.T) {
	c := &skipClock{}
	start := c.Now()
	at := start.Add(10 * time.Minute)
	for range 4 {
		<-c.TimerAt(at).C()
	}
	if d := c.Now().Sub(start); d < 10*time.Minute || d > 10*time.Minute+time.Second {
		t.Errorf("four waiters of one deadline moved the clock %s", d)
	}
	<-c.TimerAt(c.Now().Add(time.Minute)).C()
	if d := c.Now().Sub(start); d < 11*time.Minute || d > 11*time.Minute+time.Second {
		t.Errorf("after one more minute: %s", d)
	}
}
