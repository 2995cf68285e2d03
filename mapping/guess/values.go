package guess

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/crmbulk/crmbulk/validate"
)

// exampleLen is how many characters of a value a note quotes as its example.
const exampleLen = 40

// samples returns the sampled rows column by column (blank cells kept, so
// the columns stay aligned), each cell without its text mark, as the
// import reads it.
func samples(rows [][]string, width int) [][]string {
	if len(rows) == 0 {
		return nil
	}
	cols := make([][]string, width)
	for i := range cols {
		cols[i] = make([]string, len(rows))
		for r, row := range rows {
			if i < len(row) {
				cols[i][r], _ = sheet.StripTextMark(strings.TrimSpace(row[i])) // the text mark off
			}
		}
	}
	return cols
}

func nonBlank(col []string) []string {
	return slices.DeleteFunc(slices.Clone(col), func(v string) bool { return chars.Blank(v) })
}

// kind is what a field's values look like.
type kind struct {
	what string // "e-mail addresses"
	bad  func(v string) bool
}

// kName is what a name's values look like: a letter, no e-mail.
var kName = kind{"names", func(v string) bool { return !strings.ContainsFunc(v, unicode.IsLetter) || strings.Contains(v, "@") }}

// kinds are what the values of a field (after invoice_/delivery_) look
// like; a field any text fits has none.
var kinds = map[string]kind{
	"email": {"e-mail addresses", func(v string) bool { return !strings.Contains(v, "@") }},
	"phone": {"phone numbers", func(v string) bool { return digits(v) < 5 || strings.Contains(v, "@") }},
	"tax_id": {"tax IDs", func(v string) bool {
		return digits(v) < 7 || strings.ContainsAny(v[:1], "+(") || strings.Contains(v, "@")
	}},
	"country_code": {"countries (codes or names)", func(v string) bool { return !isCountryCode(v) && !isCountryName(v) }},
	"postcode":     {"postcodes", func(v string) bool { return digits(v) == 0 || len([]rune(v)) > 12 }},
	"city":         {"place names", func(v string) bool { return !strings.ContainsFunc(v, unicode.IsLetter) }},
	"fullname":     kName,
	"company":      kName,
	"star":         {"stars (0 to 5)", func(v string) bool { return len(v) != 1 || v[0] < '0' || v[0] > '5' }},
}

// kindOf is the kind of a slot's values, ok false for fields any text fits.
func kindOf(slot string) (kind, bool) {
	if _, part, ok := strings.Cut(slot, "|"); ok {
		return kName, part != "address2"
	}
	k, ok := kinds[strings.TrimPrefix(strings.TrimPrefix(slot, "invoice_"), "delivery_")]
	return k, ok
}

func digits(v string) int {
	n := 0
	for _, r := range v {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func isCountryCode(v string) bool {
	c := validate.NormalizeCountry(v)
	return validate.IsCountry(c) || c == "UK" || c == "EL"
}

func isCountryName(v string) bool { _, ok := validate.CountryCode(v); return ok }

// judge drops the candidates whose values contradict their field (more
// than half of the non-blank ones are not what it holds: a fax number
// under "VAT", a name under "E-mail"), and says what a country column holds.
func judge(cands []candidate, cols [][]string) {
	var postcodes []int // the postcode columns
	for _, c := range cands {
		if strings.HasSuffix(c.slot, "_postcode") {
			postcodes = append(postcodes, c.col)
		}
	}
	for i := range cands {
		c := &cands[i]
		if c.slot == "" {
			continue
		}
		vals := nonBlank(cols[c.col])
		c.empty = len(vals) == 0
		if len(vals) == 0 && c.method == Fuzzy {
			c.drop(fmt.Sprintf("its name is near %s (fuzzy %.2f), but the first rows have no value to confirm it", c.slot, c.score))
			continue
		}
		if strings.HasSuffix(c.slot, "_address") && wholeAddress(cols, c.col, postcodes) {
			c.drop(fmt.Sprintf("looks like %s by its name, but it holds the whole address (e.g. %q), whose parts have their own columns", c.slot, chars.Cut(vals[0], exampleLen)))
			continue
		}
		k, ok := kindOf(c.slot)
		if !ok || len(vals) == 0 {
			continue
		}
		if bad := slices.IndexFunc(vals, k.bad); bad >= 0 && 2*countFunc(vals, k.bad) > len(vals) {
			c.drop(fmt.Sprintf("looks like %s by its name, but its values (e.g. %q) are not %s", c.slot, chars.Cut(vals[bad], exampleLen), k.what))
			continue
		}
		if strings.HasSuffix(c.slot, "_fullname") && labels(vals) {
			c.drop(fmt.Sprintf("looks like %s by its name, but its values repeat (e.g. %q): a label, not a person's name", c.slot, chars.Cut(vals[0], exampleLen)))
			continue
		}
		if k.what == kinds["country_code"].what {
			c.codes = 5*countFunc(vals, isCountryCode) >= 4*len(vals)
			c.names = !c.codes
			c.note = "its values are ISO codes"
			if c.names {
				name := vals[slices.IndexFunc(vals, func(v string) bool { return !isCountryCode(v) })]
				c.note = fmt.Sprintf("its values are country names (e.g. %q): each is sent as its ISO code, and the report says so", chars.Cut(name, exampleLen))
			}
		}
	}
}

func countFunc(vals []string, f func(string) bool) int {
	n := 0
	for _, v := range vals {
		if f(v) {
			n++
		}
	}
	return n
}

// labels reports values that only repeat a few words ("Home", "Adres
// domowy"): at least four, at most two different.
func labels(vals []string) bool {
	if len(vals) < 4 {
		return false
	}
	seen := map[string]bool{}
	for _, v := range vals {
		seen[strings.ToLower(v)] = true
	}
	return len(seen) <= 2
}

// wholeAddress reports an address column that holds, in at least half of
// its filled rows, the postcode (4 characters or more) of a postcode
// column of the same row as well: Magento's "Billing Address", street,
// city, region and postcode in one cell.
func wholeAddress(cols [][]string, col int, postcodes []int) bool {
	filled, whole := 0, 0
	for r, v := range cols[col] {
		if v == "" {
			continue
		}
		filled++
		if slices.ContainsFunc(postcodes, func(p int) bool { return len(cols[p][r]) >= 4 && strings.Contains(v, cols[p][r]) }) {
			whole++
		}
	}
	return filled > 0 && 2*whole >= filled
}

// namesAgree reports whether a name column holds the names the first and
// last name columns hold: in at least half of the rows where both have a
// value, the full name contains the first or the last name. Without rows
// it agrees; a blank name column beside filled first and last names does
// not.
func namesAgree(cols [][]string, full, first, last int) bool {
	if cols == nil {
		return true
	}
	rows, agree, parts := 0, 0, 0
	for r := range cols[full] {
		f, a, b := fold(cols[full][r]), fold(cols[first][r]), fold(cols[last][r])
		if a != "" || b != "" {
			parts++
		}
		if f == "" || a == "" && b == "" {
			continue
		}
		rows++
		if a != "" && strings.Contains(f, a) || b != "" && strings.Contains(f, b) {
			agree++
		}
	}
	if rows == 0 {
		return parts == 0
	}
	return 2*agree >= rows
}

func fold(s string) string { return strings.Join(suggest.Words(s), " ") }

// googleSplit is the separator Google Contacts puts between several values
// of one label in a cell.
const googleSplit = " ::: "

// splitOf is " ::: " when a sampled value of the columns holds it.
func splitOf(cols [][]string, which []int) string {
	if cols == nil {
		return ""
	}
	for _, c := range which {
		if slices.ContainsFunc(cols[c], func(v string) bool { return strings.Contains(v, googleSplit) }) {
			return googleSplit
		}
	}
	return ""
}
