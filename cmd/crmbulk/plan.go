package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/crmbulk/crmbulk/importer"
)

// previewRows is how many rows of the plan a terminal is shown.
const previewRows = 10

// planPrinter shows an import's plan: with --format json every report line
// as a JSON line on standard output (for scripts); on a terminal the first
// rows that change something, after the run.
type planPrinter struct {
	json    *json.Encoder
	preview []string
	shown   int
	errOut  io.Writer
}

func newPlanPrinter(a *app, format string) *planPrinter {
	p := &planPrinter{errOut: a.ios.ErrOut}
	if format == "json" {
		p.json = json.NewEncoder(a.stdout())
	}
	if !a.ios.IsStderrTTY() {
		p.errOut = nil
	}
	return p
}

// planLine is a report line as --format json prints it.
type planLine struct {
	Row      int          `json:"row"`
	Status   string       `json:"status"`
	ID       int64        `json:"crm_client_id,omitempty"`
	Changes  []planChange `json:"changes,omitempty"`
	Code     string       `json:"error_code,omitempty"`
	Message  string       `json:"error_message,omitempty"`
	MatchKey string       `json:"match_key,omitempty"`
	Warnings string       `json:"warnings,omitempty"`
	Note     string       `json:"note,omitempty"`
}

type planChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"` // absent for a create and for a field not compared
	After  string  `json:"after"`
	Why    string  `json:"not_compared,omitempty"`
	// The statuses' names of a status_id change (the report keeps the IDs).
	BeforeName string `json:"before_name,omitempty"`
	AfterName  string `json:"after_name,omitempty"`
}

// line is importer.Config.OnLine: it runs on the report's one writer goroutine.
func (p *planPrinter) line(l *importer.Line) {
	if p.json != nil {
		_ = p.json.Encode(toPlanLine(l))
	}
	if p.errOut == nil || l.Status == importer.StatusUnchanged {
		return
	}
	if len(p.preview) < previewRows {
		text := l.ChangesForPeople()
		if l.Message != "" {
			text = l.Message
		}
		p.preview = append(p.preview, fmt.Sprintf("  row %d %s: %s", l.Row, l.Status, truncate(text, 160)))
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

func toPlanLine(l *importer.Line) planLine {
	out := planLine{Row: l.Row, Status: string(l.Status), ID: l.ID, Code: l.Code, Message: l.Message,
		MatchKey: l.MatchKey, Warnings: l.Warnings, Note: l.Note}
	for _, c := range l.Changes {
		pc := planChange{Field: c.Field, After: c.After, Why: c.Why}
		if c.Known {
			b := c.Before
			pc.Before = &b
		}
		if c.Field == "status_id" {
			pc.AfterName = l.StatusNames[c.After]
			if c.Known {
				pc.BeforeName = l.StatusNames[c.Before]
			}
		}
		out.Changes = append(out.Changes, pc)
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
