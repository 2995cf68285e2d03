package guess

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Node is the proposal as a YAML document node: the comments are the
// nodes' own (Intro and Notes the head comment of the first key they stand
// above, a setting's or a field's comment its value's line comment, Unused
// the foot comment of the columns key), so a program that reads the
// proposal with go.yaml.in/yaml/v3 gets them where they belong.
func (p Proposal) Node() *yaml.Node {
	root := &yaml.Node{Kind: yaml.MappingNode}
	head := p.Intro
	add := func(key string, v *yaml.Node) {
		k := plain(key)
		k.HeadComment = comment(head)
		head = nil
		root.Content = append(root.Content, k, v)
	}
	if len(p.Source) > 0 {
		src := &yaml.Node{Kind: yaml.MappingNode}
		for _, s := range p.Source {
			src.Content = append(src.Content, plain(s.Key), s.node())
		}
		add("source", src)
	}
	if p.MatchBy != nil {
		add("match_by", p.MatchBy.node())
	}
	head = append(head, p.Notes...)
	cols := &yaml.Node{Kind: yaml.MappingNode}
	if len(p.Columns) == 0 {
		cols.Style = yaml.FlowStyle
	}
	for _, l := range p.Columns {
		cols.Content = append(cols.Content, plain(l.Field), l.node())
	}
	add("columns", cols)
	// Below the columns: where the YAML library reads such a comment back.
	root.Content[len(root.Content)-2].FootComment = comment(p.Unused)
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
}

func (s Setting) node() *yaml.Node {
	item := plain
	if s.Quoted {
		item = quoted
	}
	n := item(strings.Join(s.Values, ""))
	if s.List {
		n = flowList(s.Values, item)
	}
	n.LineComment = comment1(s.Comment)
	return n
}

// node is a field's value: its header, or { column: …, split: … }, or
// { template: …, transform: […] }.
func (l FieldLine) node() *yaml.Node {
	var n *yaml.Node
	switch {
	case l.Template != "":
		n = flowMap(plain("template"), quoted(l.Template), plain("transform"), flowList(l.Transform, plain))
	case len(l.Columns) == 1 && l.Split == "":
		n = quoted(l.Columns[0])
	default:
		col := quoted(l.Columns[0])
		if len(l.Columns) > 1 {
			col = flowList(l.Columns, quoted)
		}
		n = flowMap(plain("column"), col)
		if l.Split != "" {
			n.Content = append(n.Content, plain("split"), quoted(l.Split))
		}
	}
	n.LineComment = comment1(l.Comment)
	return n
}

func plain(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Style: yaml.DoubleQuotedStyle}
}

func flowMap(kv ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: kv}
}

// flowList is [a, b] of the items, each made a node by item.
func flowList(items []string, item func(string) *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		n.Content = append(n.Content, item(it))
	}
	return n
}

// comment is lines as a node's comment: "# " before each.
func comment(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = comment1(l)
	}
	return strings.Join(out, "\n")
}

func comment1(s string) string {
	if s == "" {
		return ""
	}
	return "# " + oneLine(s)
}

// YAML writes the proposal. The layout is the project's, not the YAML
// library's: a field's value on its own line after the key, flow
// mappings with a space inside the braces, and the comments of columns:
// aligned in one column (a top-level one three spaces off, others one),
// so the proposal reads as a table. Every node is written from
// Proposal.Node, names always double-quoted (quote), and the text reads
// back with go.yaml.in/yaml/v3 into the same nodes.
func (p Proposal) YAML() []byte { return WriteNode(p.Node()) }

// WriteNode writes a document whose content is a block mapping, as
// Proposal.Node makes (a program may read one back and write it again), in
// the proposal's layout.
func WriteNode(doc *yaml.Node) []byte {
	var b bytes.Buffer
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	writeComment(&b, doc.HeadComment, "")
	root := doc.Content[0]
	writeBlock(&b, root, "", false)
	writeComment(&b, root.FootComment, "")
	writeComment(&b, doc.FootComment, "")
	return b.Bytes()
}

// writeBlock writes the pairs of a block mapping at indent; aligned lines
// up their line comments.
func writeBlock(b *bytes.Buffer, m *yaml.Node, indent string, aligned bool) {
	type line struct{ text, comment string }
	var lines []line
	flush := func() {
		width := 0
		for _, l := range lines {
			width = max(width, utf8.RuneCountInString(l.text))
		}
		for _, l := range lines {
			b.WriteString(l.text)
			switch {
			case l.comment == "":
			case aligned:
				b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(l.text)) + "  " + l.comment)
			case indent == "":
				b.WriteString("   " + l.comment)
			default:
				b.WriteString(" " + l.comment)
			}
			b.WriteByte('\n')
		}
		lines = nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.HeadComment != "" {
			flush()
			writeComment(b, k.HeadComment, indent)
		}
		text := indent + scalar(k) + ":"
		if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 {
			flush()
			b.WriteString(text + "\n")
			writeBlock(b, v, indent+"  ", k.Value == "columns" || k.Value == "custom_extra_fields")
		} else {
			lines = append(lines, line{text + " " + flow(v), v.LineComment})
		}
		if k.FootComment != "" {
			flush()
			writeComment(b, k.FootComment, indent)
		}
	}
	flush()
}

// flow writes a value on one line: a scalar, [a, b] or { k: v }.
func flow(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		items := make([]string, len(n.Content))
		for i, c := range n.Content {
			items[i] = flow(c)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			return "{}"
		}
		var pairs []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, scalar(n.Content[i])+": "+flow(n.Content[i+1]))
		}
		return "{ " + strings.Join(pairs, ", ") + " }"
	}
	return scalar(n)
}

// scalar writes a scalar: plain when it is a plain word (a key, a field,
// a number), else double-quoted.
func scalar(n *yaml.Node) string {
	if n.Style&yaml.DoubleQuotedStyle == 0 && plainWord(n.Value) {
		return n.Value
	}
	return quote(n.Value)
}

// plainWord reports a text that YAML reads back as itself unquoted: ASCII
// letters, digits and _ (a number stays one).
func plainWord(s string) bool {
	switch strings.ToLower(s) {
	case "", "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		return false
	}
	return strings.Trim(s, "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// writeComment writes a node's comment, one line each, at indent.
func writeComment(b *bytes.Buffer, c, indent string) {
	if c == "" {
		return
	}
	for _, l := range strings.Split(c, "\n") {
		b.WriteString(indent + l + "\n")
	}
}
