package ui

import (
	"bytes"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/mapping"
)

// mappingDoc is the mapping the page edits: the mapping file's content as
// a plain model. The page sends it whole on every change; the server
// writes it as the YAML the command line reads (docYAML) and parses that
// with mapping.Parse, so the page's mapping and the file it saves are the
// same mapping.
type mappingDoc struct {
	Source  docSource  `json:"source"`
	MatchBy []string   `json:"matchBy"`
	Empty   string     `json:"empty,omitempty"` // the file-level empty: policy
	Fields  []docField `json:"fields"`
}

// docSource is the source: section.
type docSource struct {
	Sheet     string `json:"sheet,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
	HeaderRow string `json:"headerRow,omitempty"` // a number; "0": no header row
}

// docField is one field's recipe.
type docField struct {
	// Field is the API field ("email"), or "extra:ID" for a custom extra
	// field (custom_extra_fields: ID).
	Field     string      `json:"field"`
	Columns   []string    `json:"columns,omitempty"` // the headers read, the first not blank
	Template  string      `json:"template,omitempty"`
	Value     string      `json:"value,omitempty"` // a constant
	HasValue  bool        `json:"hasValue,omitempty"`
	Transform []string    `json:"transform,omitempty"`
	Map       [][2]string `json:"map,omitempty"` // cell value → API value, in order
	Default   string      `json:"default,omitempty"`
	// Other keeps the recipe's other keys (empty, split, pick,
	// extension) as written: the page shows them, the YAML keeps them.
	Other [][2]string `json:"other,omitempty"`
	// Reason is why the guess chose this field (a comment in the YAML).
	Reason string `json:"reason,omitempty"`
}

const extraPrefix = "extra:"

// maxDocFields bounds a mapping the page sends: the field table's fields
// and a generous number of extra fields.
const maxDocFields = 500

// docFromYAML reads a mapping file's text into the page's model. The text
// should already have passed mapping.Parse; a recipe key the model does
// not edit is kept in Other.
func docFromYAML(data []byte) (mappingDoc, error) {
	doc := mappingDoc{MatchBy: []string{}, Fields: []docField{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return doc, err
	}
	if len(root.Content) == 0 {
		return doc, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return doc, fmt.Errorf("the mapping file is not a YAML mapping")
	}
	for key, v := range pairs(top) {
		switch k := key.Value; k {
		case "source":
			doc.Source = readSource(v)
		case "match_by":
			doc.MatchBy = scalars(v)
		case "empty":
			doc.Empty = v.Value
		case "columns", "custom_extra_fields":
			for fk, fv := range pairs(v) {
				name := fk.Value
				if k == "custom_extra_fields" {
					name = extraPrefix + name
				}
				f, err := readField(name, fv)
				if err != nil {
					return doc, err
				}
				f.Reason = strings.TrimSpace(strings.TrimPrefix(fv.LineComment, "#"))
				if f.Reason == "" {
					f.Reason = strings.TrimSpace(strings.TrimPrefix(fk.LineComment, "#"))
				}
				doc.Fields = append(doc.Fields, f)
			}
		}
	}
	return doc, nil
}

// pairs yields a YAML mapping node's keys with their values: its
// Content two by two.
func pairs(n *yaml.Node) iter.Seq2[*yaml.Node, *yaml.Node] {
	return func(yield func(*yaml.Node, *yaml.Node) bool) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i], n.Content[i+1]) {
				return
			}
		}
	}
}

func readSource(v *yaml.Node) docSource {
	var s docSource
	for k, n := range pairs(v) {
		val := n.Value
		switch k.Value {
		case "sheet":
			s.Sheet = val
		case "encoding":
			s.Encoding = val
		case "delimiter":
			s.Delimiter = val
		case "header_row":
			s.HeaderRow = val
		}
	}
	return s
}

// scalars is a scalar's value or a list's, as a list.
func scalars(v *yaml.Node) []string {
	if v.Kind == yaml.ScalarNode {
		if v.Value == "" {
			return []string{}
		}
		return []string{v.Value}
	}
	out := []string{}
	for _, c := range v.Content {
		out = append(out, c.Value)
	}
	return out
}

// readField reads one field's recipe: a header, a list of headers, or a
// mapping of recipe keys.
func readField(name string, v *yaml.Node) (docField, error) {
	f := docField{Field: name}
	switch v.Kind {
	case yaml.ScalarNode, yaml.SequenceNode:
		f.Columns = scalars(v)
		return f, nil
	case yaml.MappingNode:
	default:
		return f, fmt.Errorf("field %s: its recipe is neither a header nor a mapping", name)
	}
	for key, val := range pairs(v) {
		switch k := key.Value; k {
		case "column":
			f.Columns = scalars(val)
		case "template":
			f.Template = val.Value
		case "value":
			f.Value, f.HasValue = val.Value, true
		case "transform":
			f.Transform = scalars(val)
		case "map":
			for from, to := range pairs(val) {
				f.Map = append(f.Map, [2]string{from.Value, to.Value})
			}
		case "default":
			f.Default = val.Value
		default:
			if val.Kind != yaml.ScalarNode {
				return f, fmt.Errorf("field %s: %s is not a single value; edit this mapping in a text editor", name, k)
			}
			f.Other = append(f.Other, [2]string{k, val.Value})
		}
	}
	return f, nil
}

// docYAML writes doc as a mapping file: source:, match_by:, empty:,
// columns: and custom_extra_fields:, one line per field, the guess's
// reason as its comment.
func docYAML(doc mappingDoc, intro string) ([]byte, error) {
	if len(doc.Fields) > maxDocFields {
		return nil, fmt.Errorf("the mapping has %d fields, more than %d; remove some", len(doc.Fields), maxDocFields)
	}
	top := &yaml.Node{Kind: yaml.MappingNode, HeadComment: intro}
	if src := sourceNode(doc.Source); src != nil {
		top.Content = append(top.Content, str("source"), src)
	}
	if len(doc.MatchBy) == 1 {
		top.Content = append(top.Content, str("match_by"), str(doc.MatchBy[0]))
	} else if len(doc.MatchBy) > 1 {
		top.Content = append(top.Content, str("match_by"), list(doc.MatchBy, false))
	}
	if doc.Empty != "" {
		top.Content = append(top.Content, str("empty"), str(doc.Empty))
	}
	cols := &yaml.Node{Kind: yaml.MappingNode}
	extra := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range doc.Fields {
		key, sect := str(f.Field), cols
		if id, ok := strings.CutPrefix(f.Field, extraPrefix); ok {
			key, sect = quoted(id), extra
		}
		v := fieldNode(f)
		v.LineComment = oneLineComment(f.Reason)
		sect.Content = append(sect.Content, key, v)
	}
	top.Content = append(top.Content, str("columns"), cols)
	if len(extra.Content) > 0 {
		top.Content = append(top.Content, str("custom_extra_fields"), extra)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(top); err != nil {
		return nil, fmt.Errorf("writing the mapping: %w", err)
	}
	_ = enc.Close()
	return b.Bytes(), nil
}

// parseDoc writes doc as YAML and parses it as the command line would.
func parseDoc(doc mappingDoc) (*mapping.Mapping, []byte, error) {
	data, err := docYAML(doc, "")
	if err != nil {
		return nil, nil, err
	}
	m, err := mapping.Parse("mapping.yaml", data)
	if err != nil {
		return nil, data, err
	}
	return m, data, nil
}

func sourceNode(s docSource) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k, v string, q bool) {
		if v == "" {
			return
		}
		val := str(v)
		if q {
			val = quoted(v)
		}
		n.Content = append(n.Content, str(k), val)
	}
	add("sheet", s.Sheet, true)
	add("encoding", s.Encoding, true)
	add("delimiter", s.Delimiter, true)
	if s.HeaderRow != "" {
		if _, err := strconv.Atoi(s.HeaderRow); err == nil {
			add("header_row", s.HeaderRow, false)
		} else {
			add("header_row", s.HeaderRow, true) // mapping.Parse says what is wrong
		}
	}
	if len(n.Content) == 0 {
		return nil
	}
	return n
}

// fieldNode is a field's recipe: a bare header when that is all it is,
// else a flow mapping ({ column: "E-mail", transform: [trim, lower] }).
func fieldNode(f docField) *yaml.Node {
	simple := f.Template == "" && !f.HasValue && len(f.Transform) == 0 && len(f.Map) == 0 && f.Default == "" && len(f.Other) == 0
	if simple && len(f.Columns) == 1 {
		return quoted(f.Columns[0])
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	switch {
	case len(f.Columns) == 1:
		n.Content = append(n.Content, str("column"), quoted(f.Columns[0]))
	case len(f.Columns) > 1:
		n.Content = append(n.Content, str("column"), list(f.Columns, true))
	}
	if f.Template != "" {
		n.Content = append(n.Content, str("template"), quoted(f.Template))
	}
	if f.HasValue {
		n.Content = append(n.Content, str("value"), quoted(f.Value))
	}
	if len(f.Transform) > 0 {
		n.Content = append(n.Content, str("transform"), list(f.Transform, false))
	}
	if len(f.Map) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, kv := range f.Map {
			m.Content = append(m.Content, quoted(kv[0]), quoted(kv[1]))
		}
		n.Content = append(n.Content, str("map"), m)
	}
	if f.Default != "" {
		n.Content = append(n.Content, str("default"), quoted(f.Default))
	}
	for _, kv := range f.Other {
		n.Content = append(n.Content, str(kv[0]), quoted(kv[1]))
	}
	return n
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

func list(items []string, q bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		if q {
			n.Content = append(n.Content, quoted(it))
		} else {
			n.Content = append(n.Content, str(it))
		}
	}
	return n
}

// oneLineComment makes a reason a YAML comment of one line.
func oneLineComment(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	return "# " + s
}
