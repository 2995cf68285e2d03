package exporter

import (
	events "github.com/crmbulk/crmbulk/run"
)

// StatusExported is the status of a client's row written: its Item's, and
// the Summary's count of them.
const StatusExported = "exported"

// newEvents is the aggregator of a run's typed events, to the printer of
// Config.Events: what the requests wait for is the API's Waiting ("waiting
// for the limit: next request in 42s (100/1m0s)", "blocked until 14:05:12
// (8m0s left)", a retry, a slow answer), so that a run under the limit or
// in a block never looks hung.
func (e *Exporter) newEvents(requests func() int64) *events.Aggregator {
	var waits []events.Wait
	if w := e.cfg.Waiting; w != nil {
		waits = append(waits, events.Words(w))
	}
	return events.NewAggregator(events.AggregatorConfig{Command: "export", Printer: e.cfg.Events, Waits: waits, Requests: requests})
}
