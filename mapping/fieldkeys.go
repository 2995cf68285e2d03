package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/internal/chars"
)

// A field's recipe written as a mapping ({ column: "E-mail", transform:
// [trim] }) is read key by key: each key has its handler in fieldKeyTable,
// and what concerns several keys at once (one source, what a constant
// refuses, pick needs split) is checked after all are read, in
// (*fieldRead).finish.

// fieldRead is one field's recipe while its keys are read.
type fieldRead struct {
	p    *parser
	what string // where the recipe is, e.g. "columns.email"
	s    *spec
	srcs []string // the source keys given: column, template, value
	// nodes holds the keys the checks across keys look at: transform, map
	// and default as given, value, split and pick once read well.
	nodes map[string]*yaml.Node
}

// fieldKey is one key of a field's recipe and its handler. A handler
// returns false when its value makes the field unusable (the error is
// added already); the field is then dropped.
type fieldKey struct {
	name string
	read func(r *fieldRead, v *yaml.Node) bool
}

// fieldKeyTable lists the keys of a field's recipe in the order the hints
// name them.
func fieldKeyTable() []fieldKey {
	return []fieldKey{
		{"column", (*fieldRead).column},
		{"template", (*fieldRead).template},
		{"value", (*fieldRead).value},
		{"transform", (*fieldRead).transform},
		{"map", (*fieldRead).valueMap},
		{"default", (*fieldRead).def},
		{"empty", (*fieldRead).empty},
		{"split", (*fieldRead).split},
		{"pick", (*fieldRead).pick},
		{"extension", (*fieldRead).extension},
	}
}

func fieldKeys() []string {
	var out []string
	for _, k := range fieldKeyTable() {
		out = append(out, k.name)
	}
	return out
}

// field reads one field's recipe: a header name, a list of headers, or a
// mapping of fieldKeys.
func (p *parser) field(what, name string, extra bool, v *yaml.Node) *spec {
	s := &spec{field: name, extra: extra}
	switch v.Kind {
	case yaml.ScalarNode, yaml.SequenceNode:
		// "E-mail", or [Mobile, Phone]: the first of the columns that is not blank.
		if s.refs = p.columns(v, what); s.refs == nil {
			return nil
		}
		return s
	case yaml.MappingNode:
	default:
		p.add(v, `write a header name ("E-mail") or { column: "E-mail", transform: [trim] }`, "%s must be a header name or a mapping", what)
		return nil
	}
	r := &fieldRead{p: p, what: what, s: s, nodes: make(map[string]*yaml.Node)}
	ok := true
	p.pairs(v, what, func(fk, fv *yaml.Node) { ok = r.key(fk, fv) && ok })
	if !r.finish(v, ok) {
		return nil
	}
	return s
}

// key reads one key of the recipe with its handler.
func (r *fieldRead) key(fk, fv *yaml.Node) bool {
	for _, h := range fieldKeyTable() {
		if h.name == fk.Value {
			return h.read(r, fv)
		}
	}
	hint := didYouMean(fk.Value, fieldKeys(), "a field takes "+strings.Join(fieldKeys(), ", "))
	switch fk.Value {
	case "header", "col", "source", "from":
		hint = `did you mean "column"?`
	case "const", "constant", "fixed":
		hint = `did you mean "value"?`
	}
	r.p.add(fk, hint, "unknown key %q in %s", fk.Value, r.what)
	return false
}

// finish checks what concerns several keys, once all are read (ok is
// false when a key was unusable): exactly one source, nothing a constant
// cannot use, no pick without split. It reports whether the field is usable.
func (r *fieldRead) finish(v *yaml.Node, ok bool) bool {
	p, what := r.p, r.what
	switch {
	case len(r.srcs) == 0 && ok:
		p.add(v, `add column: "Header", template: "{A} {B}" or value: 3`, "%s has no column, template or value", what)
		return false
	case len(r.srcs) > 1:
		p.add(v, "keep only one of them", "%s has both %s", what, strings.Join(r.srcs, " and "))
		return false
	case len(r.srcs) == 0:
		return false
	}
	if r.nodes["value"] != nil { // a constant, read well
		for _, name := range []string{"transform", "map", "default", "split", "pick"} {
			if n := r.nodes[name]; n != nil {
				p.add(n, "remove it, or take the value from a column", "%s: %s does not apply to a constant value", what, name)
				ok = false
			}
		}
		if r.s.field == "crm_client_id" && !r.s.extra {
			p.add(r.nodes["value"], "map crm_client_id from a column of client IDs", "crm_client_id cannot be a constant: every row would update the same client")
			ok = false
		}
	}
	if n := r.nodes["pick"]; n != nil && r.nodes["split"] == nil {
		p.add(n, `add split: with the separator, e.g. split: " ::: "`, "%s: pick needs split", what)
		ok = false
	}
	return ok
}

// column reads column: one header, or a list of them (the first not blank).
func (r *fieldRead) column(fv *yaml.Node) bool {
	r.srcs = append(r.srcs, "column")
	r.s.refs = r.p.columns(fv, r.what+".column")
	return r.s.refs != nil
}

// template reads template: text with {Header} references.
func (r *fieldRead) template(fv *yaml.Node) bool {
	r.srcs = append(r.srcs, "template")
	t, ok := r.p.scalar(fv, r.what+".template")
	if !ok {
		return false
	}
	parts, off, err := parseTemplate(t)
	if err != nil {
		r.p.add(fv, "write {Header} for a cell, {{ and }} for literal braces",
			"%s.template %q: %v at character %d", r.what, t, err, len([]rune(t[:off]))+1)
		return false
	}
	r.s.parts = parts
	for _, pt := range parts {
		if pt.ref != "" {
			r.s.refs = append(r.s.refs, ref{name: pt.ref, line: fv.Line, col: fv.Column})
		}
	}
	if len(r.s.refs) == 0 {
		r.p.add(fv, "use value: for a constant", "%s.template %q names no {Header}", r.what, t)
		return false
	}
	return true
}

// value reads value: a constant sent in every row.
func (r *fieldRead) value(fv *yaml.Node) bool {
	r.srcs = append(r.srcs, "value")
	val, ok := r.p.scalar(fv, r.what+".value")
	if !ok {
		if fv.Kind == yaml.ScalarNode {
			r.p.c.List[len(r.p.c.List)-1].Hint = `write value: "" to clear the field in every row`
		}
		return false
	}
	r.s.value = val
	r.nodes["value"] = fv
	return true
}

// transform reads transform: a name or a list of names.
func (r *fieldRead) transform(fv *yaml.Node) bool {
	r.nodes["transform"] = fv
	var items []*yaml.Node
	switch fv.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{fv}
	case yaml.SequenceNode:
		items = listItems(fv)
	default:
		r.p.add(fv, "write transform: [trim, upper]", "%s.transform must be a list of transform names", r.what)
		return true
	}
	for _, it := range items {
		name, ok := r.p.scalar(it, r.what+".transform")
		if !ok {
			continue
		}
		fn, ok := lookupTransform(name)
		if !ok {
			hint := didYouMean(name, TransformNames(), "the transforms are "+strings.Join(TransformNames(), ", "))
			r.p.add(it, hint, "unknown transform %q", name)
			continue
		}
		r.s.transforms = append(r.s.transforms, fn)
	}
	return true
}

// valueMap reads map: cell value → API value.
func (r *fieldRead) valueMap(fv *yaml.Node) bool {
	r.nodes["map"] = fv
	p, what := r.p, r.what
	if fv.Kind != yaml.MappingNode {
		p.add(fv, `write map: { Polska: PL, Niemcy: DE }`, "%s.map must be a mapping of cell value to API value", what)
		return true
	}
	r.s.folded = make(map[string]string)
	firstLine := make(map[string]int)
	for i := 0; i+1 < len(fv.Content); i += 2 {
		k, v := resolve(fv.Content[i]), resolve(fv.Content[i+1])
		key, ok := p.scalar(k, what+".map key")
		if !ok {
			continue
		}
		key = chars.TrimSpace(key)
		if key == "" {
			p.add(k, "use default: for blank cells", "%s.map has an empty key", what)
			continue
		}
		val, ok := p.scalar(v, fmt.Sprintf("%s.map[%s]", what, key))
		if !ok {
			continue
		}
		fk := strings.ToLower(key)
		if first, dup := firstLine[fk]; dup {
			p.add(k, "keys are compared ignoring case and surrounding spaces; remove one", "%s.map: %q is given twice (first at line %d)", what, key, first)
			continue
		}
		firstLine[fk] = k.Line
		r.s.folded[fk] = val
	}
	return true
}

// def reads default: what a blank cell becomes.
func (r *fieldRead) def(fv *yaml.Node) bool {
	r.nodes["default"] = fv
	d, ok := r.p.scalar(fv, r.what+".default")
	if !ok {
		return false
	}
	r.s.def = &d
	return true
}

// empty reads the field's own empty: policy.
func (r *fieldRead) empty(fv *yaml.Node) bool {
	r.s.empty = r.p.empty(fv)
	return true
}

// split reads split: the separator of several values in one cell.
func (r *fieldRead) split(fv *yaml.Node) bool {
	sep, ok := r.p.scalar(fv, r.what+".split")
	if !ok {
		return false
	}
	if sep == "" {
		r.p.add(fv, `name the separator of the values, e.g. split: " ::: "`, "%s.split is empty", r.what)
		return false
	}
	r.s.split = sep
	r.nodes["split"] = fv
	return true
}

// pick reads pick: which of the split values to send.
func (r *fieldRead) pick(fv *yaml.Node) bool {
	n, ok := r.p.scalar(fv, r.what+".pick")
	if !ok {
		return false
	}
	i, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || i < 1 || i > 100 {
		r.p.add(fv, "give which of the values to take: 1 for the first, 2 for the second", "%s.pick %q is not a number from 1 to 100", r.what, n)
		return false
	}
	r.s.pick = i
	r.nodes["pick"] = fv
	return true
}

// extension reads extension: what a phone extension becomes (keep or drop).
func (r *fieldRead) extension(fv *yaml.Node) bool {
	s, ok := r.p.scalar(fv, r.what+".extension")
	if !ok {
		return true
	}
	if r.s.ext, ok = map[string]extPolicy{"keep": extKeep, "drop": extDrop}[s]; !ok {
		r.p.add(fv, "use keep (the number, then the extension as written: +48601234567 wew. 15) or drop (the number only, with a warning)", "%s.extension %q is not keep or drop", r.what, s)
	}
	return true
}
