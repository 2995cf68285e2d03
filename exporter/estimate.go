package exporter

import (
	"context"
	"fmt"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/run"
)

// DetailsETA is how long the limiter l needs to grant n more requests,
// rounded as run.RoundETA says an ETA: the time the notes and extra fields
// read one request per client take (the export's log line and progress,
// and `crmbulk ui` before an export starts, all say this one).
func DetailsETA(l *pacer.Limiter, n int) time.Duration {
	return run.RoundETA(l.ETA(n))
}

// DetailsText is the words the export says before it reads the details of
// n clients at l's limit.
func DetailsText(l *pacer.Limiter, n int) string {
	return fmt.Sprintf("reading the details of %d clients: one request each; at %d requests per %s that takes about %s",
		n, l.Limit(), l.Window(), DetailsETA(l, n))
}

// Count walks the list of clients the Config's filters select (pages
// only: one request per baselinker.PageSize clients, no details) and
// returns how many there are, for an estimate before an export (with
// Config.NoRecheck it saves the re-read of the last page).
func (e *Exporter) Count(ctx context.Context) (clients int, err error) {
	e.ev = e.newEvents(e.requests.Load) // the walk counts its pages there (to Config.Events, if any)
	err = e.walk(ctx, &Summary{}, func(*baselinker.Client) error { clients++; return nil })
	return clients, err
}
