package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

var tableHeader = []string{"Scenario", "Measure", "Value", "Target", ""}

func (l Line) cells() []string { return []string{l.Scenario, l.Measure, l.Value, l.Target, l.Verdict} }

// preamble is the text above the table (the same in both formats), each
// line ending in eol, then an empty line.
func (r *Report) preamble(eol string) string {
	out := []string{
		fmt.Sprintf("crmbulk bench, %s, took %s", r.Started.Format("2006-01-02 15:04 MST"), r.Elapsed.Round(time.Second)),
		"machine: " + r.Machine.String(),
	}
	if r.LoadEnd != "" {
		out[1] += "; " + r.LoadEnd + " at end"
	}
	if r.Quick {
		out = append(out, fmt.Sprintf("SCALED (--quick): the rate window is %s instead of 60s and every latency is scaled by the same factor; "+
			"files are %d rows; not the real-time figures", r.Window, r.Rows))
	} else {
		out = append(out, fmt.Sprintf("rate: limit %d per %s window; largest file %d rows", r.Limit, r.Window, r.Rows))
	}
	return strings.Join(out, eol) + eol + "\n"
}

// WriteText prints the report as an aligned plain-text table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.preamble("\n"))
	rows := [][]string{tableHeader}
	for _, l := range r.Lines {
		rows = append(rows, l.cells())
	}
	width := make([]int, len(tableHeader))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	for _, row := range slices.Insert(rows, 1, sep) {
		var line strings.Builder
		for j, c := range row {
			fmt.Fprintf(&line, "%-*s  ", width[j], c) // fmt pads to a width in characters
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	b.WriteString(r.verdict() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown prints the same report as a markdown table (for docs).
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.preamble("  \n"))
	row := func(cells []string) {
		for _, c := range cells {
			b.WriteString("| " + strings.ReplaceAll(c, "|", `\|`) + " ")
		}
		b.WriteString("|\n")
	}
	row(tableHeader)
	b.WriteString("|---|---|---:|---|---|\n")
	for _, l := range r.Lines {
		row(l.cells())
	}
	b.WriteString("\n" + r.verdict() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) verdict() string {
	if r.OK() {
		return "every target met"
	}
	return fmt.Sprintf("%d target(s) MISSED", r.Failures)
}
