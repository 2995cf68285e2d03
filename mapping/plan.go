package mapping

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/sheet"
)

// Plan is a Mapping bound to one sheet header: every source column is
// resolved to an index, so Apply does no lookups by name. A Plan is
// immutable and safe for concurrent use.
type Plan struct {
	m      *Mapping
	header []string
	fields []bound // in mapping order, crm_client_id excluded
	id     *bound  // crm_client_id, if mapped
	src    map[string]bound
	notes  []string
	used   []bool // the columns some field reads
}

// bound is a spec with its columns resolved.
type bound struct {
	*spec
	cols []int // one per spec.refs
}

// Problem is a mapping-level problem of one row (validation of the values
// is the validate package's work).
type Problem struct {
	Field  string // API field name, or extra_<ID>
	Column string // header of the source column ("" for constants)
	Value  string // the offending value
	Msg    string // what is wrong and what to do
}

// Value is one field of a mapped row.
type Value struct {
	// Field is the API field name, or in Result.Extra the extra field's ID.
	Field string
	Text  string
}

// Result is one row, mapped.
type Result struct {
	// ID is the crm_client_id of the row: > 0 updates that client, 0 creates one.
	ID int64
	// Values holds the API fields to send (crm_client_id excluded), in the
	// mapping's order: a field is absent when its cell is blank and its
	// policy is keep, and "" when the policy is clear.
	Values []Value
	// Extra holds the custom extra fields to send, by ID (Value.Field),
	// with the same empty rules as Values.
	Extra []Value
	// Problems lists mapping-level problems of the row (nil if none).
	Problems []Problem
	// Marks lists the cells whose text mark (a leading ' that a
	// spreadsheet or exporter put there, sheet.StripTextMark) was removed
	// before the value was mapped: the report says so.
	Marks []Mark
	// Dropped lists what the mapping left out of a value (a phone
	// extension with extension: drop, the other values of a split cell):
	// the report says so.
	Dropped []Dropped
}

// Dropped is a part of a value the mapping left out on purpose: the report
// says so.
type Dropped struct {
	Field  string // the field
	Column string // the header of its column
	Text   string // what was left out ("wew. 15", "+48 22 123 45 67")
	// Split is the separator when the part is the other values of a cell
	// (split:), "" for a phone extension (extension: drop).
	Split string
}

// Mark is a cell whose text mark was removed.
type Mark struct {
	Field  string // the field the cell feeds
	Column string // the cell's header
	Cell   string // the cell as the file has it
}

// Get returns the value of the API field called field, if the row sends it.
func (r *Result) Get(field string) (string, bool) {
	if i := slices.IndexFunc(r.Values, func(v Value) bool { return v.Field == field }); i >= 0 {
		return r.Values[i].Text, true
	}
	return "", false
}

// Bind resolves the mapping's source columns against a sheet header:
// exactly first, then ignoring case and surrounding white space (recorded in
// Notes). It reports every header the mapping names but the sheet lacks, and
// every named header the sheet holds more than once, as *Errors.
func (m *Mapping) Bind(header []string) (*Plan, error) {
	c := &Errors{file: m.File}
	p := &Plan{m: m, header: append([]string(nil), header...), src: make(map[string]bound)}
	exact := make(map[string][]int)
	folded := make(map[string][]int)
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		if chars.Blank(h) {
			continue
		}
		exact[h] = append(exact[h], i)
		f := strings.ToLower(chars.TrimSpace(h))
		folded[f] = append(folded[f], i)
	}
	if len(exact) == 0 {
		return nil, &Errors{List: []*Error{{Msg: "the sheet's header row is empty",
			Hint: "check source.header_row (or --header-row) and that the sheet starts with a header row"}}}
	}
	p.used = make([]bool, len(header))
	resolveRef := func(s *spec, r ref) int {
		idx := exact[r.name]
		if len(idx) == 0 {
			idx = folded[strings.ToLower(chars.TrimSpace(r.name))]
			if len(idx) == 1 {
				at := cmp.Or((&Error{File: m.File, Line: r.line, Column: r.col}).where(), "header")
				p.notes = append(p.notes, fmt.Sprintf("%s: column %q for %s matched header %q (column %s) ignoring case and spaces",
					at, r.name, s.key(), header[idx[0]], sheet.ColumnName(idx[0])))
			}
		}
		switch len(idx) {
		case 1:
			p.used[idx[0]] = true
			return idx[0]
		case 0:
			if h, rr, ok := misread(r.name, header); ok {
				c.add(r.line, r.col, fmt.Sprintf("the file is in %s but was read as %s: set source: encoding: %s (or --encoding %s)", rr.Really, rr.ReadAs, rr.Really, rr.Really),
					"column %q (for %s) is not in the sheet's header, but %q is, which is %q read in the wrong encoding", r.name, s.key(), h, rr.Text)
				return -1
			}
			hint := "the header has: " + quoteList(header, 30)
			if dym := didYouMean(r.name, header, ""); dym != "" {
				hint = dym + " The header has: " + quoteList(header, 30)
			}
			c.add(r.line, r.col, hint, "column %q (for %s) is not in the sheet's header", r.name, s.key())
		default:
			c.add(r.line, r.col, "rename the columns in the sheet so each header is unique",
				"column %q (for %s) appears %d times in the sheet's header (columns %s)", r.name, s.key(), len(idx), columnNames(idx))
		}
		return -1
	}
	for _, s := range m.specs {
		b := bound{spec: s, cols: make([]int, len(s.refs))}
		for i, r := range s.refs {
			b.cols[i] = resolveRef(s, r)
		}
		p.src[s.key()] = b
		if s.extra {
			p.src["custom_extra_fields."+s.field] = b
			p.src["custom_extra_fields["+s.field+"]"] = b // validate.Problem's spelling
		}
		if !s.extra && s.field == "crm_client_id" {
			p.id = &b
			continue
		}
		p.fields = append(p.fields, b)
	}
	p.notes = append(p.notes, repeatedUnused(header, folded, p.used)...)
	return checked(p, c)
}

// Mapping returns the mapping p was bound from.
func (p *Plan) Mapping() *Mapping { return p.m }

// Notes returns what Bind resolved loosely (a header matched ignoring case
// or spaces) and the header names the sheet repeats that no field reads
// (not imported), for the user to read; nil when there is nothing to say.
func (p *Plan) Notes() []string { return append([]string(nil), p.notes...) }

// Unused returns the non-blank headers of the sheet no field reads.
func (p *Plan) Unused() []string {
	var out []string
	for i, h := range p.header {
		if !p.used[i] && !chars.Blank(h) {
			out = append(out, h)
		}
	}
	return out
}

// Header returns the sheet's header the plan was bound to.
func (p *Plan) Header() []string { return p.header }

// Reads reports whether some field reads column col (0-based).
func (p *Plan) Reads(col int) bool { return col >= 0 && col < len(p.used) && p.used[col] }

// Source returns which column a field comes from: its 0-based index and
// header. field is an API field name or extra_<ID> (custom_extra_fields.<ID>
// and validate's custom_extra_fields[<ID>] also work). A template reports its first referenced column. Constants
// and fields the mapping does not fill return (-1, "").
func (p *Plan) Source(field string) (col int, header string) {
	b, ok := p.src[field]
	if !ok || len(b.cols) == 0 || b.cols[0] < 0 {
		return -1, ""
	}
	return b.cols[0], p.header[b.cols[0]]
}

// Apply maps one row. cells may be shorter than the header (missing cells
// are blank) or longer (extra cells are ignored). The order for each field
// is: column or template → transforms (in the listed order) → map → default
// → empty policy.
func (p *Plan) Apply(cells []string) Result {
	r := Result{Values: slices.Grow([]Value(nil), len(p.fields))} // nil when only crm_client_id is mapped
	if p.id != nil {
		if v, send := p.id.eval(cells, &r); send && !chars.Blank(v) {
			if id, err := strconv.ParseInt(chars.TrimSpace(v), 10, 64); err == nil && id >= 0 {
				r.ID = id
			} else {
				_, h := p.Source("crm_client_id")
				r.Problems = append(r.Problems, Problem{Field: "crm_client_id", Column: h, Value: v,
					Msg: "crm_client_id is not a client ID (a whole number); leave it blank to create a new client, or give the ID of the client to update"})
			}
		}
	}
	for i := range p.fields {
		b := &p.fields[i]
		v, send := b.eval(cells, &r)
		if !send {
			continue
		}
		if b.extra {
			r.Extra = append(r.Extra, Value{Field: b.field, Text: v})
		} else {
			r.Values = append(r.Values, Value{Field: b.field, Text: v})
		}
	}
	return r
}

func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// eval computes one field of a row; send is false when it is not to be
// sent. The text marks it removes from cells are recorded in r.
func (b *bound) eval(cells []string, r *Result) (v string, send bool) {
	switch {
	case b.refs == nil: // a constant
		return b.value, true
	case b.parts == nil: // a column
		for i, col := range b.cols {
			// A list of columns: the first that is not blank.
			if v = b.read(cells, col, b.refs[i].name, r); !chars.Blank(v) {
				break
			}
		}
	default:
		v = b.render(cells, r)
	}
	if b.split != "" {
		var others []string
		if v, others = pickPart(v, b.split, b.pick); len(others) > 0 {
			h := b.column(cells)
			r.Dropped = append(r.Dropped, Dropped{Field: b.key(), Column: h, Text: strings.Join(others, b.split), Split: b.split})
		}
	}
	var ext string
	if b.ext != extDefault || !b.extra && b.field == "phone" {
		v, ext = cutExtension(v)
	}
	for _, t := range b.transforms {
		v = t(v)
	}
	switch {
	case ext == "":
	case b.ext == extDrop:
		r.Dropped = append(r.Dropped, Dropped{Field: b.key(), Column: b.column(cells), Text: ext})
	default:
		v += " " + ext
	}
	if b.folded != nil { // map: keys are told apart ignoring case, so the folded key finds an exact one too
		if m, ok := b.folded[strings.ToLower(chars.TrimSpace(v))]; ok {
			v = m
		}
	}
	if chars.Blank(v) {
		switch {
		case b.def != nil:
			return *b.def, true
		case b.empty == EmptyClear:
			return "", true
		}
		return "", false
	}
	return v, true
}

// column returns the header of the column a field's value came from: the
// first of its columns that is not blank (for a list), else the first.
func (b *bound) column(cells []string) string {
	for i, c := range b.cols {
		if !chars.Blank(cell(cells, c)) {
			return b.refs[i].name
		}
	}
	return b.refs[0].name // a column or template names at least one
}

// read is the cell at column i without its text mark.
func (b *bound) read(cells []string, i int, column string, r *Result) string {
	raw := cell(cells, i)
	v, marked := sheet.StripTextMark(raw)
	if marked {
		r.Marks = append(r.Marks, Mark{Field: b.key(), Column: column, Cell: raw})
	}
	return v
}

// render fills a template; it is blank when every referenced cell is blank,
// and trimmed otherwise.
func (b *bound) render(cells []string, r *Result) string {
	var sb strings.Builder
	some, j := false, 0
	for _, pt := range b.parts {
		if pt.ref == "" {
			sb.WriteString(pt.lit)
			continue
		}
		// The references are spec.refs, in order.
		v := b.read(cells, b.cols[j], b.refs[j].name, r)
		j++
		some = some || !chars.Blank(v)
		sb.WriteString(v)
	}
	if !some {
		return ""
	}
	return chars.TrimSpace(sb.String())
}

// MapsID reports whether the mapping gives rows a crm_client_id (so a row
// may update the client it names).
func (p *Plan) MapsID() bool { return p.id != nil }

// misread finds the header that is name read in the wrong encoding.
func misread(name string, header []string) (string, sheet.Rereading, bool) {
	for _, h := range header {
		for _, rr := range sheet.Rereadings(h) {
			if strings.EqualFold(chars.TrimSpace(rr.Text), chars.TrimSpace(name)) {
				return h, rr, true
			}
		}
	}
	return "", sheet.Rereading{}, false
}

// repeatedUnused says, for each header name the sheet repeats and no field
// reads, that it is not imported: a warning, not an error (a filler
// column repeated a dozen times must not block the import). A repeated
// name a field reads is an error of Bind.
func repeatedUnused(header []string, folded map[string][]int, used []bool) []string {
	var out []string
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		idx := folded[strings.ToLower(chars.TrimSpace(h))] // none for a blank header
		if len(idx) < 2 || idx[0] != i || slices.ContainsFunc(idx, func(j int) bool { return used[j] }) {
			continue
		}
		out = append(out, fmt.Sprintf("header %q appears %d times (columns %s); no field reads it, so it is not imported", h, len(idx), columnNames(idx)))
	}
	return out
}

// columnNames names the 0-based columns idx as a spreadsheet does: "B, F".
func columnNames(idx []int) string {
	cols := make([]string, len(idx))
	for i, x := range idx {
		cols[i] = sheet.ColumnName(x)
	}
	return strings.Join(cols, ", ")
}
