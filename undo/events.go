package undo

import (
	events "github.com/crmbulk/crmbulk/run"
)

// newEvents is the undo's aggregator of typed events, to cfg.Events: its
// counts said in the order of its lines' statuses.
func newEvents(cfg Config, requests func() int64) *events.Aggregator {
	order := []string{string(StatusDeleted), string(StatusRestored), string(events.StatusCreated),
		string(StatusConflict), string(events.StatusFailed), string(events.StatusSkipped)}
	return events.NewAggregator(events.AggregatorConfig{Command: "undo", Printer: cfg.Events, Statuses: order,
		Waits: []events.Wait{events.Words(cfg.Waiting)}, Requests: requests})
}
