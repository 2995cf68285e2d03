// Package validate checks CRM field values against the API's rules before
// anything is sent, and gives the canonical form of a value.
//
// The rules come from the one field table in package baselinker: varchar(n)
// limits counted in characters after Unicode NFC (invoice_tax_id after the
// whitespace and dashes the API strips), ISO 3166-1 alpha-2 country codes
// (the officially assigned ones, from github.com/biter777/countries; a
// country's name in the usual languages, from CLDR, is read as its code with
// a warning: country.go), the star range 0–5 and integer fields. Email
// syntax is a warning, not an error. keys.go is the one identity rule: the
// form in which email, login, phone and invoice_tax_id are compared (and
// emails and logins stored). The importer and the sandbox both use
// this package, so the tool and the emulator it is tested against can never
// disagree about a rule (the sandbox, like the API, refuses country names).
package validate

import (
	"cmp"
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/biter777/countries"
	"golang.org/x/text/unicode/norm"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/chars"
)

// Severity says whether a problem stops the row.
type Severity int

const (
	// Error: the row is invalid and nothing is sent for it.
	Error Severity = iota
	// Warning: reported, but the row is still sent.
	Warning
)

// Rule names, as they appear in reports.
const (
	RuleUnknownField = "unknown_field"
	RuleInteger      = "integer"
	RuleRange        = "range"
	RuleMaxLength    = "max_length"
	RuleCountry      = "country_code"
	RuleCountryName  = "country_name" // a warning: a country's name was sent as its code
	RuleUTF8         = "utf8"
	RuleEmail        = "email"
	RuleExtraID      = "extra_field_id"
)

// Problem is one rule a value breaks.
type Problem struct {
	Field    string // API field name, or "custom_extra_fields[15]"
	Value    string
	Rule     string
	Message  string // what is wrong
	Fix      string // what to do ("" when nothing needs doing: a warning)
	Severity Severity
}

// Error is the problem as one sentence: the field, what is wrong, what to do.
func (p Problem) Error() string {
	if p.Fix == "" {
		return fmt.Sprintf("%s: %s", p.Field, p.Message)
	}
	return fmt.Sprintf("%s: %s; %s", p.Field, p.Message, p.Fix)
}

// Length is the number of characters of s after Unicode NFC, the way a
// varchar(n) column counts.
func Length(s string) int {
	return utf8.RuneCountInString(norm.NFC.String(s))
}

// NormalizeCountry trims and upper-cases a country code.
func NormalizeCountry(s string) string {
	return strings.ToUpper(chars.TrimSpace(s))
}

// notAssigned lists codes that the countries library knows but that are
// not officially assigned ISO 3166-1 alpha-2 codes, and codes people write
// for a country whose official code is another. The value is the code to
// use instead ("" when there is none) and why. Never modified.
var notAssigned = map[string]struct{ use, reason string }{
	"UK": {"GB", "UK is exceptionally reserved, not assigned; the United Kingdom is GB"},
	"EL": {"GR", "EL is exceptionally reserved, not assigned; Greece is GR"},
	"XK": {"", "XK (Kosovo) is a user-assigned code, not an ISO 3166-1 assignment"},
	"AN": {"", "AN (Netherlands Antilles) was withdrawn in 2010; use BQ, CW or SX"},
	"YU": {"RS", "YU (Yugoslavia) was withdrawn; use RS, ME, BA, HR, SI or MK"},
	"EU": {"", "EU is exceptionally reserved for the European Union, not a country"},
}

// IsCountry reports whether code (already normalised) is an officially
// assigned ISO 3166-1 alpha-2 code.
func IsCountry(code string) bool { return len(code) == 2 && assigned()[code] }

// assigned is the set of officially assigned alpha-2 codes: the countries
// library's list less the codes notAssigned names. Built once, never modified.
var assigned = sync.OnceValue(func() map[string]bool {
	set := make(map[string]bool, 256)
	for _, c := range countries.All() {
		a := c.Alpha2()
		if _, bad := notAssigned[a]; !bad && len(a) == 2 {
			set[a] = true
		}
	}
	return set
})

// SuggestCountry returns the code to use instead of a wrong one: for a
// reserved code its assigned counterpart, for a country name or a 3-letter
// code the alpha-2 code, "" when nothing fits.
func SuggestCountry(s string) string {
	code := NormalizeCountry(s)
	if na, ok := notAssigned[code]; ok {
		return na.use
	}
	// Not for a two-letter code; the Alpha2 of no country (Unknown) is "Unknown".
	if a := countries.ByName(strings.TrimSpace(s)).Alpha2(); len(code) != 2 && IsCountry(a) {
		return a
	}
	return ""
}

// Rule checks the values of one field and puts them in canonical form. For
// resolves it once; Check then runs for every value without looking the
// field up again. A Rule is a value: safe to copy and to use concurrently.
type Rule struct {
	f       *baselinker.Field // never changed
	cleaned bool              // an email or login: stored cleaned (CleanKey, keys.go)
}

// For returns the rule of the API field called name; ok is false for a name
// that is not a field addCrmClient takes a value for (custom_extra_fields
// has its own check, Extra).
func For(name string) (Rule, bool) {
	r, ok := rules()[name]
	return r, ok
}

// rules holds the Rule of every field but custom_extra_fields, by name.
// Built once, never modified: For and Normalize run for every value.
var rules = sync.OnceValue(func() map[string]Rule {
	out := make(map[string]Rule)
	for _, f := range baselinker.Fields() {
		if f.Kind != baselinker.KindExtra {
			out[f.Name] = Rule{f: &f, cleaned: f.Name == "email" || f.Name == "login"}
		}
	}
	return out
})

// Normalize returns the canonical form of value for field, the form the
// importer sends and compares: text in NFC with CR LF line breaks as LF;
// country codes trimmed and upper-cased, and country names as their codes
// (CountryCode); invoice_tax_id without whitespace and dashes; email and
// login cleaned of invisible characters (CleanKey, keys.go); integers in
// plain decimal. A value that is not valid for the field is returned as is
// (Value reports it).
func Normalize(field, value string) string {
	return rules()[field].Normalize(value) // the zero Rule (no such field) returns value as is
}

// Normalize returns the canonical form of value (see the function Normalize).
func (r Rule) Normalize(value string) string {
	switch {
	case r.f == nil, !utf8.ValidString(value):
		return value
	case r.f.Kind == baselinker.KindInt:
		if n, err := parseInt(value); err == nil {
			return strconv.FormatInt(n, 10)
		}
		return value
	case r.f.Country:
		if c := NormalizeCountry(value); c == "" || IsCountry(c) {
			return c
		}
		if code, ok := CountryCode(value); ok {
			return code
		}
		return NormalizeCountry(value)
	case r.f.StripTaxID:
		return norm.NFC.String(chars.StripSpaceAndDashes(value))
	case r.cleaned:
		return CleanKey(value)
	}
	// A line break is one, however a file spells it: CSV (encoding/csv, as
	// spreadsheets do) reads a quoted CR LF as LF.
	return norm.NFC.String(strings.ReplaceAll(value, "\r\n", "\n"))
}

// parseInt reads an integer value as the API does (white space around it allowed).
func parseInt(value string) (int64, error) {
	return strconv.ParseInt(chars.TrimSpace(value), 10, 64)
}

// Value checks one value of field against the field's rules. The value is
// checked in its canonical form (see Normalize).
func Value(field, value string) []Problem {
	r, ok := For(field)
	if !ok {
		return []Problem{unknown(field, value)}
	}
	_, ps := r.Check(value, nil)
	return ps
}

func notUTF8(field, value string) Problem {
	return Problem{Field: field, Value: value, Rule: RuleUTF8,
		Message: "the value is not valid UTF-8", Fix: "check the file's encoding (--encoding windows-1250?)"}
}

func unknown(field, value string) Problem {
	return Problem{Field: field, Value: value, Rule: RuleUnknownField,
		Message: fmt.Sprintf("%q is not a CRM field of addCrmClient", field), Fix: "see `crmbulk fields` for the names"}
}

// Check returns value in canonical form (see Normalize) and appends the
// rules it breaks to ps, in the order Value gives them. The zero Rule
// reports every value as of an unknown field.
func (r Rule) Check(value string, ps []Problem) (string, []Problem) {
	if r.f == nil {
		return value, append(ps, unknown("", value))
	}
	field := r.f.Name
	if !utf8.ValidString(value) {
		return value, append(ps, notUTF8(field, value))
	}
	if with := controlProblem(field, value, ps); len(with) > len(ps) {
		return value, with // never stored, whatever else the value is
	}
	if r.f.Kind == baselinker.KindInt {
		return r.checkInt(value, ps)
	}
	v := r.Normalize(value)
	start := len(ps)
	if n := utf8.RuneCountInString(v); r.f.MaxLen > 0 && n > r.f.MaxLen { // v is in NFC already
		what := "characters"
		if r.f.StripTaxID {
			what = "characters without whitespace and dashes"
		}
		ps = append(ps, Problem{Field: field, Value: value, Rule: RuleMaxLength,
			Message: fmt.Sprintf("%d %s, the API allows at most %d", n, what, r.f.MaxLen),
			Fix:     fmt.Sprintf("shorten it to %d %s", r.f.MaxLen, what)})
	}
	if r.f.Country && v != "" && value != v {
		if code, _ := CountryCode(value); code == v { // a name read as its code (see Normalize)
			return v, append(ps[:start], Problem{Field: field, Value: value, Rule: RuleCountryName, Severity: Warning,
				Message: fmt.Sprintf("%s → %s (sent as the country's ISO 3166-1 code)", strings.TrimSpace(value), code)})
		}
	}
	if r.f.Country && v != "" && !IsCountry(v) {
		msg := fmt.Sprintf("%s is not an ISO 3166-1 alpha-2 country code", chars.Quote(value))
		if na, ok := notAssigned[v]; ok {
			msg += " (" + na.reason + ")"
		}
		fix := "use a two-letter code such as PL, DE, GB, or the country's name in English, Polish, German or its own language"
		if s := SuggestCountry(value); s != "" {
			fix = fmt.Sprintf("use %q", s)
		} else if near := NearestCountries(value, 3); len(near) > 0 {
			fix = "did you mean " + strings.Join(near, ", ") + "?"
		}
		// A too-long value already has its own problem; keep the country one, it is the useful one.
		ps = append(ps[:start], Problem{Field: field, Value: value, Rule: RuleCountry, Message: msg, Fix: fix})
	}
	if r.cleaned {
		ps = append(ps, cleaned(field, value, v)...)
	}
	if r.f.Name == "email" && v != "" {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != strings.TrimSpace(v) || a.Name != "" {
			ps = append(ps, Problem{Field: field, Value: value, Rule: RuleEmail, Severity: Warning,
				Message: fmt.Sprintf("%s does not look like an email address (sent anyway)", chars.Quote(value))})
		}
	}
	return v, ps
}

func (r Rule) checkInt(value string, ps []Problem) (string, []Problem) {
	f := r.f
	n, err := parseInt(value)
	if err != nil {
		return value, append(ps, Problem{Field: f.Name, Value: value, Rule: RuleInteger,
			Message: fmt.Sprintf("%s is not a whole number", chars.Quote(value)), Fix: "give a whole number"})
	}
	switch {
	case f.HasRange && (n < f.Min || n > f.Max):
		ps = append(ps, Problem{Field: f.Name, Value: value, Rule: RuleRange,
			Message: fmt.Sprintf("%d is out of range", n), Fix: fmt.Sprintf("give a number from %d to %d", f.Min, f.Max)})
	case !f.HasRange && n < 0:
		ps = append(ps, Problem{Field: f.Name, Value: value, Rule: RuleRange,
			Message: fmt.Sprintf("%d is negative", n), Fix: "give 0 or more"})
	}
	return strconv.FormatInt(n, 10), ps
}

// Fields checks every value of an addCrmClient payload and returns every
// problem, in the field table's order (unknown fields after, by name; extra
// fields last, by ID).
func Fields(values map[string]string, extra map[string]string) []Problem {
	var out []Problem
	for name, v := range values {
		out = append(out, Value(name, v)...)
	}
	SortProblems(out)
	for _, id := range slices.SortedFunc(maps.Keys(extra), baselinker.CompareExtraIDs) {
		out = Extra(id, extra[id], out)
	}
	return out
}

// SortProblems puts problems of API fields in the field table's order
// (unknown fields after, by name), keeping the order of one field's own.
func SortProblems(ps []Problem) {
	pos := func(p Problem) int {
		if i := baselinker.FieldPosition(p.Field); i >= 0 {
			return i
		}
		return 1 << 30
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(pos(a), pos(b)), strings.Compare(a.Field, b.Field))
	})
}

// Extra checks one custom extra field (its ID, a positive integer, and its
// value) and appends its problems to ps.
func Extra(id, value string, ps []Problem) []Problem {
	field := "custom_extra_fields[" + id + "]"
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		ps = append(ps, Problem{Field: field, Value: id, Rule: RuleExtraID,
			Message: fmt.Sprintf("extra field ID %q is not a positive whole number", id),
			Fix:     "name the extra field by its numeric ID (as an export heads it: extra_15)"})
	}
	if !utf8.ValidString(value) {
		ps = append(ps, notUTF8(field, value))
	}
	return controlProblem(field, value, ps)
}

// HasErrors reports whether any problem is of Error severity.
func HasErrors(ps []Problem) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == Error })
}
