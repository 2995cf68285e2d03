package run

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gocarina/gocsv"

	"github.com/crmbulk/crmbulk/sheet"
)

// field is one field of Line as its tags place it.
type field struct {
	index       int    // in Line
	name        string // the Go name
	changes     bool   // the Changes field: its cell is ChangesText
	csv         string // the report's column ("" = none)
	csvOmit     bool   // zero is an empty cell
	required    bool   // a report without the column is not read back
	json        string // the key in the line's JSON ("" = none)
	jsonOmit    bool
	journal     string  // the key in the journal's done record ("" = none)
	width       float64 // the column's width in an XLSX report
	numericCell bool    // an XLSX report holds the column as a number
}

// table is Line's fields as their tags say, computed once.
type table struct {
	fields  []field // in Line's order
	columns []field // those that are report columns, in column order
	header  []string
	mac     int // the line_mac column (the proof covers all the others)
}

var lineTable = sync.OnceValue(func() *table {
	t, err := buildTable(reflect.TypeFor[Line]())
	if err != nil {
		panic(err) // a field of Line without its tags: TestEveryFieldHasItsTags says which
	}
	return t
})

// buildTable reads the tags of a Line-shaped struct type.
func buildTable(typ reflect.Type) (*table, error) {
	t := &table{mac: -1}
	changesType := reflect.TypeFor[Changes]()
	for i := range typ.NumField() {
		sf := typ.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := field{index: i, name: sf.Name, changes: sf.Type == changesType}
		tags := map[string]string{}
		for _, k := range []string{"csv", "json", "journal", "xlsx"} {
			v, ok := sf.Tag.Lookup(k)
			if !ok || v == "" {
				return nil, fmt.Errorf("run.Line.%s has no %s tag: give it one (\"-\" when it is not written there)", sf.Name, k)
			}
			tags[k] = v
		}
		f.csv, f.csvOmit, f.required = tagName(tags["csv"])
		f.json, f.jsonOmit, _ = tagName(tags["json"])
		f.journal, _, _ = tagName(tags["journal"])
		if f.csv != "" {
			w, err := strconv.ParseFloat(tags["xlsx"], 64)
			if err != nil {
				return nil, fmt.Errorf("run.Line.%s: its xlsx tag %q is not a column width", sf.Name, tags["xlsx"])
			}
			kind := sf.Type.Kind()
			f.width, f.numericCell = w, kind == reflect.Int || kind == reflect.Int64
			if !f.changes && !f.numericCell && kind != reflect.String {
				return nil, fmt.Errorf("run.Line.%s: a %s cannot be a report column", sf.Name, sf.Type)
			}
			if f.name == "MAC" {
				t.mac = len(t.columns)
			}
			t.columns = append(t.columns, f)
			t.header = append(t.header, f.csv)
		}
		t.fields = append(t.fields, f)
	}
	if t.mac != len(t.columns)-1 {
		return nil, fmt.Errorf("run.Line: MAC must be the last report column (the proof covers the cells before it)")
	}
	// gocsv writes the header and the cells (Cells): it must find the same
	// columns in the csv tags as this table (gocsv names a column by the
	// tag's first word, or by the field's name when the tag has none).
	var w captured
	if err := gocsv.MarshalCSV(reflect.MakeSlice(reflect.SliceOf(typ), 0, 0).Interface(), &w); err != nil {
		return nil, fmt.Errorf("run.Line: gocsv: %w", err)
	}
	if !slices.Equal(w.row, t.header) {
		return nil, fmt.Errorf("run.Line: gocsv reads the csv tags as the columns %q, not %q", w.row, t.header)
	}
	return t, nil
}

// captured is a gocsv.CSVWriter that keeps the last row written.
type captured struct{ row []string }

func (w *captured) Write(row []string) error { w.row = slices.Clone(row); return nil }
func (w *captured) Flush()                   {}
func (w *captured) Error() error             { return nil }

// tagName splits a tag "name,omitempty,required"; "-" is no name.
func tagName(tag string) (name string, omitEmpty, required bool) {
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" {
		name = ""
	}
	for o := range strings.SplitSeq(opts, ",") {
		omitEmpty = omitEmpty || o == "omitempty"
		required = required || o == "required"
	}
	return name, omitEmpty, required
}

// Columns is the report's header: its columns, in order.
func Columns() []string { return append([]string(nil), lineTable().header...) }

// XLSXOptions is how an XLSX report lays out its sheet: the width of each
// column, and the columns it holds as numbers, by index.
func XLSXOptions() sheet.XLSXWriterOptions {
	o := sheet.XLSXWriterOptions{SheetName: "Report", NumericColumns: map[int]bool{}, MaxWidth: 60}
	for i, f := range lineTable().columns {
		o.Widths = append(o.Widths, f.width)
		if f.numericCell {
			o.NumericColumns[i] = true
		}
	}
	return o
}

// Cells is a report line as its file holds it: one cell per column, in
// Columns' order.
type Cells []string

// Cells is the line's cells, as gocsv marshals its csv-tagged fields in
// column order (Changes by its String method). Two cells gocsv cannot
// write as a report holds them are set after it: a number column with
// omitempty whose value is not above zero is empty (gocsv's omitempty
// only reads; it writes 0, and a dry run's placeholder IDs are negative),
// and the changes of a line read back are its text as read (kept
// unexported, beyond gocsv's reach, while Changes is nil).
func (l *Line) Cells() Cells {
	var w captured
	if err := gocsv.MarshalCSVWithoutHeaders([]*Line{l}, &w); err != nil {
		panic(fmt.Sprintf("run.Line: gocsv: %v", err)) // its columns are strings, numbers and a Stringer: nothing fails
	}
	v := reflect.ValueOf(l).Elem()
	for i, f := range lineTable().columns {
		switch {
		case f.changes && l.Changes == nil:
			w.row[i] = l.changesText
		case f.csvOmit && f.numericCell && v.Field(f.index).Int() <= 0:
			w.row[i] = ""
		}
	}
	return w.row
}

// set puts a cell's text in the field.
func (f field) set(l *Line, v reflect.Value, s string) error {
	switch {
	case f.changes:
		l.Changes, l.changesText = nil, s
	case f.numericCell:
		s = strings.TrimSpace(s)
		if s == "" && f.csvOmit {
			v.SetInt(0)
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return &CellError{Column: f.csv, Value: s}
		}
		v.SetInt(n)
	default:
		v.SetString(s)
	}
	return nil
}

// CellError is a cell that cannot be read as its column's value.
type CellError struct {
	Column string // the report's column
	Value  string // the cell
}

func (e *CellError) Error() string {
	return fmt.Sprintf("column %q: %q is not a number", e.Column, e.Value)
}

// Cell is the cell of column name ("" if there is no such column).
func (c Cells) Cell(name string) string {
	for i, f := range lineTable().columns {
		if f.csv == name && i < len(c) {
			return c[i]
		}
	}
	return ""
}

// Line reads the cells back into a line. Every cell that can be read is;
// the error is the first that cannot (a *CellError: a number column that
// holds no number), whose field is left zero.
//
// Written by hand, not with gocsv's Unmarshal: gocsv reads a number with
// base 0 and cuts a fraction ("010" is 8, "0x10" 16, "2.9" 2, where an
// edited row number must be refused), drops the whole line at its first bad
// cell (resume and the report's summary read the rest), decodes a changes
// cell as JSON (it is text), and takes a csv tag's "required" for a second
// column name.
func (c Cells) Line() (Line, error) {
	t := lineTable()
	var l Line
	v := reflect.ValueOf(&l).Elem()
	var first error
	for i, f := range t.columns {
		if i >= len(c) {
			break
		}
		if err := f.set(&l, v.Field(f.index), c[i]); err != nil && first == nil {
			first = err
		}
	}
	return l, first
}

// content is the cells the line's MAC proves: all but the MAC.
func (c Cells) content() []string { m := lineTable().mac; return c[:m:m] }

// MarshalJSON is the line's JSON (import --format json): the fields with a
// json key, in column order; the changes as a list of {field, before,
// after, not_compared}, with the statuses' names of a status_id change.
func (l Line) MarshalJSON() ([]byte, error) {
	b, err := l.appendObject([]byte{'{'}, false)
	return append(b, '}'), err
}

// appendObject appends to the JSON object b (its '{' and any members) a
// member "key":value for each field with a json key — or, for the
// journal's done record, a journal key — leaving out an empty value where
// the json tag says omitempty (in the journal: always). The changes are
// their JSON list (changesJSON), in the journal the column's text.
func (l *Line) appendObject(b []byte, journal bool) ([]byte, error) {
	v := reflect.ValueOf(l).Elem()
	for _, f := range lineTable().fields {
		k, omitEmpty, x := f.json, f.jsonOmit, v.Field(f.index).Interface()
		switch {
		case journal && f.changes:
			k, omitEmpty, x = f.journal, true, l.ChangesText()
		case journal:
			k, omitEmpty = f.journal, true
		case f.changes:
			x = l.changesJSON()
		}
		xv := reflect.ValueOf(x)
		if k == "" || omitEmpty && (xv.IsZero() || xv.Kind() == reflect.Slice && xv.Len() == 0) {
			continue
		}
		enc, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("run.Line.%s: %w", f.name, err)
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(strconv.AppendQuote(b, k), ':')
		b = append(b, enc...)
	}
	return b, nil
}

// changeJSON is one change of a line's JSON.
type changeJSON struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"` // absent for a create and for a field not compared
	After  string  `json:"after"`
	Why    string  `json:"not_compared,omitempty"`
	// The statuses' names of a status_id change (the report keeps the IDs).
	BeforeName string `json:"before_name,omitempty"`
	AfterName  string `json:"after_name,omitempty"`
}

func (l *Line) changesJSON() []changeJSON {
	changes := l.Changes
	if changes == nil && l.changesText != "" {
		// A line read back from a report keeps its column's text (the MAC
		// proves those cells): its JSON is the same list a new line gives.
		var err error
		if changes, err = ParseChanges(l.changesText); err != nil {
			return []changeJSON{{After: l.changesText, Why: "the report's changes column, not read: " + err.Error()}}
		}
	}
	out := make([]changeJSON, 0, len(changes))
	for _, c := range changes {
		pc := changeJSON{Field: c.Field, After: c.After, Why: c.Why}
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
		out = append(out, pc)
	}
	return out
}

// setJournal reads the line's journal fields from a done record.
func (l *Line) setJournal(raw map[string]json.RawMessage) error {
	t := lineTable()
	v := reflect.ValueOf(l).Elem()
	for _, f := range t.fields {
		r, ok := raw[f.journal]
		if f.journal == "" || !ok {
			continue
		}
		dst := v.Field(f.index).Addr().Interface()
		if f.changes {
			l.Changes, dst = nil, &l.changesText // the column's text, as a line read back keeps it
		}
		if err := json.Unmarshal(r, dst); err != nil {
			return fmt.Errorf("%q: %w", f.journal, err)
		}
	}
	return nil
}
