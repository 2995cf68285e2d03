package chars

import "testing"

func TestRules(t *testing.T) {
	cases := []struct {
		in                   string
		blank                bool
		trim, dashes, spaces string
	}{
		{"", true, "", "", ""},
		{" \t\r\n", true, "", " \t\r\n", ""},
		{"\u00a0\u200b\ufeff\u2003", true, "", "\u00a0\u200b\ufeff\u2003", ""},
		{" PL 123-456 ", false, "PL 123-456", " PL 123456 ", "PL123456"},
		{"1\u20132\u20143\u22124\uff0d5\u20106", false, "1\u20132\u20143\u22124\uff0d5\u20106", "123456", "123456"},
		{"-", false, "-", "", ""},
		{"a\u00a0", false, "a", "a\u00a0", "a"},
	}
	for _, c := range cases {
		if got := Blank(c.in); got != c.blank {
			t.Errorf("Blank(%q) = %v", c.in, got)
		}
		if got := TrimSpace(c.in); got != c.trim {
			t.Errorf("TrimSpace(%q) = %q, want %q", c.in, got, c.trim)
		}
		if got := StripDashes(c.in); got != c.dashes {
			t.Errorf("StripDashes(%q) = %q, want %q", c.in, got, c.dashes)
		}
		if got := StripSpaceAndDashes(c.in); got != c.spaces {
			t.Errorf("StripSpaceAndDashes(%q) = %q, want %q", c.in, got, c.spaces)
		}
	}
}
