package guess

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/crmbulk/crmbulk/internal/chars"
)

// What a column's values are, whatever its name says: the classifiers
// that confirm, veto or propose a field.

// valueClass is one thing a column's values can be.
type valueClass struct {
	what string // "e-mail addresses"
	// slot is the field it proposes for a column whose name says nothing
	// ("" when it proposes none: a register number, a date).
	slot string
	is   func(v string) bool
}

// valueClasses, most telling first. A class proposes its field when at
// least four fifths of a column's values are of it.
var valueClasses = []valueClass{
	{"e-mail addresses", "email", emailRE.MatchString},
	{"tax IDs (a NIP or an EU VAT number with its country prefix, checksum right)", "invoice_tax_id", isTaxID},
	{"company register numbers (REGON, IČO), not tax IDs", "", isRegister},
	{"postcodes", "invoice_postcode", postcodeRE.MatchString},
	{"international phone numbers", "phone", isIntlPhone},
	{"country names", "invoice_country_code", isCountryName},
	{"dates", "", dateRE.MatchString},
	{"amounts of money", "", isMoney},
	{"yes/no flags", "", isFlag},
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// postcodeRE is a postcode whose shape names its country: Polish 00-000,
// Czech and Slovak 000 00, Dutch 0000 AA, British, Portuguese 0000-000,
// Latvian/Lithuanian LV-0000.
var postcodeRE = regexp.MustCompile(`^(?:\d{2}-\d{3}|\d{3} \d{2}|\d{4} ?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{4}-\d{3}|(LV|LT)-\d{4,5})$`)

var phoneRE = regexp.MustCompile(`^\+[\d ()./-]+$`)

// isIntlPhone: a number with its country prefix, 8 to 15 digits.
func isIntlPhone(v string) bool {
	d := digits(v)
	return phoneRE.MatchString(v) && d >= 8 && d <= 15
}

// dateRE is a date: ISO, with a time or not, or day, month and year with
// dots or slashes.
var dateRE = regexp.MustCompile(`^(?:\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?Z?)?|\d{1,2}[./]\d{1,2}[./]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?)$`)

var moneyRE = regexp.MustCompile(`^-?[\d  ]+([.,]\d{2})? ?(zł|PLN|EUR|€|\$|Kč|CZK)?$`)

func isMoney(v string) bool {
	return moneyRE.MatchString(v) && (strings.ContainsAny(v, ".,") || strings.ContainsAny(v, "zł€$Kč"))
}

func isFlag(v string) bool {
	switch strings.ToLower(v) {
	case "0", "1", "true", "false", "yes", "no", "tak", "nie", "ja", "nein", "ano", "ne", "y", "n", "x", "aus", "ein", "wahr", "falsch":
		return true
	}
	return false
}

// isTaxID: a Polish NIP with a right checksum, or an EU VAT number with
// its country prefix (PL and CZ checked by their checksums, the others by
// their shape).
func isTaxID(v string) bool {
	s := strings.ToUpper(chars.StripSpaceAndDashes(strings.ReplaceAll(v, ".", "")))
	if len(s) > 2 && unicode.IsLetter(rune(s[0])) && unicode.IsLetter(rune(s[1])) {
		prefix, rest := s[:2], s[2:]
		switch prefix {
		case "PL":
			return nipOK(rest)
		case "CZ":
			return allDigits(rest) && (len(rest) == 8 && icoOK(rest) || len(rest) == 9 || len(rest) == 10)
		case "DE":
			return allDigits(rest) && len(rest) == 9
		}
		return euVATRE.MatchString(s)
	}
	return nipOK(s)
}

// euVATRE is the shape of an EU VAT number (VIES): a member state's
// prefix and 2 to 12 letters and digits, at least two of them digits.
var euVATRE = regexp.MustCompile(`^(AT|BE|BG|CY|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PT|RO|SE|SI|SK|XI)[0-9A-Z]{2,12}$`)

func allDigits(s string) bool { return s != "" && digits(s) == len(s) }

// weighted reads s as len(w) digits and a check digit: it returns the sum
// of the digits times their weights w mod 11, and the check digit; ok is
// false when s is not that many digits.
func weighted(s string, w ...int) (sum, check int, ok bool) {
	if len(s) != len(w)+1 || !allDigits(s) {
		return 0, 0, false
	}
	for i, x := range w {
		sum += x * int(s[i]-'0')
	}
	return sum % 11, int(s[len(w)] - '0'), true
}

// nipOK checks a Polish NIP: 10 digits, the last the checksum of the
// others (weights 6 5 7 2 3 4 5 6 7, mod 11).
func nipOK(s string) bool {
	sum, check, ok := weighted(s, 6, 5, 7, 2, 3, 4, 5, 6, 7)
	return ok && sum != 10 && sum == check
}

// regonOK checks a 9-digit Polish REGON (weights 8 9 2 3 4 5 6 7, mod 11,
// 10 → 0).
func regonOK(s string) bool {
	sum, check, ok := weighted(s, 8, 9, 2, 3, 4, 5, 6, 7)
	return ok && sum%10 == check
}

// icoOK checks a Czech or Slovak IČO: 8 digits, weights 8 … 2, the last
// (11 − sum mod 11) mod 10.
func icoOK(s string) bool {
	sum, check, ok := weighted(s, 8, 7, 6, 5, 4, 3, 2)
	return ok && (11-sum)%10 == check
}

func isRegister(v string) bool {
	s := chars.StripSpaceAndDashes(v)
	return regonOK(s) || icoOK(s)
}

// classOf is the class at least four fifths of vals are, if any.
func classOf(vals []string) (valueClass, bool) {
	if len(vals) == 0 {
		return valueClass{}, false
	}
	for _, c := range valueClasses {
		if 5*countFunc(vals, c.is) >= 4*len(vals) {
			return c, true
		}
	}
	return valueClass{}, false
}

// byValues reads each column by its values. A name's
// guess whose values are dates, money, flags or register numbers, which no
// field of its kind holds, is dropped (a date under "Phone", 0/1 under
// "_address_default_billing_"); a column whose name says nothing (no
// field, no reason to leave it out) gets the field its values say it is:
// the e-mails under "Kontakt", the postcodes under "Kod".
func byValues(cands []candidate, cols [][]string) {
	for i := range cands {
		c := &cands[i]
		vals := nonBlank(cols[c.col])
		cl, ok := classOf(vals)
		switch {
		case !ok:
		case cl.slot == "" && c.slot != "" && c.slot != "star":
			if cl.what != "dates" || !strings.HasSuffix(c.slot, "notes") {
				c.drop(fmt.Sprintf("looks like %s by its name, but its values (e.g. %q) are %s", c.slot, chars.Cut(vals[0], exampleLen), cl.what))
			}
		case cl.slot != "" && c.slot == "" && c.note == "":
			c.slot, c.method, c.score = strings.Replace(cl.slot, "invoice_", c.section()+"_", 1), Values, 1
			c.note = fmt.Sprintf("its name says nothing, but its values are %s (e.g. %q)", cl.what, chars.Cut(vals[0], exampleLen))
			c.names = strings.HasSuffix(cl.slot, "_country_code")
		}
	}
}

// wholeNames reports values that are mostly two words or more: a first
// name column that holds whole names.
func wholeNames(vals []string) bool {
	n := countFunc(vals, func(v string) bool { return len(strings.Fields(v)) >= 2 })
	return len(vals) > 0 && 2*n > len(vals)
}

// legalFormRE matches a company's legal form at the end of its name (or
// at its start, as Ukrainian and Russian write it): Sp. z o.o., S.A.,
// s.c., GmbH, AG, KG, OG, s.r.o., a.s., Ltd, LLC, Inc., SRL, SL, S.p.A.,
// Kft., Zrt., BV, NV, AB, UAB, OY, ТОВ, ООО.
var legalFormRE = regexp.MustCompile(`(?i)(\b(sp\. ?z ?o\.? ?o\.?|sp\. ?j\.?|sp\. ?k\.?|s\.? ?c\.?|s\.? ?a\.?|gmbh( & co\.? kg)?|ag|kg|og|e\.? ?k\.?|s\.? ?r\.? ?o\.?|a\.? ?s\.?|ltd\.?|llc|inc\.?|plc|srl|s\.? ?l\.?|s\.?p\.?a\.?|s\.?r\.?l\.?|sas|sarl|kft\.?|zrt\.?|bv|nv|ab|as|oy|uab|d\.? ?o\.? ?o\.?)\s*$)|^(ТОВ|ООО|ПП|ФОП|UAB|SIA)\s`)

// isCompanyName: a name with a legal form.
func isCompanyName(v string) bool { return legalFormRE.MatchString(strings.TrimSpace(v)) }

// namesByValues reads the name columns by their values:
//
//   - a name column beside first and last name columns whose values are
//     mostly not those names is the buyer's or company's name, when the
//     file has no company column and the first and last names can make
//     a template (Fakturownia's "name" beside first_name/last_name of the
//     contact person);
//   - a lone first-name column (no last name beside it) whose values are
//     whole names is the full name (POHODA's "Jméno");
//   - a name column whose values are, nearly all, names with a legal form
//     (GmbH, Sp. z o.o., s.r.o.) is the company's name when the file has
//     no company column.
func namesByValues(header []string, cands []candidate, cols [][]string) {
	for _, sec := range []string{"invoice", "delivery"} {
		at := func(slot string) []int {
			var out []int
			for i, c := range cands {
				if c.slot == slot {
					out = append(out, i)
				}
			}
			return out
		}
		full, first, last, company := at(sec+"_fullname"), at(sec+"|firstname"), at(sec+"|lastname"), at(sec+"_company")
		switch {
		case len(full) == 1 && len(first) == 1 && len(last) == 1 && len(company) == 0:
			f := &cands[full[0]]
			a, b := cands[first[0]].col, cands[last[0]].col
			if _, ok := makeTemplate("", "", header, a, b); ok && !partsMake(cols, f.col, a, b) {
				f.slot = sec + "_company"
				f.note = fmt.Sprintf("a name column beside first and last name columns whose values are mostly not those names (e.g. %q): the buyer's or company's name", chars.Cut(nonBlank(cols[f.col])[0], exampleLen))
			}
		case len(full) == 1 && len(company) == 0 && len(first) == 0 && len(last) == 0:
			f := &cands[full[0]]
			if vals := nonBlank(cols[f.col]); len(vals) > 0 && 5*countFunc(vals, isCompanyName) >= 4*len(vals) {
				f.slot = sec + "_company"
				f.note = fmt.Sprintf("a name column whose values are company names (e.g. %q)", chars.Cut(vals[0], exampleLen))
			}
		case len(first) == 1 && len(last) == 0 && len(full) == 0:
			f := &cands[first[0]]
			if vals := nonBlank(cols[f.col]); wholeNames(vals) {
				f.slot = sec + "_fullname"
				f.note = fmt.Sprintf("named a first name, but its values are whole names (e.g. %q)", chars.Cut(vals[0], exampleLen))
			}
		}
	}
}

// partsMake reports whether, in at least half of the rows where all three
// have a value, the name column is the first and last names together.
func partsMake(cols [][]string, full, first, last int) bool {
	rows, same := 0, 0
	for r := range cols[full] {
		f, a, b := fold(cols[full][r]), fold(cols[first][r]), fold(cols[last][r])
		if f == "" || a == "" || b == "" {
			continue
		}
		rows++
		if f == a+" "+b || f == b+" "+a {
			same++
		}
	}
	return rows == 0 || 2*same >= rows
}
