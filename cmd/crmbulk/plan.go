package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/crmbulk/crmbulk/internal/chars"
	events "github.com/crmbulk/crmbulk/run"
)

// previewRows is how many rows of the plan a terminal is shown.
const previewRows = 10

// planPrinter shows an import's plan: with --format json every report line
// as a JSON line on standard output (for scripts); on a terminal the first
// rows that change something, after the run.
type planPrinter struct {
	events.Nop
	json    *json.Encoder
	preview []string
	shown   int
	errOut  io.Writer
}

func newPlanPrinter(a *app, format string) *planPrinter {
	p := &planPrinter{errOut: a.ios.ErrOut}
	if format == "json" {
		p.json = json.NewEncoder(a.ios.Out)
	}
	if !a.ios.IsStderrTTY() {
		p.errOut = nil
	}
	return p
}

// Item prints the report line the run's Item carries, in input order, as
// it settles: on the report's one writer goroutine. The plan printer is one
// of the import's printers (app.printer tees it with the bar or the log,
// which draw the rest: its Update, Message and Summary are events.Nop's).
func (p *planPrinter) Item(it events.Item) {
	l, ok := it.Line.(*events.Line)
	if !ok {
		return
	}
	if p.json != nil {
		_ = p.json.Encode(l) // run.Line's JSON: its json tags
	}
	if p.errOut == nil || l.Status == events.StatusUnchanged {
		return
	}
	if len(p.preview) < previewRows {
		text := cmp.Or(l.Message, l.ChangesForPeople())
		p.preview = append(p.preview, fmt.Sprintf("  row %d %s: %s", l.Row, l.Status, chars.Fit(text, 160)))
	}
	p.shown++
}

// flush prints the preview once the run is over (the progress bar is gone).
func (p *planPrinter) flush() {
	if p.errOut == nil || len(p.preview) == 0 {
		return
	}
	fmt.Fprintf(p.errOut, "plan, the first %d of %d rows that change something or need a look (all in the report):\n%s\n",
		len(p.preview), p.shown, strings.Join(p.preview, "\n"))
}
