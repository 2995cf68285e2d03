package importer

import (
	events "github.com/crmbulk/crmbulk/run"
)

// newEvents is the import's aggregator of typed events, to cfg.Events:
// counts said in the report's order of statuses, the API's waits (the
// run's own, the in-doubt rows it settles, are added by sayLanding).
func newEvents(cfg Config, requests func() int64) *events.Aggregator {
	statuses := make([]string, 0, len(events.Statuses()))
	for _, s := range events.Statuses() {
		statuses = append(statuses, string(s))
	}
	return events.NewAggregator(events.AggregatorConfig{Command: "import", Printer: cfg.Events, Statuses: statuses,
		Waits: []events.Wait{events.Words(cfg.Waiting)}, Requests: requests})
}

// itemOf is the Item of a report line: the line itself is a copy, which a
// printer may keep.
func itemOf(l *events.Line) events.Item {
	c := *l
	return events.Item{Row: l.Row, Status: string(l.Status), Reason: l.Message, Line: &c}
}
