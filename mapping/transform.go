package mapping

import (
	"strings"
	"unicode"

	"github.com/crmbulk/crmbulk/internal/chars"
	"golang.org/x/text/unicode/norm"
)

// transformFunc rewrites one cell value. Every transform is pure and safe
// for concurrent use, and returns its input unchanged (no allocation) when
// there is nothing to do.
type transformFunc func(string) string

// TransformNames lists the named transforms (transform:), in
// documentation order: crmbulk ui offers them.
func TransformNames() []string {
	return []string{"trim", "upper", "lower", "title", "digits", "digits_plus", "collapse_spaces", "strip_dashes", "nfc"}
}

func lookupTransform(name string) (transformFunc, bool) {
	fn, ok := map[string]transformFunc{
		"trim": chars.TrimSpace, "upper": strings.ToUpper, "lower": strings.ToLower, "title": title,
		"digits": digits, "digits_plus": digitsPlus, "collapse_spaces": collapseSpaces,
		"strip_dashes": chars.StripDashes, "nfc": norm.NFC.String,
	}[name]
	return fn, ok
}

// title lowercases s and upper-cases the first letter of every word; a word
// starts after any rune that is not a letter, mark, digit or apostrophe
// ("jan KOWALSKI-nowak" → "Jan Kowalski-Nowak", "o'brien" → "O'brien").
func title(s string) string {
	start := true
	return strings.Map(func(r rune) rune {
		letter := unicode.IsLetter(r)
		switch {
		case letter && start:
			r = unicode.ToTitle(r)
		case letter:
			r = unicode.ToLower(r)
		}
		start = !letter && !unicode.IsMark(r) && !unicode.IsDigit(r) && r != '\'' && r != '’'
		return r
	}, s)
}

// digits keeps only the ASCII digits 0-9.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// digitsPlus keeps the digits 0-9 and a + when it is the first non-space
// character ("+48 601-234-567" → "+48601234567", "(0) 601 234" → "0601234").
func digitsPlus(s string) string {
	t := chars.TrimSpace(s)
	if !strings.HasPrefix(t, "+") {
		return digits(s)
	}
	if d := digits(t[1:]); len(t) != len(s) || d != t[1:] {
		return "+" + d
	}
	return s
}

// collapseSpaces replaces every run of white space by one space and trims
// the ends.
func collapseSpaces(s string) string {
	if collapsed(s) {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, chars.IsSpace), " ")
}

// collapsed reports whether s has no leading, trailing, repeated or
// non-ASCII-space white space.
func collapsed(s string) bool {
	prev := true // the start counts as a space: a leading space fails
	for _, r := range s {
		sp := chars.IsSpace(r)
		if sp && (prev || r != ' ') {
			return false
		}
		prev = sp
	}
	return !prev || s == ""
}
