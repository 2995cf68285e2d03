// Package progress draws how far a long run is: a redrawn bar on a
// terminal, a log line every few seconds elsewhere (cron, CI, systemd).
// They are Reporters, which run.Draw drives from a run's
// typed events: the pipelines never learn which one they have.
//
// A run that waits is never silent: told what the run waits for (Wait: a
// block and its end, the limit's next slot, a retry, an answer slow to
// come, another run's lock, the in-doubt rows a resume settles) with each
// of the run's updates — at least every second while a wait lasts — the
// bar shows it beside the counts with its countdown, and the log says it
// when it begins and every interval while it lasts, even when no unit is
// done meanwhile.
package progress

import (
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/schollz/progressbar/v3"
)

// Reporter receives progress of one phase at a time. Implementations are
// safe for concurrent use.
type Reporter interface {
	// Start begins a phase counting total units (-1 when unknown) of unit
	// ("clients", "rows", "pages").
	Start(phase string, total int64, unit string)
	// Add records n more units done.
	Add(n int64)
	// Describe sets the detail shown beside the count, e.g.
	// "created 10 · failed 1 · ETA 4m (limit 100/min)".
	Describe(detail string)
	// Wait says what the run waits for now ("" = nothing), again at least
	// every second while a wait lasts.
	Wait(what string)
	// Finish ends the phase.
	Finish()
}

// Bar draws a progress bar on a terminal.
type Bar struct {
	w        io.Writer
	width    int
	barWidth int

	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	wait string // the last Wait: what the run waits for now ("": nothing)
}

// NewBar returns a Reporter drawing on w (a terminal) of the given width.
func NewBar(w io.Writer, width int) *Bar { return &Bar{w: w, width: width} }

// Wait makes the bar say what the run waits for now ("" = nothing), before
// the detail, at the next Describe; a wait's countdown moves as the run says
// it again. It draws nothing itself: a redraw here, before the detail and
// count of the same update are set, showed the previous update's.
func (b *Bar) Wait(what string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wait = what
}

// describeLocked is, when the run waits, why — first, it matters most —
// then the detail, cut to the line the terminal has beside the bar.
func (b *Bar) describeLocked(detail string) string {
	if b.wait != "" {
		detail = strings.TrimSuffix(b.wait+" · "+detail, " · ")
	}
	if n := b.width - b.barWidth - barChrome; n >= 20 { // less: as is
		return chars.Fit(detail, n)
	}
	return detail
}

// barChrome is what the bar's line holds besides the description and the
// bar: the percentage, the count and the elapsed time.
const barChrome = 32

func (b *Bar) Start(phase string, total int64, unit string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Finish()
	}
	b.barWidth = 30
	if b.width > 0 && b.width < 140 {
		b.barWidth = 15
	}
	b.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription(phase),
		progressbar.OptionShowCount(),
		// No OptionShowIts: the rate that means something (over the last
		// minute, under the limit) comes from the caller, in Describe.
		progressbar.OptionSetWidth(b.barWidth),
		// No OptionThrottle: a throttled bar dropped the redraws of an
		// update's detail and count that came within 100 ms of its wait's;
		// the updates come throttled already (run.DefaultEvery).
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false), // the ETA comes from the limit, in Describe
		// No OptionFullWidth: it measures the terminal itself (and would
		// override this width); the width of stderr's terminal is known here.
	)
}

func (b *Bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Add64(n)
	}
}

func (b *Bar) Describe(detail string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Describe(b.describeLocked(detail))
	}
}

// Write writes log lines to the terminal above the bar: the bar's line is
// cleared first and drawn again after, so that a log line is never glued
// onto it. Without a running bar it writes straight through.
func (b *Bar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Clear()
	}
	n, err := b.w.Write(p)
	if b.bar != nil {
		_ = b.bar.RenderBlank()
	}
	return n, err
}

func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Finish()
		b.bar = nil
	}
}

// Log writes a log line at most every Interval, for runs without a terminal.
type Log struct {
	logger   *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu     sync.Mutex
	said   string    // the wait last said by Wait ("": none)
	saidAt time.Time // when it was last logged
	phase  string
	unit   string
	total  int64
	done   int64
	detail string
	last   time.Time
	start  time.Time
}

// NewLog returns a Reporter that logs through logger every interval.
func NewLog(logger *slog.Logger, interval time.Duration, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{logger: logger, interval: interval, now: now}
}

// Wait logs what the run waits for now ("" = nothing) when a wait begins,
// and again every interval while it lasts.
func (l *Log) Wait(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.now(); what != "" && (l.said == "" || t.Sub(l.saidAt) >= l.interval) {
		l.saidAt = t
		l.logger.Info(l.phase+": waiting: "+what, l.attrs("waiting", what)...)
	}
	l.said = what
}

func (l *Log) Start(phase string, total int64, unit string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase, l.total, l.unit, l.done, l.detail = phase, total, unit, 0, ""
	l.start = l.now()
	l.last = l.start
	if total >= 0 {
		l.logger.Info(phase+": starting", "total", total, "unit", unit)
	} else {
		l.logger.Info(phase+": starting", "unit", unit)
	}
}

func (l *Log) Add(n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done += n
	if t := l.now(); t.Sub(l.last) >= l.interval {
		l.last = t
		l.emit(t)
	}
}

// attrs are a log line's count of the phase, with extra after its unit.
func (l *Log) attrs(extra ...any) []any {
	attrs := append([]any{"done", l.done, "unit", l.unit}, extra...)
	if l.total >= 0 {
		attrs = append(attrs, "total", l.total)
	}
	return attrs
}

func (l *Log) emit(t time.Time) {
	attrs := l.attrs()
	if el := t.Sub(l.start); el > 0 { // over a minute at least: a first window's burst is not a rate
		attrs = append(attrs, "per_second", math.Round(float64(l.done)/max(el, time.Minute).Seconds()*10)/10)
	}
	if l.detail != "" {
		attrs = append(attrs, "detail", l.detail)
	}
	l.logger.Info(l.phase+": progress", attrs...)
}

func (l *Log) Describe(detail string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.detail = detail
}

func (l *Log) Finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.emit(l.now())
}
