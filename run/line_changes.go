package run

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
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

// appendNamed appends " (name)" after a status_id value that names holds.
func appendNamed(b []byte, field, value string, names map[string]string) []byte {
	if name := names[value]; field == "status_id" && name != "" {
		b = append(append(append(b, " ("...), name...), ')')
	}
	return b
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

// ChangesByField reads a changes column back: field → [before, after]. A
// before that was not read (or a create's) is "". What cannot be read is
// left out.
func ChangesByField(s string) map[string][2]string {
	cs, _ := ParseChanges(s)
	out := make(map[string][2]string, len(cs))
	for _, c := range cs {
		out[c.Field] = [2]string{c.Before, c.After}
	}
	return out
}

// ParseChanges reads a report's changes column back into the plan it
// shows (Changes.String's format): a create's `field: "value"`, an
// update's `field: "before" → "after"`, and `field: not compared (why) →
// "after"`. It returns the changes read before a part it cannot read, and
// an error naming that part.
func ParseChanges(s string) (Changes, error) {
	var out Changes
	for s != "" {
		field, rest, ok := strings.Cut(s, ": ")
		if !ok {
			return out, fmt.Errorf("changes: %.40q is not `field: value`", s)
		}
		c := Change{Field: field}
		var err error
		if r, ok := strings.CutPrefix(rest, "not compared ("); ok { // field: not compared (why) → "after"
			c.Why, r, _ = strings.Cut(r, ") → ")
			c.After, rest, err = unquotePrefix(r)
		} else if c.Before, rest, err = unquotePrefix(rest); err == nil {
			if r, ok := strings.CutPrefix(rest, " → "); ok { // field: "before" → "after"
				c.Known = true
				c.After, rest, err = unquotePrefix(r)
			} else { // a create: field: "value"
				c.Before, c.After, c.Create = "", c.Before, true
			}
		}
		if err != nil {
			return out, fmt.Errorf("changes: field %s: %w", field, err)
		}
		out = append(out, c)
		if rest != "" && !strings.HasPrefix(rest, "; ") {
			return out, fmt.Errorf("changes: after field %s: %.40q", field, rest)
		}
		s = strings.TrimPrefix(rest, "; ")
	}
	return out, nil
}

// unquotePrefix reads the Go-quoted string at the start of s.
func unquotePrefix(s string) (string, string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, err
	}
	v, err := strconv.Unquote(q)
	return v, s[len(q):], err
}
