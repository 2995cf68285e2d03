package main

import (
	events "github.com/crmbulk/crmbulk/run"
)

// The plan printer is one of the import's printers (app.printer tees it
// with the bar or the log): it prints the report lines the run's Items
// carry, in input order, as they settle — on the report's one writer
// goroutine — and leaves the rest to the bar or the log.

// Item prints the report line it carries.
func (p *planPrinter) Item(it events.Item) {
	if l, ok := it.Line.(*events.Line); ok {
		p.line(l)
	}
}

// Update draws nothing: the bar or the log do.
func (p *planPrinter) Update(events.Update) {}

// Message prints nothing: the log has it.
func (p *planPrinter) Message(events.Message) {}

// Summary prints nothing: the command prints the summary after the run.
func (p *planPrinter) Summary(events.Summary) {}
