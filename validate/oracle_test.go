package validate

import (
	"fmt"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/crmbulk/crmbulk/baselinker"
)

// The functions below are validate's checks as they were before Rule (one
// field-table look-up, NFC and UTF-8 check per value, no fast paths). They
// are kept as the oracle the fast paths of Rule are held to.

func oldNormalize(f baselinker.Field, value string) string {
	switch {
	case f.Kind == baselinker.KindInt:
		if n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		return value
	case f.Country:
		return NormalizeCountry(value)
	case f.StripTaxID:
		return norm.NFC.String(NormalizeTaxID(value))
	}
	if !utf8.ValidString(value) {
		return value
	}
	return norm.NFC.String(value)
}
func oldValue(field, value string) []Problem {
	f, ok := baselinker.LookupField(field)
	if !ok || f.Kind == baselinker.KindExtra {
		return []Problem{{Field: field, Value: value, Rule: RuleUnknownField,
			Message: fmt.Sprintf("%q is not a CRM field of addCrmClient; see `crmbulk fields`", field)}}
	}
	if !utf8.ValidString(value) {
		return []Problem{{Field: field, Value: value, Rule: RuleUTF8,
			Message: "the value is not valid UTF-8; check the file's encoding (--encoding windows-1250?)"}}
	}
	if f.Kind == baselinker.KindInt {
		return oldCheckInt(f, value)
	}
	v := oldNormalize(f, value)
	var out []Problem
	if f.MaxLen > 0 {
		// v is in NFC already: count its characters (bytes bound them from above).
		if len(v) > f.MaxLen && utf8.RuneCountInString(v) > f.MaxLen {
			n := utf8.RuneCountInString(v)
			what := "characters"
			if f.StripTaxID {
				what = "characters without whitespace and dashes"
			}
			out = append(out, Problem{Field: field, Value: value, Rule: RuleMaxLength,
				Message: fmt.Sprintf("%d %s, the API allows at most %d; shorten it", n, what, f.MaxLen)})
		}
	}
	if f.Country && v != "" && !IsCountry(v) {
		msg := fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", value)
		if _, reason, ok := notAssigned(v); ok {
			msg += " (" + reason + ")"
		}
		if s := SuggestCountry(value); s != "" {
			msg += fmt.Sprintf("; use %q", s)
		} else {
			msg += "; use a two-letter code such as PL, DE, GB (a value map in the mapping file can translate names)"
		}
		// A too-long value already has its own problem; keep the country one, it is the useful one.
		out = append(out[:0], Problem{Field: field, Value: value, Rule: RuleCountry, Message: msg})
	}
	if field == "email" && v != "" && !plainEmail(v) {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != strings.TrimSpace(v) || a.Name != "" {
			out = append(out, Problem{Field: field, Value: value, Rule: RuleEmail, Severity: Warning,
				Message: fmt.Sprintf("%q does not look like an email address (sent anyway)", value)})
		}
	}
	return out
}
func oldCheckInt(f baselinker.Field, value string) []Problem {
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return []Problem{{Field: f.Name, Value: value, Rule: RuleInteger,
			Message: fmt.Sprintf("%q is not a whole number", value)}}
	}
	lo, hi := int64(0), int64(1<<63-1)
	if f.HasRange {
		lo, hi = f.Min, f.Max
	}
	if n < lo || n > hi {
		msg := fmt.Sprintf("%d is out of range; must be %d to %d", n, lo, hi)
		if !f.HasRange {
			msg = fmt.Sprintf("%d is negative; must be 0 or more", n)
		}
		return []Problem{{Field: f.Name, Value: value, Rule: RuleRange, Message: msg}}
	}
	return nil
}

// oldPlainEmail is plainEmail as it was (several passes).
func oldPlainEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || at == len(s)-1 {
		return false
	}
	dom := s[at+1:]
	dot := strings.IndexByte(dom, '.')
	if dot <= 0 || dom[len(dom)-1] == '.' || strings.Contains(dom, "..") || s[0] == '.' || s[at-1] == '.' || strings.Contains(s[:at], "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '@', c == '.', c == '-', c == '_', c == '+':
		default:
			return false
		}
	}
	return true
}

// oldIsCountry is IsCountry as it was (a map look-up).
func oldIsCountry(code string) bool { return len(code) == 2 && assigned()[code] }

// checkRule holds Rule.Check and Rule.Normalize to the oracle for one value.
func checkRule(t *testing.T, field, value string) {
	t.Helper()
	if plainEmail(value) != oldPlainEmail(value) || IsCountry(value) != oldIsCountry(value) {
		t.Fatalf("%q: plainEmail %v (was %v), IsCountry %v (was %v)", value, plainEmail(value), oldPlainEmail(value), IsCountry(value), oldIsCountry(value))
	}
	r, ok := For(field)
	want := oldValue(field, value)
	if !ok {
		if len(want) != 1 || want[0].Rule != RuleUnknownField {
			t.Fatalf("For(%q) found no rule, but the oracle says %v", field, want)
		}
		return
	}
	canon, got := r.Check(value, nil)
	if len(got) == 0 {
		got = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %q: Check = %+v, oracle %+v", field, value, got, want)
	}
	if !utf8.ValidString(value) {
		return // the row is invalid: its canonical form is never used
	}
	f, _ := baselinker.LookupField(field)
	if wantN := oldNormalize(f, value); canon != wantN || r.Normalize(value) != wantN || Normalize(field, value) != wantN {
		t.Fatalf("%s %q: canonical %q / Normalize %q, oracle %q", field, value, canon, r.Normalize(value), wantN)
	}
}

var ruleSeeds = []string{"", " ", "PL", "pl", " PL", "UK", "Polska", "ż", "e\u0301", "00-950", "0", "00", "007", "5", " 5 ",
	"-1", "+3", "6", "123456789012345678", "1234567890123456789", "99999999999999999999", "a@b.pl", "A B@x", "x@y..z",
	"PL 526-000-12-46", "\u00a0PL", "\xff", "Ü", strings.Repeat("a", 501), strings.Repeat("ł", 21),
	".a@b.c", "a.@b.c", "a@.b.c", "a@b.c.", "a@b..c", "a..b@c.d", "a@b@c.d", "@b.c", "a@", "a@bc", "a@b.c@", "a+b_c-d@e-f.gh", "GB", "Gb", "[Z", "ZW", "Z[", "\xc3\x81A"}

func TestRuleMatchesOracle(t *testing.T) {
	for _, f := range baselinker.Fields() {
		for _, v := range ruleSeeds {
			checkRule(t, f.Name, v)
		}
	}
	checkRule(t, "emial", "x")
}

func FuzzRule(f *testing.F) {
	for _, v := range ruleSeeds {
		f.Add(uint8(0), v)
	}
	fields := baselinker.Fields()
	f.Fuzz(func(t *testing.T, i uint8, value string) {
		checkRule(t, fields[int(i)%len(fields)].Name, value)
	})
}

// BenchmarkCheckRow checks the fields of a typical imported row, the way
// the importer does (rules resolved once).
func BenchmarkCheckRow(b *testing.B) {
	row := map[string]string{"email": "client1@example.com", "invoice_fullname": "Jan Kowalski 1", "invoice_company": "Kowalski Sp. z o.o.",
		"invoice_address": "ul. Długa 1", "invoice_postcode": "00-950", "invoice_city": "Gdańsk", "invoice_country_code": "PL",
		"phone": "+48 600 000001", "star": "1"}
	type fv struct {
		r Rule
		v string
	}
	var vals []fv
	for k, v := range row {
		r, _ := For(k)
		vals = append(vals, fv{r, v})
	}
	b.Run("Rule.Check", func(b *testing.B) {
		var ps []Problem
		for b.Loop() {
			for _, x := range vals {
				_, ps = x.r.Check(x.v, ps[:0])
			}
		}
	})
	b.Run("oracle", func(b *testing.B) {
		for b.Loop() {
			for k, v := range row {
				_ = oldValue(k, v)
				f, _ := baselinker.LookupField(k)
				_ = oldNormalize(f, v)
			}
		}
	})
}
