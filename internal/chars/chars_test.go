package chars

import (
	"strings"
	"testing"
)

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

// TestCut was baselinker's TestTruncate (Cut was its truncate); the Fit
// cases are the plan preview's and the progress line's cut.
func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in       string
		n        int
		cut, fit string
	}{
		{"abc", 5, "abc", "abc"},
		{"abcdef", 3, "abc…", "ab…"},
		{strings.Repeat("ż", 30), 30, strings.Repeat("ż", 30), strings.Repeat("ż", 30)}, // 60 bytes, 30 characters: not cut
		{strings.Repeat("ż", 31), 30, strings.Repeat("ż", 30) + "…", strings.Repeat("ż", 29) + "…"},
	} {
		if got := Cut(tc.in, tc.n); got != tc.cut {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.cut)
		}
		if got := Fit(tc.in, tc.n); got != tc.fit {
			t.Errorf("Fit(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.fit)
		}
	}
}
