package run

import (
	"strings"
	"testing"
)

// FuzzParseChanges: a changes column is read back from reports people may
// edit: it never panics, and what Changes.String writes reads back exactly.
func FuzzParseChanges(f *testing.F) {
	f.Add("email", "a@b.pl", "A@b.pl", true, false)
	f.Add("notes", "", "line 1\nline \"2\" → 3; x", false, false)
	f.Add("extra_15", "", "10", false, true)
	f.Add("phone", "", "", true, false)
	f.Fuzz(func(t *testing.T, field, before, after string, known, create bool) {
		const last = "delivery_state" // a second change after the fuzzed one
		if strings.ContainsAny(field, ":;\"") || field == "" || field == last {
			return // field names are the API's (and extra_<ID>), each once
		}
		c := Change{Field: field, Before: before, After: after, Known: known && !create, Create: create, Why: "no read"}
		got := ChangesByField(Changes{c, {Field: last, After: "end", Create: true}}.String())
		want := [2]string{"", after}
		if c.Known {
			want[0] = before
		}
		if got[field] != want || got[last] != [2]string{"", "end"} {
			t.Fatalf("%+v read back as %q", c, got)
		}
		_ = ChangesByField(before + after) // anything at all
	})
}
