package importer

import (
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/validate"
)

// TestCanonicalKinds: a value the fast check calls canonical is one
// validate.Normalize returns unchanged, for every field of the table; and
// the fast check does call the common canonical values canonical.
func TestCanonicalKinds(t *testing.T) {
	values := []string{"", "0", "00", "7", "07", "-1", "+1", "12345678901234567890", "123456789012345678", " 5", "5 ",
		"PL", "pl", "Pl", " PL", "PL ", "P L", "DE\t", "Ü", "abc", "Jan Kowalski", "Gdańsk", "e\u0301", "a@b.pl",
		"+48 600 000 001", "PL-123 456", "\u00a0PL", "PL\u00a0", "1\u00a0"}
	kinds := canonicalKinds()
	for _, f := range baselinker.Fields() {
		for _, v := range values {
			if kinds[f.Name].is(v) && validate.Normalize(f.Name, v) != v {
				t.Errorf("%s %q: called canonical, but Normalize gives %q", f.Name, v, validate.Normalize(f.Name, v))
			}
		}
	}
	tests := []struct {
		field, value string
	}{
		{"email", "client1@example.com"},
		{"invoice_fullname", "Jan Kowalski"},
		{"invoice_country_code", "PL"},
		{"star", "5"},
		{"star", "0"},
	}
	for _, tc := range tests {
		if !kinds[tc.field].is(tc.value) {
			t.Errorf("%s %q: not called canonical (the fast path is lost)", tc.field, tc.value)
		}
	}
}
