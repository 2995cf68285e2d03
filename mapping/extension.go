package mapping

import (
	"regexp"
	"strings"

	"github.com/crmbulk/crmbulk/internal/chars"
)

// Values real exports glue together: several values in one cell (Google
// Contacts writes "+48 601 234 567 ::: +48 22 123 45 67") and a phone with
// its extension ("22 123 45 67 wew. 15"), which digits or digits_plus would
// turn into one longer, wrong number.

// extPolicy is what a phone extension becomes.
type extPolicy int

const (
	extDefault extPolicy = iota // keep on a phone field, left alone elsewhere
	extKeep                     // the number (transformed), then " wew. 15" as written
	extDrop                     // the number only; the row's warnings say what was dropped
)

// extensionRE finds an extension at the end of a phone: a marker in Polish,
// English or German (wew., wewn., ext., extension, x, Durchwahl, DW, #) and
// its digits. An "x" needs a space or a digit before it.
var extensionRE = regexp.MustCompile(`(?i)(?:\s*[,;/]?\s*)(?:\b(wewn?\.?|ext\.?|extension|durchwahl|dw\.?)|(?:(?:^|[\s\d])(x))|(#))\s*(\d{1,6})\s*$`)

// cutExtension splits v into the number and its extension ("wew. 15"), or
// returns v and "" when it has none.
func cutExtension(v string) (number, ext string) {
	m := extensionRE.FindStringSubmatchIndex(v)
	if m == nil {
		return v, ""
	}
	marker := ""
	for g := 1; g <= 3; g++ {
		if m[2*g] >= 0 {
			marker = v[m[2*g]:m[2*g+1]]
		}
	}
	start := m[0]
	if m[4] >= 0 && m[4] > start && v[m[4]-1] >= '0' && v[m[4]-1] <= '9' {
		start = m[4] // "601234567x15": the digit before x is the number's
	}
	number = chars.TrimSpace(v[:start])
	if number == "" || !strings.ContainsAny(number, "0123456789") {
		return v, ""
	}
	return number, marker + " " + v[m[8]:m[9]]
}

// pickPart returns the n-th (1-based; 0 = the first) of the values of v
// separated by sep, trimmed ("" when v has fewer), and the other non-blank
// values, which are not sent.
func pickPart(v, sep string, n int) (part string, others []string) {
	n = max(n, 1)
	for i, p := range strings.Split(v, sep) {
		p = chars.TrimSpace(p)
		switch {
		case i+1 == n:
			part = p
		case p != "":
			others = append(others, p)
		}
	}
	return part, others
}
