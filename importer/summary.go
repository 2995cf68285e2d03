package importer

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
)

// Summary is what a run did (or, for a dry run, would do).
type Summary struct {
	Rows     int                   // report lines written (= non-blank input rows)
	Counts   map[events.Status]int // lines by status
	Fields   map[string]int        // updated rows by the field they change
	Created  map[string]int        // created rows by the field they set
	Adjusted map[string]int        // values changed on the way in, by kind (text mark removed, country name → code)
	// StatusSet counts the rows that set status_id (updated or created) by
	// the status they set: "Stały klient (5)", or the bare ID unnamed.
	StatusSet map[string]int
	Warned    int     // rows whose write the API answered with warnings (in the warnings column)
	Unkeyed   int     // rows created without a match key although one was set: a re-run creates them again
	Disputed  int     // rows that share a match key or crm_client_id with rows that disagree (applied in file order)
	Invalid   []Group // invalid rows by reason, most first
	Failed    []Group // failed rows by error code, most first
	Conflict  []Group // rows a later match key found another person's client for, by error code (one: KEY_CONFLICT)
	NotRows   []Group // rows skipped as no client (empty, total, a repeat of an earlier row), by error code
	Requests  int64   // requests the limit saw (retries and reads included)
	Elapsed   time.Duration
	Report    string // path of the report
	Journal   string // path of the journal when it was kept (unsettled writes), else ""
	Kept      string // where the earlier run's record at the report's path was kept, else ""
	DryRun    bool
	InputSHA  string // first 16 hex characters of the input file's SHA-256
	Encoding  string // the code page the input was read in when it was detected, not given ("" otherwise)
}

// Group is the rows that share one reason: how many, and the first of them.
type Group struct {
	Reason  string // "invoice_country_code: country_code", or an error code
	Count   int
	Row     int    // the first row with it
	Example string // that row's message
}

// Problems is the number of rows that were invalid, failed or in conflict.
func (s Summary) Problems() int {
	return s.Counts[events.StatusInvalid] + s.Counts[events.StatusFailed] + s.Counts[events.StatusConflict]
}

// LogAttrs is the summary as slog attributes, for --log-format json.
func (s Summary) LogAttrs() []any {
	attrs := []any{"rows", s.Rows}
	for _, st := range events.Statuses() {
		attrs = append(attrs, string(st), s.Counts[st])
	}
	attrs = append(attrs, "fields_updated", s.Fields, "fields_created", s.Created, "adjusted", s.Adjusted, "status_set", s.StatusSet, "api_warnings", s.Warned, "created_without_key", s.Unkeyed, "rows_in_dispute", s.Disputed)
	for _, g := range s.Invalid {
		attrs = append(attrs, "invalid_"+g.Reason, g.Count)
	}
	for _, g := range s.NotRows {
		attrs = append(attrs, "skipped_"+g.Reason, g.Count)
	}
	if s.Encoding != "" {
		attrs = append(attrs, "encoding_detected", s.Encoding)
	}
	attrs = append(attrs, "requests", s.Requests, "seconds", math.Round(s.Elapsed.Seconds()*10)/10,
		"report", s.Report, "dry_run", s.DryRun)
	if s.Journal != "" {
		attrs = append(attrs, "journal", s.Journal)
	}
	if s.Kept != "" {
		attrs = append(attrs, "earlier_record_kept", s.Kept)
	}
	return attrs
}

// String formats the summary for people: the counts by status and by
// field, the invalid and failed rows by reason with an example, requests,
// time and the report.
func (s Summary) String() string {
	var b strings.Builder
	verb := func(done, would string) string {
		if s.DryRun {
			return would
		}
		return done
	}
	if s.DryRun {
		b.WriteString("dry run (nothing sent): ")
	}
	var counts []string
	for _, st := range events.Statuses() {
		counts = append(counts, fmt.Sprintf("%s %d", st, s.Counts[st]))
	}
	fmt.Fprintf(&b, "%d rows: %s", s.Rows, strings.Join(counts, ", "))
	if n := s.Counts[events.StatusCreated]; n > 0 {
		fmt.Fprintf(&b, "\n  %s %d clients", verb("created", "would create"), n)
	}
	if n := s.Counts[events.StatusUpdated]; n > 0 {
		fmt.Fprintf(&b, "\n  %s %d clients: %s", verb("updated", "would update"), n, byCount(s.Fields))
	}
	if len(s.StatusSet) > 0 {
		fmt.Fprintf(&b, "\n  status_id %s: %s", verb("set to", "would be set to"), byCount(s.StatusSet))
	}
	if s.Warned > 0 {
		fmt.Fprintf(&b, "\n  %d rows were written with warnings from the API (verbatim in the warnings column)", s.Warned)
	}
	if s.Disputed > 0 {
		fmt.Fprintf(&b, "\n  %d rows share a match key with rows that disagree with them (their warnings name the rows and fields): applied in file order, the last row wins", s.Disputed)
	}
	if s.Unkeyed > 0 {
		fmt.Fprintf(&b, "\n  %d rows %s without a match key (their warnings say which): a re-run %s them again", s.Unkeyed,
			verb("were created", "would be created"), verb("creates", "would create"))
	}
	if len(s.Adjusted) > 0 {
		fmt.Fprintf(&b, "\n  values changed on the way in: %s (the warnings column says which)", byCount(s.Adjusted))
	}
	for _, g := range s.Invalid {
		fmt.Fprintf(&b, "\n  %d invalid: %s — e.g. %s", g.Count, g.Reason, g.Example)
	}
	for _, g := range s.Failed {
		fmt.Fprintf(&b, "\n  %d failed: %s — e.g. row %d: %s", g.Count, g.Reason, g.Row, g.Example)
	}
	for _, g := range s.Conflict {
		fmt.Fprintf(&b, "\n  %d in conflict (nothing sent): %s — e.g. row %d: %s", g.Count, g.Reason, g.Row, g.Example)
	}
	for _, g := range s.NotRows {
		fmt.Fprintf(&b, "\n  %d skipped as no client: %s — e.g. row %d: %s", g.Count, g.Reason, g.Row, g.Example)
	}
	if s.Encoding != "" {
		fmt.Fprintf(&b, "\n  read as %s: the file is not UTF-8, and its letters make sense in that code page (give --encoding if it is another)", s.Encoding)
	}
	fmt.Fprintf(&b, "\n  %d requests in %s; report %s", s.Requests, s.Elapsed.Round(time.Millisecond), s.Report)
	if s.Journal != "" {
		fmt.Fprintf(&b, "; journal kept at %s (resume with --resume to settle it)", s.Journal)
	}
	if s.Kept != "" {
		fmt.Fprintf(&b, "\n  the earlier run's record that was at %s is kept as %s (%s lists them all)", s.Report, s.Kept,
			shellquote.ForGOOS(runtime.GOOS).Join("crmbulk", "undo", "--list", s.Report))
	}
	return b.String()
}

// byCount is "phone 398, invoice_city 12" (most first, then by name).
func byCount(m map[string]int) string {
	names := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), fieldOrder(a, b))
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, m[n])
	}
	return strings.Join(parts, ", ")
}

// tally counts the report's lines beyond their status (the run's events
// count that) as the writer writes them: from the pool's emitting
// goroutine, read once the pool ended. Its counts are the Summary's
// fields of the same names.
type tally struct {
	Summary
	groups map[events.Status]map[string]*Group // invalid, failed, conflict and no-client lines by reason
}

func newTally() *tally {
	s := Summary{Fields: map[string]int{}, Created: map[string]int{}, Adjusted: map[string]int{}, StatusSet: map[string]int{}}
	groups := map[events.Status]map[string]*Group{ // the statuses whose lines are grouped by reason
		events.StatusInvalid: {}, events.StatusFailed: {}, events.StatusConflict: {}, events.StatusSkipped: {}}
	return &tally{Summary: s, groups: groups}
}

func (t *tally) add(l *events.Line) {
	for _, a := range l.Adjusted {
		t.Adjusted[a]++
	}
	if l.APIWarned {
		t.Warned++
	}
	if l.Disputed {
		t.Disputed++
	}
	switch l.Status {
	case events.StatusUpdated, events.StatusCreated:
		fields := t.Fields
		if l.Status == events.StatusCreated {
			fields = t.Created
			if l.Unkeyed {
				t.Unkeyed++
			}
		}
		for _, field := range l.ChangedFields() {
			fields[field]++
		}
		for _, c := range l.Changes {
			if c.Field == "status_id" {
				t.StatusSet[statusLabel(c.After, l.StatusNames)]++
			}
		}
	case events.StatusInvalid:
		if len(l.Problems) == 0 {
			t.group(l, l.Code, l.Message)
		}
		for _, p := range l.Problems {
			t.group(l, p.Field+": "+p.Code, p.Text)
		}
	case events.StatusFailed, events.StatusConflict:
		t.group(l, l.Code, l.Message)
	case events.StatusSkipped:
		if isNotClientCode(l.Code) {
			t.group(l, l.Code, l.Message)
		}
	}
}

// group counts l in its status's group of reason; the group's first line
// is its example.
func (t *tally) group(l *events.Line, reason, example string) {
	m := t.groups[l.Status]
	if g, ok := m[reason]; ok {
		g.Count++
		return
	}
	m[reason] = &Group{Reason: reason, Count: 1, Row: l.Row, Example: example}
}

// fields is every field a line changed or set, in field-table order.
func (t *tally) fields() []string {
	set := maps.Clone(t.Fields)
	maps.Copy(set, t.Created)
	return slices.SortedFunc(maps.Keys(set), fieldOrder)
}

// summary is the tally's Summary with the counts; byStatus is the lines
// by status, which the run's events count.
func (t *tally) summary(byStatus map[string]int) Summary {
	s := t.Summary
	s.Counts = map[events.Status]int{}
	for st, n := range byStatus {
		s.Rows += n
		s.Counts[events.Status(st)] = n
	}
	if len(s.StatusSet) == 0 {
		s.StatusSet = nil
	}
	s.Invalid, s.Failed = groups(t.groups[events.StatusInvalid]), groups(t.groups[events.StatusFailed])
	s.Conflict, s.NotRows = groups(t.groups[events.StatusConflict]), groups(t.groups[events.StatusSkipped])
	return s
}

func groups(m map[string]*Group) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Row, b.Row)) })
	return out
}
