package run

import (
	"maps"
	"slices"
)

// Status is the outcome of one line.
type Status string

// The statuses of an import's report line (an undo adds its own).
const (
	StatusCreated   Status = "created"   // a new client was created
	StatusUpdated   Status = "updated"   // an existing client was updated
	StatusUnchanged Status = "unchanged" // the matched client already held the row's values; nothing sent
	StatusInvalid   Status = "invalid"   // the row broke a rule; nothing sent
	StatusFailed    Status = "failed"    // the API refused the row or its outcome could not be settled
	StatusConflict  Status = "conflict"  // a later key of match_by found another person's client; nothing sent
	StatusSkipped   Status = "skipped"   // not attempted (interrupted, the run stopped on a fatal error), or not a client (an empty or total row, a repeat)
)

// Statuses lists every status of an import in report order.
func Statuses() []Status {
	return []Status{StatusCreated, StatusUpdated, StatusUnchanged, StatusInvalid, StatusFailed, StatusConflict, StatusSkipped}
}

// Finished reports whether a line with status s needs no further work on
// resume.
func (s Status) Finished() bool {
	return s == StatusCreated || s == StatusUpdated || s == StatusUnchanged
}

// DryRunNote is the note every line of a dry run carries.
const DryRunNote = "dry run: not sent"

// Line is one line of a report: the outcome of one non-blank input row (an
// import's), or of one line of the report undone (an undo's).
//
// Its tags are the one list of what a line holds where (see Columns):
// csv names the report's column, in column order (gocsv writes the header
// and the cells from it; "-": not a column;
// omitempty: zero is an empty cell; required: a report without the column
// is not read back); json the key of the line's JSON
// (import --format json; "-": not in it); journal the key of the
// journal's done record ("-": not in it); xlsx the column's width in an
// XLSX report ("-": not a column). Every exported field has all four: a
// test fails on a field without them.
type Line struct {
	Row      int     `csv:"row,required" json:"row" journal:"row" xlsx:"6"`                                // the input row the line accounts for, as a spreadsheet shows it
	Status   Status  `csv:"status,required" json:"status" journal:"status" xlsx:"10"`                      //
	ID       int64   `csv:"crm_client_id,omitempty" json:"crm_client_id,omitempty" journal:"id" xlsx:"13"` // the client created, updated or matched (0 = none)
	Code     string  `csv:"error_code" json:"error_code,omitempty" journal:"code" xlsx:"16"`               // the API's code verbatim, or one of crmbulk's
	Message  string  `csv:"error_message" json:"error_message,omitempty" journal:"msg" xlsx:"60"`          // the API's message verbatim, or what went wrong and what to do
	MatchKey string  `csv:"match_key" json:"match_key,omitempty" journal:"key" xlsx:"24"`                  // the normalised match key, "field:value"
	Column   string  `csv:"column" json:"-" journal:"column" xlsx:"18"`                                    // the source column(s) of the problems
	Changes  Changes `csv:"changes" json:"changes,omitempty" journal:"changes" xlsx:"60"`                  // the plan: what was (or would be) written
	Warnings string  `csv:"warnings" json:"warnings,omitempty" journal:"warnings" xlsx:"40"`               // warnings (the row was still sent)
	Note     string  `csv:"note" json:"note,omitempty" journal:"note" xlsx:"20"`                           // e.g. DryRunNote
	InputSHA string  `csv:"input_sha256,required" json:"-" journal:"-" xlsx:"17"`                          // the fingerprint of the file the run read (the journal's start holds it)
	Account  string  `csv:"account" json:"-" journal:"-" xlsx:"17"`                                        // the account written to (a hash of the token, never the token)
	MAC      string  `csv:"line_mac" json:"-" journal:"-" xlsx:"17"`                                       // the line's proof: see Sign
	// StatusNames names the status IDs of a status_id change (ID → the
	// account's name) for people: the plan printed and the summary. The
	// report's changes column keeps the IDs alone (undo and line_mac read
	// it); nil when the statuses were not read.
	StatusNames map[string]string `csv:"-" json:"-" journal:"-" xlsx:"-"`

	// What the run knows of the line besides what it writes.

	Num       int       `csv:"-" json:"-" journal:"-" xlsx:"-"` // the line's row in the report file it was read from (0: made by this run)
	Proven    bool      `csv:"-" json:"-" journal:"-" xlsx:"-"` // read with a key, the line passed its proof (line_mac)
	Problems  []Problem `csv:"-" json:"-" journal:"-" xlsx:"-"` // why an invalid row is invalid
	Adjusted  []string  `csv:"-" json:"-" journal:"-" xlsx:"-"` // the kinds of values changed on the way in, for the summary
	Unkeyed   bool      `csv:"-" json:"-" journal:"-" xlsx:"-"` // the row has none of the match keys set (a create cannot be found again)
	Disputed  bool      `csv:"-" json:"-" journal:"-" xlsx:"-"` // the row shares a key with rows that disagree with it
	APIWarned bool      `csv:"-" json:"-" journal:"-" xlsx:"-"` // the API's answer carried warnings
	// Unsettled: a write was sent and whether it took effect is not
	// known; the journal keeps its "send" open for --resume.
	Unsettled bool `csv:"-" json:"-" journal:"-" xlsx:"-"`
	// Earlier: the line is an earlier run's (the resumed report's, or
	// settled from its journal), not done by this run.
	Earlier bool `csv:"-" json:"-" journal:"-" xlsx:"-"`

	changesText string // the changes column as read back (Changes is nil then)
}

// OutcomeUnknown is l failed OUTCOME_UNKNOWN with msg, its write
// unsettled: it was sent and may have taken effect, so the journal keeps
// its send open and --resume looks it up before anything is sent again.
// The one home of that line for the import and the undo.
func (l Line) OutcomeUnknown(msg string) Line {
	l.Status, l.Code, l.Message, l.Unsettled = StatusFailed, CodeOutcomeUnknown, msg, true
	return l
}

// Problem is one reason a row is invalid, for a program to show where it is.
type Problem struct {
	Field  string // the API field (extra_<ID> or custom_extra_fields[ID] for an extra field), or the header of a column
	Column string // the header of the sheet column it comes from ("" for a constant of the mapping)
	Code   string // the rule broken: a validate rule, "mapping" or "formula_not_saved"
	Value  string // the offending value, as the row holds it
	Hint   string // what to do ("" when the message says it)
	Text   string // the whole sentence the report says
}

// DryRun reports whether the line is a dry run's (nothing was sent).
func (l *Line) DryRun() bool { return l.Note == DryRunNote }

// ChangesText is the report's changes column.
func (l *Line) ChangesText() string {
	if l.Changes == nil {
		return l.changesText
	}
	return l.Changes.String()
}

// ChangesForPeople is ChangesText with the statuses' names after their
// IDs: status_id: "3" (Nowy) → "5" (Stały klient).
func (l *Line) ChangesForPeople() string {
	if l.Changes == nil || l.StatusNames == nil {
		return l.ChangesText()
	}
	return l.Changes.format(l.StatusNames)
}

// ChangedFields names the fields of the line's plan.
func (l *Line) ChangedFields() []string {
	if l.Changes == nil {
		return slices.Collect(maps.Keys(ChangesByField(l.changesText)))
	}
	out := make([]string, len(l.Changes))
	for i, c := range l.Changes {
		out[i] = c.Field
	}
	return out
}

// WarnedBy adds the warnings of the API's SUCCESS answer to the line,
// verbatim.
func (l *Line) WarnedBy(ws []string) {
	for _, w := range ws {
		l.Warnings = JoinNote(l.Warnings, "the API warned: "+w)
	}
	l.APIWarned = l.APIWarned || len(ws) > 0
}

// JoinNote adds b to a line's note (or warnings) a, after "; ".
func JoinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
