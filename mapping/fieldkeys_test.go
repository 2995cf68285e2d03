package mapping

import (
	"slices"
	"strings"
	"testing"
)

// TestFieldKeyHandlers runs every key of a field's recipe through its
// handler: a good value parses, a bad one is refused on its own line with a
// message that names it. Every key of fieldKeyTable has a case here.
func TestFieldKeyHandlers(t *testing.T) {
	cases := []struct{ key, good, bad, want string }{
		{"column", `{ column: E-mail }`, `{ column: "" }`, "columns.email.column: the column header is empty"},
		{"template", `{ template: "{A} {B}" }`, `{ template: "no refs" }`, `columns.email.template "no refs" names no {Header}`},
		{"value", `{ value: a@b.pl }`, `{ value: }`, "columns.email.value has no value"},
		{"transform", `{ column: E, transform: [trim] }`, `{ column: E, transform: [trimm] }`, `unknown transform "trimm"`},
		{"map", `{ column: E, map: { a: b } }`, `{ column: E, map: [a] }`, "columns.email.map must be a mapping"},
		{"default", `{ column: E, default: x }`, `{ column: E, default: [x] }`, "columns.email.default must be a single value"},
		{"empty", `{ column: E, empty: clear }`, `{ column: E, empty: wipe }`, `empty "wipe" is neither keep nor clear`},
		{"split", `{ column: E, split: ";" }`, `{ column: E, split: "" }`, "columns.email.split is empty"},
		{"pick", `{ column: E, split: ";", pick: 2 }`, `{ column: E, split: ";", pick: 0 }`, `columns.email.pick "0" is not a number from 1 to 100`},
		{"extension", `{ column: E, extension: drop }`, `{ column: E, extension: cut }`, `columns.email.extension "cut" is not keep or drop`},
	}
	var tested []string
	for _, c := range cases {
		tested = append(tested, c.key)
		t.Run(c.key, func(t *testing.T) {
			if _, err := Parse("map.yaml", []byte("columns:\n  email: "+c.good+"\n")); err != nil {
				t.Errorf("good recipe %s refused: %v", c.good, err)
			}
			_, err := Parse("map.yaml", []byte("columns:\n  email: "+c.bad+"\n"))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "map.yaml:2:") {
				t.Errorf("bad recipe %s: got %v, want line 2 and %q", c.bad, err, c.want)
			}
		})
	}
	if !slices.Equal(tested, fieldKeys()) {
		t.Errorf("cases cover %v, the table holds %v", tested, fieldKeys())
	}
}
