package validate

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/chars"
)

// The one identity rule: how crmbulk tells that two values of a key field
// (email, login, phone, invoice_tax_id) name the same client. The match
// index, the plan, the search for rows of one client within a file, the
// look-up of a lost create and undo's conflict check all ask here.
//
//   - email and login are stored and sent cleaned (CleanKey): NFKC, so
//     accents are composed and full-width forms folded ("ｊａｎ＠" is
//     "jan@"); invisible and format characters removed (zero-width space,
//     joiners, word joiner, soft hyphen, byte-order mark, direction marks,
//     variation selectors, control characters); every kind of space (no-break,
//     thin, ideographic, tab) a plain space; trimmed. They are compared
//     case-folded (Unicode full case folding: "Jan@X.COM" is "jan@x.com").
//   - phone compares by its digits after the same cleaning (full-width
//     digits are digits); a leading "+", or "00" leading the digits, is
//     kept as "+", so
//     "0048 600 700 800" is "+48600700800", but "600700800" is another key.
//   - invoice_tax_id compares by its letters and digits, upper-cased, after
//     the same cleaning, without the country prefixes leading it (ISO
//     3166-1 codes, or EL for Greece): "PL 526-000-12-46" is "5260001246" whatever
//     the country of the row or the account. A value without a digit
//     ("brak", "n/a") is no key.
//
// "" means the row has no key.

// RuleCleaned is the warning that an email or login was cleaned on its way
// in (CleanKey changed more than white space around it).
const RuleCleaned = "key_cleaned"

// CleanKey returns an email or login as crmbulk stores, sends and compares
// it (before case folding): see the rule above. It is idempotent; text that
// is not valid UTF-8 is returned as is (Check reports it).
func CleanKey(s string) string {
	// Removing a joiner can let two characters compose, and NFKC can make
	// a space: hence rounds to the fixed point.
	return fixedPoint(s, func(s string) string { return strings.TrimSpace(norm.NFKC.String(strings.Map(keyRune, s))) })
}

// fixedPoint applies step to s until it changes nothing (a few rounds reach
// that); text that is not valid UTF-8 is returned as is.
func fixedPoint(s string, step func(string) string) string {
	if !utf8.ValidString(s) {
		return s
	}
	for range 4 {
		next := step(s)
		if next == s {
			break
		}
		s = next
	}
	return s
}

// keyRune maps every space to a plain one and drops what cannot be seen.
func keyRune(r rune) rune {
	switch {
	case chars.IsSpace(r) && r != '\u200b' && r != '\ufeff', unicode.Is(unicode.Zs, r):
		return ' '
	case unicode.Is(unicode.Cf, r), unicode.IsControl(r),
		unicode.Is(unicode.Variation_Selector, r), unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return -1
	}
	return r
}

// MatchKey returns the form in which values of a key field are compared
// (see the rule above): "" means no key. For another field it is the value
// in NFC, trimmed. MatchKey(f, MatchKey(f, v)) == MatchKey(f, v).
func MatchKey(field, value string) string {
	value = strings.ToValidUTF8(value, "\ufffd") // such a row is invalid (Check), but its key is still a fixed point
	switch field {
	case "email", "login":
		return foldKey(CleanKey(value))
	case "phone":
		return phoneKey(CleanKey(value))
	case "invoice_tax_id":
		return taxKey(CleanKey(value))
	}
	return norm.NFC.String(chars.TrimSpace(value))
}

// foldKey case-folds a cleaned value and keeps it clean.
func foldKey(s string) string {
	return fixedPoint(s, func(s string) string { return CleanKey(cases.Fold().String(s)) }) // a Caser is not safe to share
}

func phoneKey(v string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	plus := strings.HasPrefix(v, "+")
	if !plus && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:]
	}
	if plus && d != "" {
		return "+" + d
	}
	return d
}

func taxKey(v string) string {
	k := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, v)
	if strings.IndexFunc(k, unicode.IsDigit) < 0 {
		return ""
	}
	for len(k) > 2 && (IsCountry(k[:2]) || k[:2] == "EL") { // a country prefix (IsCountry: two letters A-Z)
		k = k[2:] // the prefix is letters: the digits stay ("PLPL1" too, so the key is a fixed point)
	}
	return k
}

// Same reports whether a and b are the same value of field by the identity
// rule: the same match key for a key field (both empty included), the same
// canonical form (Normalize) for another.
func Same(field, a, b string) bool { return CompareForm(field, a) == CompareForm(field, b) }

// CompareForm is the form Same compares values of field in.
func CompareForm(field, value string) string {
	if slices.Contains(baselinker.MatchKeyFields(), field) {
		return MatchKey(field, value)
	}
	return Normalize(field, value)
}

// cleaned is the warning of a value of field that CleanKey changed beyond
// the white space around it (nil when it did not).
func cleaned(field, value, clean string) []Problem {
	if clean == strings.TrimSpace(norm.NFC.String(value)) {
		return nil
	}
	return []Problem{{Field: field, Value: value, Rule: RuleCleaned, Severity: Warning,
		Message: fmt.Sprintf("%s → %s (invisible characters removed, spaces and full-width forms folded: the form crmbulk stores and compares)",
			chars.Quote(value), chars.Quote(clean))}}
}
