package undo

import (
	events "github.com/crmbulk/crmbulk/run"
)

// newEvents is the undo's aggregator of typed events, to cfg.Events: its
// counts said in the order of its lines' statuses.
func newEvents(cfg Config, requests func() int64) *events.Aggregator {
	var order []string
	for _, s := range []events.Status{StatusDeleted, StatusRestored, events.StatusCreated, StatusConflict,
		events.StatusFailed, events.StatusSkipped} {
		order = append(order, string(s))
	}
	return events.NewAggregator(events.AggregatorConfig{Command: "undo", Printer: cfg.Events, Statuses: order,
		Waits: []events.Wait{events.Words(cfg.Waiting)}, Requests: requests})
}
