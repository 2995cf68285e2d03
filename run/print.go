package run

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/internal/progress"
)

// Detail is an Update in the words the progress line says beside its
// count: the pages of a walk of the account's clients and the requests so
// far, the counts by status of a phase that settles lines, else the
// phase's count; then, in a paced phase, the rate over the last minute and
// the ETA at the limit (left out under a second). What the run waits for
// is not in it: printers say waits their own way.
func Detail(u Update) string {
	var parts []string
	switch {
	case u.Walk && u.Pages == 0:
		parts = append(parts, "reading the account's clients: page 1")
	case u.Walk:
		parts = append(parts, fmt.Sprintf("reading the account's clients: %d pages so far", u.Pages))
		if u.Requests > 0 {
			parts = append(parts, fmt.Sprintf("%d requests", u.Requests))
		}
	case u.Settles:
		if s := countsText(u.Counts, u.Statuses); s != "" {
			parts = append(parts, s)
		}
	case !u.Paced && u.Total >= 0:
		parts = append(parts, fmt.Sprintf("%s: %d of %d %s", u.Phase, u.Done, u.Total, u.Unit))
	case !u.Paced:
		parts = append(parts, fmt.Sprintf("%s: %d %s so far", u.Phase, u.Done, u.Unit))
	}
	if u.Paced && u.PerMinute > 0 {
		parts = append(parts, fmt.Sprintf("%d %s/min", u.PerMinute, u.Unit))
	}
	if u.Paced && u.ETA >= time.Second {
		parts = append(parts, fmt.Sprintf("ETA %s (%s)", RoundETA(u.ETA), u.ETAWhy))
	}
	return strings.Join(parts, " · ")
}

// JoinIDs writes client ids as a message lists them: "1, 2, 3".
func JoinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// countsText is the counts above zero, in the order of statuses, then the
// others by name.
func countsText(counts map[string]int, statuses []string) string {
	order := slices.Clone(statuses)
	for _, st := range slices.Sorted(maps.Keys(counts)) {
		if !slices.Contains(statuses, st) {
			order = append(order, st)
		}
	}
	var parts []string
	for _, st := range order {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	return strings.Join(parts, " · ")
}

// RoundETA is an ETA as crmbulk says it: to the minute from a minute on,
// else to the second (the progress line's ETA, and the export's
// exporter.DetailsETA, both say it this way).
func RoundETA(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// Draw returns a Printer that draws a run's Updates on r — the terminal's
// bar (progress.Bar) or the log lines of a run without one (progress.Log):
// each phase a Start, its units Add, its Detail the description, its wait
// a Wait (the Aggregator sends an Update every second while a wait lasts:
// the bar's countdown moves, the log says it again each interval), its
// last Update a Finish. Items, Messages and the Summary draw nothing (the
// Summary finishes a phase left open).
func Draw(r progress.Reporter) Printer { return &drawer{r: r} }

type drawer struct {
	Nop // Items and Messages draw nothing
	r   progress.Reporter

	mu      sync.Mutex
	open    bool
	done    int64
	detail  string
	waiting string
}

func (d *drawer) Update(u Update) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u.Phase == "" {
		return
	}
	if !d.open {
		d.r.Start(u.Phase, u.Total, u.Unit)
		d.open, d.done, d.detail, d.waiting = true, 0, "", ""
	}
	d.r.Wait(u.Waiting)
	text := Detail(u)
	// Until it has words or a wait the phase's name stays; the words are
	// said again with each wait, which a reporter shows beside them.
	if text != "" || d.detail != "" || u.Waiting != "" || d.waiting != "" {
		d.r.Describe(text)
		d.detail, d.waiting = text, u.Waiting
	}
	if n := u.Done - d.done; n > 0 { // after the words: the bar's redraw shows both
		d.r.Add(n)
		d.done = u.Done
	}
	if u.Ended {
		d.r.Finish()
		d.open = false
	}
}

func (d *drawer) Summary(Summary) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.open {
		d.r.Finish()
		d.open = false
	}
}
