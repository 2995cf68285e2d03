// Package chars is the one home of what crmbulk counts as white space, a
// dash and a blank value, and of how much of a value a message quotes. The sheet reader (is a row blank?), the mapping
// (trim, strip_dashes, empty cells), validate (the tax-id clean-up the API
// does itself) and the match keys all ask here, so they cannot disagree.
package chars

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsSpace reports whether r is white space: Unicode's (which includes the
// no-break space U+00A0 that spreadsheets leave behind), the zero-width
// space U+200B and a stray byte-order mark U+FEFF.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

// IsDash reports whether r is a hyphen or dash: - ‐ ‑ ‒ – — ― − ﹣ －.
func IsDash(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe63', '\uff0d':
		return true
	}
	return false
}

// TrimSpace removes leading and trailing white space (IsSpace).
func TrimSpace(s string) string { return strings.TrimFunc(s, IsSpace) }

// Blank reports whether s is empty or only white space (IsSpace).
func Blank(s string) bool { return TrimSpace(s) == "" }

// StripDashes removes every dash (IsDash).
func StripDashes(s string) string { return remove(s, IsDash) }

// StripSpaceAndDashes removes every white space and dash, as the API does
// itself to a tax id.
func StripSpaceAndDashes(s string) string {
	return remove(s, func(r rune) bool { return IsSpace(r) || IsDash(r) })
}

func remove(s string, drop func(rune) bool) string {
	if strings.IndexFunc(s, drop) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if drop(r) {
			return -1
		}
		return r
	}, s)
}

// QuoteMax is how many characters of a value a message quotes.
const QuoteMax = 200

// Quote is %q of s for a message, cut after QuoteMax characters with the
// full length said: a 50 MB cell makes a line of a report, not 50 MB of it.
func Quote(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= QuoteMax {
		return strconv.Quote(s)
	}
	cut := 0
	for range QuoteMax {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d characters in all)", n)
}

// Cut keeps the first n characters of s, marking a cut with "…".
func Cut(s string, n int) string {
	if len(s) <= n { // bytes ≥ characters: nothing to cut
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Fit cuts s to n characters in all, the last of them the "…" that marks
// the cut (a line of the terminal).
func Fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return Cut(s, n-1)
}
