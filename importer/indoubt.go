package importer

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
)

// In-doubt writes settle only once they can no longer land. A create a
// stopped run sent and never learnt the answer of may still be running on
// the server: a back end goes on with a request after its client has gone
// (killed, or cut at --request-timeout). A look-up before it lands finds
// nothing, and sending the row again would make the client twice. So a
// resume looks such a row up only once --request-timeout (the larger of
// the sending run's and its own) has passed since the send; it does the
// other rows meanwhile. Without a key to look it up by, the row stays
// OUTCOME_UNKNOWN and is never sent again blindly (process.go).

// inDoubtWindow is the reorder window of a resume that waits for creates
// to land: the other rows go on while those wait, their lines held until
// the waiting rows' are written (at most this many).
const inDoubtWindow = 4096

// reorder is the run's reorder window: wide while a carried create waits
// to land, so the rows after it are not held up by it.
func (r *run) reorder() int {
	w := reorderWindow(r.cfg.Workers)
	n, last := inDoubt(r.carry, r.cfg.RequestTimeout)
	if n == 0 {
		return w
	}
	page := events.Keyed(context.Background(), "run.inDoubt", map[string]string{"rows": strconv.Itoa(n), "until": last.UTC().Format(time.RFC3339)})
	r.cfg.Logger.WarnContext(page, fmt.Sprintf("%d rows are in doubt: they were sent by the run that stopped and got no usable answer: a create still running on the server may land until %s (--request-timeout %s after its send), so those rows are looked up then — not sent again — and the other rows go first",
		n, last.Local().Format("15:04:05"), r.cfg.RequestTimeout), "rows", n, "until", last)
	return max(w, inDoubtWindow)
}

// inDoubt counts the creates of open that may still land, and when the
// last of them can no longer.
func inDoubt(open map[int]events.Pending, timeout time.Duration) (n int, last time.Time) {
	for _, p := range open {
		if until, later := p.LandsBy(timeout); later {
			n++
			last = pacer.Later(last, until)
		}
	}
	return n, last
}

// waitLookup holds the row's look-up until the time until (the bar and the
// log say it with the other rows waiting): until the create the row sent
// can no longer land — the carried create of a resumed row (until is zero
// when it has no such wait), or this run's own create whose answer was
// lost (process.go). It returns nil then, or at once when until has
// passed; ctx's error when the run is interrupted first, and
// events.ErrStopped when it stops on a fatal error first (the caller keeps
// the send open in the journal: the row is looked up by the next resume).
func (r *run) waitLookup(ctx context.Context, row int, until time.Time) error {
	if !time.Now().Before(until) {
		return nil
	}
	r.landing.begin(row, until)
	defer r.landing.end(row)
	return r.sleep(ctx, until)
}

// landing is the creates waiting now until they can no longer land (a
// resume's carried ones, this run's lost ones), for the wait the run says:
// the rows and when each is looked up.
type landing struct {
	mu    sync.Mutex
	until map[int]time.Time // by row
}

func (l *landing) begin(row int, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.until == nil {
		l.until = map[int]time.Time{}
	}
	l.until[row] = until
}

func (l *landing) end(row int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.until, row)
}

// by is when the last waiting row is looked up (zero: none waits).
func (l *landing) by() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var last time.Time
	for _, t := range l.until {
		last = pacer.Later(last, t)
	}
	return last
}

// waiting says the wait, like the API's waits ("" when no row waits):
// "settling 3 in-doubt rows: looking them up at 14:05:12 (in 9s)" — short
// enough for the bar of a 110-column terminal.
func (l *landing) waiting() string {
	l.mu.Lock()
	n := len(l.until)
	l.mu.Unlock()
	if n == 0 {
		return ""
	}
	last := l.by()
	rows, them := "rows", "them"
	if n == 1 {
		rows, them = "row", "it"
	}
	return fmt.Sprintf("settling %d in-doubt %s: looking %s up at %s (in %s)",
		n, rows, them, last.Local().Format("15:04:05"), max(time.Until(last), 0).Round(time.Second))
}

// dateSends gives the carried sends without a time (a report's
// OUTCOME_UNKNOWN line whose journal is gone, rows a cut journal cannot
// account for) the last write of the report or journal: they were sent
// no later.
func (r *run) dateSends() {
	last := lastWrite(r.cfg.Resume)
	for row, p := range r.carry {
		if p.At.IsZero() {
			p.At = last
			r.carry[row] = p
		}
	}
}
