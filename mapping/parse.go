package mapping

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/sheet"
)

// EmptyPolicy says what a blank cell (empty or only white space, after
// transforms, map and default) does to its field.
type EmptyPolicy int

const (
	// EmptyInherit is a field without its own empty: it follows the file.
	EmptyInherit EmptyPolicy = iota
	// EmptyKeep leaves the field unchanged: it is not sent.
	EmptyKeep
	// EmptyClear sends "", which clears the field in Base.
	EmptyClear
)

// Source holds the optional source: section: how to read the sheet. Zero
// values mean "not set"; command-line flags override whatever is set.
type Source struct {
	Sheet     string // XLSX sheet name
	Encoding  string // text encoding of a CSV file, e.g. "windows-1250"
	Delimiter rune   // CSV delimiter: ',', ';', '\t' or '|'
	HeaderRow int    // 1-based row that holds the header
	NoHeader  bool   // header_row: 0: no header row; columns are named by letter or number
}

// Mapping is a checked mapping file: which sheet column (or template, or
// constant) feeds which CRM field. It is immutable and safe for concurrent
// use; Bind it to a sheet header to get a Plan.
type Mapping struct {
	// File is the name the mapping was loaded from ("" for Identity).
	File string
	// Source is the source: section.
	Source Source
	// MatchBy is the match_by: keys, tried in order (nil when not set):
	// `match_by: email` or `match_by: [email, invoice_tax_id, phone]`.
	MatchBy []string
	// Empty is the file-level empty: policy (EmptyKeep unless set).
	Empty EmptyPolicy

	specs []*spec
}

// Fields returns the API field names the mapping fills, in file order
// (crm_client_id included, custom extra fields excluded).
func (m *Mapping) Fields() []string { return m.fields(false) }

// ExtraFields returns the custom extra field IDs the mapping fills, in file order.
func (m *Mapping) ExtraFields() []string { return m.fields(true) }

func (m *Mapping) fields(extra bool) []string {
	var out []string
	for _, s := range m.specs {
		if s.extra == extra {
			out = append(out, s.field)
		}
	}
	return out
}

// SheetOptions returns o with the mapping's source: settings filling what
// o leaves unset: a command-line flag wins over the mapping file.
func (m *Mapping) SheetOptions(o sheet.Options) sheet.Options {
	o.Sheet = cmp.Or(o.Sheet, m.Source.Sheet)
	o.Encoding = cmp.Or(o.Encoding, m.Source.Encoding)
	o.Delimiter = cmp.Or(o.Delimiter, m.Source.Delimiter)
	if o.HeaderRow == 0 && !o.NoHeader {
		o.HeaderRow, o.NoHeader = m.Source.HeaderRow, m.Source.NoHeader
	}
	return o
}

// ref is one use of a sheet header, with where the mapping file names it.
type ref struct {
	name      string
	line, col int
}

// spec is one field's recipe, checked and pre-compiled.
type spec struct {
	field string // API field name, or the extra field ID when extra
	extra bool
	// A field comes from one of three sources: a column (or a list of
	// them: refs), a template (parts, with its references in refs), or a
	// constant (value; refs and parts nil).
	refs       []ref
	parts      []tmplPart
	value      string
	transforms []transformFunc
	folded     map[string]string // map: lower-cased trimmed key → value
	def        *string           // default:, when given
	empty      EmptyPolicy
	split      string    // split: the separator of several values in one cell
	pick       int       // pick: which of them (1-based; 0 = the first)
	ext        extPolicy // extension: what a phone extension becomes
}

// key is the name Plan.Source and Problem use for the field.
func (s *spec) key() string {
	if s.extra {
		return "extra_" + s.field
	}
	return s.field
}

// Load reads and checks the mapping file at path.
// A mapping file is a few KB; one of more than MaxFileBytes is not one.
func Load(path string) (*Mapping, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the mapping file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the mapping file %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("the mapping file %s is larger than %d KB: a mapping is a few lines per column; check that this is the mapping file", path, MaxFileBytes>>10)
	}
	return Parse(path, data)
}

// MaxFileBytes bounds a mapping file.
const MaxFileBytes = 256 << 10

var yamlLine = regexp.MustCompile(`line (\d+):(?: column (\d+):)? ?`)

// brokenLine finds the line a YAML syntax error is on. The YAML library
// names the start of the block the error is in (the context), which can be
// "columns:" many lines above the broken one; the broken line is the first
// from there whose prefix of the file no longer parses. An error at the end
// of the text (an unclosed quote or bracket) is where the library says.
func brokenLine(data []byte, context int, msg string) int {
	if strings.Contains(msg, "end of stream") {
		return context
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if context > len(lines) {
		return context
	}
	prefix := bytes.Join(lines[:context-1], nil)
	// A mapping's blocks are short; past a few hundred lines the search
	// would cost more than it tells.
	for i := context - 1; i < min(len(lines), context+500); i++ {
		prefix = append(prefix, lines[i]...)
		var n yaml.Node
		if err := yaml.Unmarshal(prefix, &n); err != nil && !strings.Contains(err.Error(), "end of stream") {
			return i + 1
		}
	}
	return context
}

// Parse checks a mapping file held in data; filename is used in errors.
// It reports every problem of the file at once, as *Errors.
func Parse(filename string, data []byte) (m *Mapping, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &Errors{List: []*Error{{File: filename, Line: 1,
				Msg: fmt.Sprintf("cannot read the mapping file (%v)", r), Hint: "check the YAML syntax"}}}
		}
	}()
	c := &Errors{file: filename}
	var doc yaml.Node
	if yerr := yaml.Unmarshal(data, &doc); yerr != nil {
		msg := strings.TrimPrefix(yerr.Error(), "yaml: ")
		line, col := 1, 0
		if sm := yamlLine.FindStringSubmatch(msg); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			col, _ = strconv.Atoi(sm[2]) // 0 when the library names no column
			msg = strings.Replace(msg, sm[0], "", 1)
		}
		line = max(line, 1)
		if l := brokenLine(data, line, msg); l != line {
			line, col = l, 0
		}
		c.add(line, col, "fix the YAML syntax (indentation, quoting, a missing colon)", "YAML syntax: %s", msg)
		return nil, c.err()
	}
	if len(doc.Content) == 0 {
		c.add(1, 0, `start with a columns: section, e.g. "columns:" then "  email: E-mail"`, "the mapping file is empty")
		return nil, c.err()
	}
	if line := secondDocument(data); line > 0 {
		c.add(line, 0, "keep one mapping per file: delete the --- line and what follows it, or move it to a file of its own",
			"a second YAML document starts here; crmbulk reads one mapping per file and would ignore it")
		return nil, c.err()
	}
	p := &parser{c: c, m: &Mapping{File: filename, Empty: EmptyKeep}}
	p.root(resolve(doc.Content[0]))
	return checked(p.m, c)
}

// secondDocument returns the line of the --- that starts a second YAML
// document with something in it (or where a second document that cannot
// be read starts), or 0 when the file holds one document.
func secondDocument(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if err := dec.Decode(&first); err != nil {
		return 0
	}
	err := dec.Decode(&second)
	if errors.Is(err, io.EOF) {
		return 0
	}
	at := 0
	if err == nil {
		if len(second.Content) == 0 || second.Content[0].Tag == "!!null" {
			return 0 // a trailing --- with nothing after it
		}
		at = second.Content[0].Line
	}
	// The --- before the second document's content (the last document
	// marker after the first document's end).
	lines := bytes.Split(data, []byte("\n"))
	marker := 0
	for i, l := range lines {
		if i+1 > first.Line && bytes.HasPrefix(l, []byte("---")) && (at == 0 || i+1 <= at) {
			marker = i + 1
			if at == 0 {
				break
			}
		}
	}
	return cmp.Or(marker, at, 1)
}

// resolve follows YAML aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

type parser struct {
	c *Errors
	m *Mapping
}

func (p *parser) add(n *yaml.Node, hint, format string, args ...any) {
	p.c.add(max(n.Line, 1), n.Column, hint, format, args...)
}

// pairs calls fn for every key/value of a mapping node, rejecting keys given
// twice and keys that are not plain scalars.
func (p *parser) pairs(n *yaml.Node, what string, fn func(k, v *yaml.Node)) {
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.add(k, "write a plain name before the colon", "%s: a key must be a plain name, not a list or mapping", what)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.add(k, "remove one of them", "%s: %q is given twice (first at line %d)", what, k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v)
	}
}

func topKeys() []string {
	return []string{"source", "match_by", "empty", "columns", "custom_extra_fields"}
}

func (p *parser) root(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.add(n, `start with "columns:" and one "field: Header" line per field below it`, "the mapping file must be a YAML mapping with a columns: section")
		return
	}
	var matchBy []*yaml.Node // the match_by keys kept, each where it is written
	haveColumns := false
	p.pairs(n, "mapping file", func(k, v *yaml.Node) {
		switch k.Value {
		case "source":
			p.source(v)
		case "match_by":
			matchBy = p.matchBy(v)
		case "empty":
			p.m.Empty = p.empty(v)
		case "columns", "custom_extra_fields":
			haveColumns = true
			p.section(v, k.Value)
		default:
			otherwise := "the top-level keys are " + strings.Join(topKeys(), ", ")
			if _, ok := baselinker.LookupField(k.Value); ok {
				otherwise = "API fields go under columns:"
			}
			p.add(k, didYouMean(k.Value, topKeys(), otherwise), "unknown key %q", k.Value)
		}
	})
	if !haveColumns {
		p.add(n, `add a columns: section, e.g. "columns:" then "  email: E-mail"`, "the mapping file has no columns: section")
	} else if len(p.m.specs) == 0 && len(p.c.List) == 0 {
		p.add(n, `add one "field: Header" line per field under columns:`, "the mapping file maps no field")
	}
	if p.m.Source.NoHeader {
		p.letterRefs()
	}
	// Resolve field-level empty policies and check match_by is mapped.
	for _, s := range p.m.specs {
		if s.empty == EmptyInherit {
			s.empty = p.m.Empty
		}
	}
	for _, at := range matchBy {
		if k := at.Value; !slices.Contains(p.m.Fields(), k) {
			p.add(at, fmt.Sprintf("map a column to %s under columns:, or choose another match_by", k),
				"match_by is %s, but no column is mapped to %s", k, k)
		}
	}
}

// scalar returns the text of a scalar node, reporting anything else.
func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.add(n, "give a single value", "%s must be a single value, not a list or mapping", what)
		return "", false
	}
	if n.Tag == "!!null" {
		p.add(n, fmt.Sprintf("give a value after %s:", what), "%s has no value", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) source(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.add(n, "indent sheet:, encoding:, delimiter: or header_row: under source:", "source must be a mapping")
		return
	}
	keys := []string{"sheet", "encoding", "delimiter", "header_row"}
	p.pairs(n, "source", func(k, v *yaml.Node) {
		if !slices.Contains(keys, k.Value) {
			p.add(k, didYouMean(k.Value, keys, "source: takes "+strings.Join(keys, ", ")), "unknown key %q in source", k.Value)
			return
		}
		s, ok := p.scalar(v, "source."+k.Value) // every source key is one value
		if !ok {
			return
		}
		switch k.Value {
		case "sheet":
			p.m.Source.Sheet = s
		case "encoding":
			if strings.TrimSpace(s) == "" || sheet.CheckEncoding(s) != nil {
				common := []string{"utf-8", "windows-1250", "windows-1252", "iso-8859-2", "iso-8859-1", "utf-16le", "utf-16be"}
				p.add(v, didYouMean(s, common, "use one of "+strings.Join(common, ", ")), "unknown encoding %q", s)
				return
			}
			p.m.Source.Encoding = s
		case "delimiter":
			d, ok := sheet.ParseDelimiter(s)
			if !ok {
				p.add(v, `use one of ",", ";", "\t" (or tab), "|"`, "unknown delimiter %q", s)
				return
			}
			p.m.Source.Delimiter = d
		case "header_row":
			r, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || r < 0 {
				p.add(v, "give the 1-based number of the row that holds the headers, e.g. 1, or 0 for a file without one", "header_row %q is not a row number", s)
				return
			}
			p.m.Source.HeaderRow, p.m.Source.NoHeader = r, r == 0
		}
	})
}

// items is the items of a list node (listItems), or the node itself as the
// one item; an empty list (what: the key it is given for) is reported with
// hint.
func (p *parser) items(n *yaml.Node, what, hint string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		return []*yaml.Node{n}
	}
	if len(n.Content) == 0 {
		p.add(n, hint, "%s is an empty list", what)
	}
	return listItems(n)
}

// listItems is the items of a list node, an alias (*name) read as the
// value it names but placed where the alias is written, so a problem with
// that item points at it.
func listItems(n *yaml.Node) []*yaml.Node {
	out := make([]*yaml.Node, len(n.Content))
	for i, it := range n.Content {
		out[i] = resolve(it)
		if out[i] != it {
			at := *out[i]
			at.Line, at.Column = it.Line, it.Column
			out[i] = &at
		}
	}
	return out
}

// matchBy reads match_by: one key, or a list of keys tried in order. It
// returns the nodes of the keys it keeps, in order: a refused item is
// skipped, so a later check must point at these, not count along n.
func (p *parser) matchBy(n *yaml.Node) []*yaml.Node {
	var kept []*yaml.Node
	for _, it := range p.items(n, "match_by", "name a key, e.g. match_by: email, or delete the line") {
		s, ok := p.scalar(it, "match_by")
		if !ok {
			continue
		}
		switch {
		case !slices.Contains(baselinker.MatchKeyFields(), s):
			hint := didYouMean(s, baselinker.MatchKeyFields(), "use one of "+strings.Join(baselinker.MatchKeyFields(), ", "))
			p.add(it, hint, "match_by %q is not a key clients can be matched by", s)
		case slices.Contains(p.m.MatchBy, s):
			p.add(it, "remove one of them", "match_by names %s twice", s)
		default:
			p.m.MatchBy = append(p.m.MatchBy, s)
			kept = append(kept, it)
		}
	}
	return kept
}

func (p *parser) empty(n *yaml.Node) EmptyPolicy {
	s, ok := p.scalar(n, "empty")
	if !ok {
		return EmptyKeep
	}
	if pol, ok := map[string]EmptyPolicy{"keep": EmptyKeep, "clear": EmptyClear}[s]; ok {
		return pol
	}
	hint := didYouMean(s, []string{"keep", "clear"}, "use keep (a blank cell leaves the field unchanged) or clear (a blank cell clears it)")
	p.add(n, hint, "empty %q is neither keep nor clear", s)
	return EmptyKeep
}

// writableFields lists the API fields a column may feed.
func writableFields() []string {
	var out []string
	for _, f := range baselinker.Fields() {
		if f.Mappable() {
			out = append(out, f.Name)
		}
	}
	return out
}

// fieldHint suggests a field name for an unknown one. A name that ends
// several fields ("city": invoice_city, delivery_city) lists them all rather
// than guess one.
func fieldHint(name string) string {
	// The names people coming from other systems try are read with the
	// vocabulary `crmbulk mapping init` reads headers with
	// (internal/suggest), first: another system's ID is never offered
	// crm_client_id, however close the spelling.
	vocab, foreign := suggest.FieldFor(name)
	if foreign {
		return "an ID of another system is not a Base client ID: crm_client_id holds only Base client IDs (from a crmbulk export); leave this column out, or put it under custom_extra_fields: with the extra field's ID"
	}
	var sfx []string
	for _, f := range writableFields() {
		if strings.HasSuffix(f, "_"+strings.ToLower(name)) {
			sfx = append(sfx, fmt.Sprintf("%q", f))
		}
	}
	if len(sfx) > 1 {
		return "did you mean " + strings.Join(sfx, " or ") + "?"
	}
	if h := didYouMean(name, writableFields(), ""); h != "" {
		return h
	}
	if vocab != "" && slices.Contains(writableFields(), vocab) {
		return fmt.Sprintf("did you mean %q?", vocab)
	}
	if len(sfx) == 1 {
		return "did you mean " + sfx[0] + "?"
	}
	return "see `crmbulk fields` for the API field names"
}

func extraIDHint(key string) string {
	if d := digits(key); d != "" {
		return fmt.Sprintf("did you mean %q?", strings.TrimLeft(d, "0"))
	}
	return "use the numeric ID of the extra field (crmbulk account lists them, as does the Base panel)"
}

// section reads columns: or custom_extra_fields:, the section called what.
func (p *parser) section(n *yaml.Node, what string) {
	extra := what == "custom_extra_fields"
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			p.add(n, `add one "field: Header" line per field, indented under it`, "%s is empty", what)
			return
		}
		p.add(n, `write one "field: Header" line per field, indented under it`, "%s must be a mapping of field to source", what)
		return
	}
	seenIDs := make(map[int64]int)
	p.pairs(n, what, func(k, v *yaml.Node) {
		name := k.Value
		if extra {
			id, err := strconv.ParseInt(name, 10, 64)
			if err != nil || id <= 0 || strings.TrimLeft(name, "0123456789") != "" {
				p.add(k, extraIDHint(name), "extra field ID %q is not a positive number", name)
				return
			}
			if first, dup := seenIDs[id]; dup {
				p.add(k, "remove one of them", "extra field ID %d is given twice (first at line %d)", id, first)
				return
			}
			seenIDs[id] = k.Line
			name = strconv.FormatInt(id, 10)
		} else {
			f, ok := baselinker.LookupField(name)
			switch {
			case ok && f.Kind == baselinker.KindExtra:
				p.add(k, `list extra fields by ID in a top-level custom_extra_fields: section, e.g. "15": "Loyalty number"`, "custom_extra_fields does not belong under columns")
				return
			case strings.HasPrefix(name, "extra_") && digits(name[6:]) == name[6:] && name[6:] != "":
				p.add(k, fmt.Sprintf("put it under custom_extra_fields: as %q", strings.TrimLeft(name[6:], "0")), "unknown API field %q", name)
				return
			case !ok || !f.Writable:
				p.add(k, fieldHint(name), "unknown API field %q", name)
				return
			}
		}
		if s := p.field(what+"."+k.Value, name, extra, v); s != nil {
			p.m.specs = append(p.m.specs, s)
		}
	})
}

// letterRefs turns the column references of a mapping for a file without a
// header row (header_row: 0) into the names the reader gives the columns:
// a letter stays (upper-cased), a number n becomes the n-th letter.
func (p *parser) letterRefs() {
	for _, s := range p.m.specs {
		for i := range s.refs {
			name, ok := columnLetter(s.refs[i].name)
			if !ok {
				p.c.add(s.refs[i].line, s.refs[i].col, "write column: C or column: 3 (the third column)",
					"column %q: with header_row: 0 the file has no header, so columns are named by letter or number", s.refs[i].name)
				continue
			}
			s.refs[i].name = name
		}
	}
}

// columnLetter reads "C", "c", "AA" or "3" as a spreadsheet's column name.
func columnLetter(ref string) (string, bool) {
	ref = strings.TrimSpace(ref)
	if n, err := strconv.Atoi(ref); err == nil {
		if n < 1 || n > sheet.MaxColumns {
			return "", false
		}
		return sheet.ColumnName(n - 1), true
	}
	if ref == "" || len(ref) > 3 || strings.TrimFunc(strings.ToUpper(ref), func(r rune) bool { return r >= 'A' && r <= 'Z' }) != "" {
		return "", false
	}
	return strings.ToUpper(ref), true
}

// columns reads a column: one header, or a list of them (the first cell
// that is not blank wins); nil when it is unusable.
func (p *parser) columns(n *yaml.Node, what string) []ref {
	var refs []ref
	for _, it := range p.items(n, what, `name the columns, e.g. [Mobile, Phone]`) {
		h, ok := p.scalar(it, what)
		if !ok {
			return nil
		}
		if strings.TrimSpace(h) == "" {
			p.add(it, `give the header of the sheet column, e.g. "E-mail"`, "%s: the column header is empty", what)
			return nil
		}
		refs = append(refs, ref{name: h, line: it.Line, col: it.Column})
	}
	return refs
}
