package guess

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/sheet"
)

// Proposal is the mapping file `crmbulk mapping init` proposes, as a model
// a program can read or change before it is written: every line with the
// comment that says why. Node turns it into a YAML node tree (the comments
// as the nodes' HeadComment, LineComment and FootComment), and YAML writes
// that tree. Comments are kept without their "# ".
type Proposal struct {
	// Intro is the comment at the top: what the proposal is for, and how
	// to try it.
	Intro []string
	// Source is the source: section (empty: none).
	Source []Setting
	// MatchBy is the match_by: line (nil: none); its Values are the keys.
	MatchBy *Setting
	// Notes is the comment above columns: (the match_by suggestion, or
	// why there is none).
	Notes []string
	// Columns is one line per field, in the field table's order.
	Columns []FieldLine
	// Unused is the comment below columns: the columns not used, and why.
	Unused []string
}

// Setting is one key of source: or match_by: with its comment.
type Setting struct {
	Key string
	// Values holds one value, or the items of a list.
	Values []string
	// Quoted writes the values as quoted strings (a name or a code page),
	// not plain (a number, a key name).
	Quoted  bool
	List    bool
	Comment string
}

// FieldLine is one field of columns: and its comment.
type FieldLine struct {
	Field string
	// Columns are the headers the field is read from: one, or several
	// (the first that is not blank). Empty for a template.
	Columns []string
	// Split is the separator of several values in one cell ("": none).
	Split string
	// Template and Transform are a template's text and transforms.
	Template  string
	Transform []string
	Comment   string
}

// Proposal returns the proposal as a model: one line per field with a
// comment saying how sure the guess is, the templates, source: when src
// needs it, match_by: (set, suggested, or why not) and every unused column
// with why. Its YAML loads with mapping.Parse and binds to the header it was
// made from.
func (r Result) Proposal(src Source) Proposal {
	var p Proposal
	notUsed := r.unusedLines() // a title and one line per column that feeds nothing
	unused := len(notUsed) - 1
	used := len(r.Columns) - unused - countFunc(r.Header, func(h string) bool { return strings.TrimSpace(h) == "" })
	name := cmp.Or(src.File, "the sheet")
	p.Intro = []string{
		fmt.Sprintf("Mapping proposed by `crmbulk mapping init` for %s: %d columns, %d used, %d not.", oneLine(name), used+unused, used, unused),
		fmt.Sprintf("Check every line, then try it: crmbulk import %s --mapping THIS_FILE --dry-run", oneLine(src.Shell.Quote(name))),
	}
	p.Source = src.settings()
	has := map[string]bool{}
	for _, f := range r.Fields() {
		has[f] = true
		p.Columns = append(p.Columns, r.fieldLine(f))
	}
	if has["crm_client_id"] {
		p.Notes = []string{"Rows with a crm_client_id update that client; rows without one create a new client."}
	} else {
		p.MatchBy, p.Notes = matchBy(has)
	}
	if len(p.Columns) == 0 {
		p.Notes = append(p.Notes, "No column looked like a CRM field; write one \"field: Header\" line per field (see `crmbulk fields`).")
	}
	if unused > 0 {
		p.Unused = notUsed
	}
	return p
}

// settings is the source: section: every setting the import must read the
// file with.
func (src Source) settings() []Setting {
	var out []Setting
	if src.Sheet != "" {
		out = append(out, Setting{Key: "sheet", Values: []string{src.Sheet}, Quoted: true})
	}
	if src.Encoding != "" {
		s := Setting{Key: "encoding", Values: []string{src.Encoding}, Quoted: true}
		if src.EncodingDetected {
			s.Comment = "detected: the file is not UTF-8 and reads as this code page; change it if its letters look wrong"
		}
		out = append(out, s)
	}
	if src.Delimiter != 0 {
		d := string(src.Delimiter)
		if src.Delimiter == '\t' {
			d = "tab"
		}
		out = append(out, Setting{Key: "delimiter", Values: []string{d}, Quoted: true})
	}
	if src.HeaderRow > 0 {
		out = append(out, Setting{Key: "header_row", Values: []string{strconv.Itoa(src.HeaderRow)},
			Comment: fmt.Sprintf("the header was found in row %d: the rows above it (a title, a format line) are not data", src.HeaderRow)})
	}
	return out
}

// fieldLine is the line of field f: its template, or its column(s).
func (r Result) fieldLine(f string) FieldLine {
	if i := slices.IndexFunc(r.Templates, func(t Template) bool { return t.Field == f }); i >= 0 {
		t := r.Templates[i]
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = sheet.ColumnName(c)
		}
		return FieldLine{Field: f, Template: t.Text, Transform: []string{"collapse_spaces"},
			Comment: fmt.Sprintf("template: %s (columns %s)", t.Why, strings.Join(cols, ", "))}
	}
	g := r.Columns[slices.IndexFunc(r.Columns, func(g Guess) bool { return g.Field == f })] // f is in r.Fields()
	l := FieldLine{Field: f, Columns: []string{g.Header}, Split: g.Split}
	letters := []string{sheet.ColumnName(g.Column)}
	for _, c := range g.Fallbacks {
		l.Columns = append(l.Columns, r.Header[c])
		letters = append(letters, sheet.ColumnName(c))
	}
	cols := "column " + letters[0]
	if len(letters) > 1 {
		cols = "columns " + strings.Join(letters, ", ") + " (the first that is not blank)"
	}
	c := g.Method.String()
	if g.Method == Fuzzy {
		c = fmt.Sprintf("fuzzy %.2f — check it", g.Score)
	}
	c += ", " + cols
	if g.Split != "" {
		c += fmt.Sprintf("; a cell may hold several values split by %q: the first is sent, the report names the others", g.Split)
	}
	if g.Note != "" {
		c += "; " + g.Note
	}
	l.Comment = c
	return l
}

// unusedLines says of every column that feeds nothing why.
func (r Result) unusedLines() []string {
	out := []string{"Not used:"}
	for _, g := range r.Columns {
		if strings.TrimSpace(g.Header) == "" || g.Field != "" || g.Template != "" || g.FallbackFor != "" {
			continue
		}
		note := g.Note
		if strings.HasPrefix(note, "no CRM field") {
			note += "; to keep it, put it under custom_extra_fields: with the extra field's ID"
		}
		out = append(out, fmt.Sprintf("  %s (column %s): %s", oneLine(quote(g.Header)), sheet.ColumnName(g.Column), oneLine(note)))
	}
	return out
}
