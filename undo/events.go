package undo

import (
	events "github.com/crmbulk/crmbulk/run"
)

// Statuses is every status an undo's line may have, in the one order its
// progress line and its summary say their counts in.
func Statuses() []events.Status {
	return []events.Status{StatusDeleted, StatusRestored, events.StatusCreated, StatusConflict,
		events.StatusUnchanged, events.StatusFailed, events.StatusSkipped}
}

// newEvents is the undo's aggregator of typed events, to cfg.Events: its
// counts said in the order of Statuses.
func newEvents(cfg Config, requests func() int64) *events.Aggregator {
	var order []string
	for _, st := range Statuses() {
		order = append(order, string(st))
	}
	return events.NewAggregator(events.AggregatorConfig{Command: "undo", Printer: cfg.Events, Statuses: order,
		Waits: []events.Wait{events.Words(cfg.Waiting)}, Requests: requests})
}
