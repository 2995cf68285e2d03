package importer

import (
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/validate"
)

// Change is one field of a row's plan: what the client holds and what is
// (or, in a dry run, would be) sent. The values are exactly what is sent:
// after the mapping, its transforms and validate's canonical form.
type Change struct {
	Field  string // API field name, or "extra_<ID>" for a custom extra field
	Before string // the client's value; meaningful only when Known
	After  string
	Known  bool   // Before was read: an update of a field the list returns (or the client was read whole)
	Create bool   // the row creates the client: there is no before
	Why    string // for an update with Before unknown: why it was not compared
}

// notRead is the reason a field's before is unknown: the list
// (getCrmClients) does not return it and the client was not read whole.
const notRead = "no read"

// Changes is a row's plan.
type Changes []Change

// String formats the plan as the report's changes column: for a create
// `field: "value"`, for an update `field: "before" → "after"` (or
// `field: not compared (no read) → "after"`), joined by "; ". Values are
// quoted as Go strings, so the text can be read back exactly.
func (cs Changes) String() string { return cs.format(nil) }

// format is String with, when names holds them, the statuses' names in
// parentheses after the values of status_id (for people, never parsed).
func (cs Changes) format(names map[string]string) string {
	n := 0
	for _, c := range cs {
		n += len(c.Field) + len(c.Before) + len(c.After) + 16
	}
	b := make([]byte, 0, n)
	for i, c := range cs {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = append(append(b, c.Field...), ": "...)
		switch {
		case c.Create:
		case c.Known:
			b = appendNamed(strconv.AppendQuote(b, c.Before), c.Field, c.Before, names)
			b = append(b, " → "...)
		default:
			b = append(append(append(b, "not compared ("...), c.Why...), ") → "...)
		}
		b = appendNamed(strconv.AppendQuote(b, c.After), c.Field, c.After, names)
	}
	return string(b)
}

// compared returns the changes whose before was known.
func (cs Changes) compared() Changes {
	var out Changes
	for _, c := range cs {
		if c.Known {
			out = append(out, c)
		}
	}
	return out
}

// created is the plan of a row that creates a client: every field it sets.
func created(it *item) Changes {
	cs := make(Changes, 0, len(it.res.Values)+len(it.res.Extra))
	for _, v := range it.res.Values {
		cs = append(cs, Change{Field: v.Field, After: v.Text, Create: true})
	}
	for _, v := range sortedExtra(it.res.Extra) {
		cs = append(cs, Change{Field: "extra_" + v.Field, After: v.Text, Create: true})
	}
	return cs
}

// uncompared is the plan of an update with nothing to compare with (no
// index): every field, sent as it is.
func uncompared(it *item) Changes {
	cs := created(it)
	for i := range cs {
		cs[i].Create, cs[i].Why = false, notRead
	}
	return cs
}

// diff is the plan of a row that updates client c: the fields whose
// canonical form differs, and the fields that cannot be compared (notes and
// extra fields, unless full: c was read whole with getCrmClientData).
func diff(c *baselinker.Client, it *item, full bool) Changes {
	var cs Changes
	for _, v := range it.res.Values {
		fd, _ := baselinker.LookupField(v.Field)
		if !fd.Listed && !full {
			cs = append(cs, Change{Field: v.Field, After: v.Text, Why: notRead})
			continue
		}
		have, _ := c.Get(v.Field)
		if validate.Normalize(v.Field, have) != validate.Normalize(v.Field, v.Text) {
			cs = append(cs, Change{Field: v.Field, Before: have, After: v.Text, Known: true})
		}
	}
	for _, v := range sortedExtra(it.res.Extra) {
		name := "extra_" + v.Field
		if !full {
			cs = append(cs, Change{Field: name, After: v.Text, Why: notRead})
			continue
		}
		if have := c.CustomExtraFields[v.Field]; have != v.Text {
			cs = append(cs, Change{Field: name, Before: have, After: v.Text, Known: true})
		}
	}
	return cs
}

// ClientFields is the addCrmClient input that writes the changes' After
// values (custom extra fields by ID) to client id (0: a new client).
func (cs Changes) ClientFields(id int64) baselinker.ClientFields {
	f := baselinker.ClientFields{ID: id, Values: make(map[string]string, len(cs))}
	for _, c := range cs {
		if x, ok := strings.CutPrefix(c.Field, "extra_"); ok {
			if f.Extra == nil {
				f.Extra = map[string]string{}
			}
			f.Extra[x] = c.After
			continue
		}
		f.Values[c.Field] = c.After
	}
	return f
}

// appendNamed appends " (name)" after a status_id value that names holds.
func appendNamed(b []byte, field, value string, names map[string]string) []byte {
	if name := names[value]; field == "status_id" && name != "" {
		b = append(append(append(b, " ("...), name...), ')')
	}
	return b
}
