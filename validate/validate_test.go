package validate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValue(t *testing.T) {
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	tests := []struct {
		field, value string
		rule         string // "" = no problem
		sev          Severity
		contains     string
	}{
		{"email", "jan@example.com", "", Error, ""},
		{"email", "not an email", RuleEmail, Warning, "does not look like an email"},
		{"email", long("a", 209) + "@example.com", RuleMaxLength, Error, "221 characters"},
		{"invoice_postcode", "00-950", "", Error, ""},
		{"invoice_postcode", long("9", 21), RuleMaxLength, Error, "at most 20"},
		// 20 multibyte characters are 20, not 40: lengths are characters.
		{"invoice_postcode", long("ł", 20), "", Error, ""},
		// "e" + combining acute is one character after NFC.
		{"invoice_state", long("e\u0301", 35), "", Error, ""},
		{"invoice_state", long("e\u0301", 36), RuleMaxLength, Error, "36 characters"},
		{"invoice_country_code", "PL", "", Error, ""},
		{"invoice_country_code", " pl ", "", Error, ""},
		{"invoice_country_code", "UK", RuleCountryName, Warning, "UK → GB"},
		{"invoice_country_code", "el", RuleCountryName, Warning, "el → GR"},
		{"invoice_country_code", "XK", RuleCountry, Error, "user-assigned"},
		{"invoice_country_code", "Polska", RuleCountryName, Warning, "Polska → PL"},
		{"invoice_country_code", "Poland", RuleCountryName, Warning, "Poland → PL"},
		{"invoice_country_code", "NIEMCY", RuleCountryName, Warning, "NIEMCY → DE"},
		{"invoice_country_code", "Deutschland", RuleCountryName, Warning, "→ DE"},
		{"invoice_country_code", "Česko", RuleCountryName, Warning, "→ CZ"},
		{"invoice_country_code", "czechy", RuleCountryName, Warning, "→ CZ"},
		{"invoice_country_code", "Tschechien", RuleCountryName, Warning, "→ CZ"},
		{"invoice_country_code", "Wielka Brytania", RuleCountryName, Warning, "→ GB"},
		{"invoice_country_code", "Cote d'Ivoire", RuleCountryName, Warning, "→ CI"},
		{"invoice_country_code", "POL", RuleCountryName, Warning, "→ PL"},
		{"invoice_country_code", "Polsak", RuleCountry, Error, "did you mean"},
		{"invoice_country_code", "Atlantis", RuleCountry, Error, "two-letter code"},
		{"invoice_country_code", "ZZ", RuleCountry, Error, "not an ISO 3166-1"},
		{"delivery_country_code", "", "", Error, ""},
		// 50 characters after removing whitespace and dashes is fine.
		{"invoice_tax_id", "PL " + long("1-", 48), "", Error, ""},
		{"invoice_tax_id", long("1", 51), RuleMaxLength, Error, "without whitespace and dashes"},
		{"star", "5", "", Error, ""},
		{"star", " 0 ", "", Error, ""},
		{"star", "6", RuleRange, Error, "0 to 5"},
		{"star", "-1", RuleRange, Error, "0 to 5"},
		{"star", "2.5", RuleInteger, Error, "whole number"},
		{"status_id", "abc", RuleInteger, Error, "whole number"},
		{"contractor_id", "-3", RuleRange, Error, "negative"},
		{"crm_client_id", "12", "", Error, ""},
		{"notes", long("ż", 10000), "", Error, ""},
		{"login", "\xff\xfe", RuleUTF8, Error, "encoding"},
		{"emial", "x", RuleUnknownField, Error, "crmbulk fields"},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+truncate(tt.value), func(t *testing.T) {
			ps := Value(tt.field, tt.value)
			if tt.rule == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problem, got %v", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("want one %s problem, got %v", tt.rule, ps)
			}
			p := ps[0]
			if p.Rule != tt.rule || p.Severity != tt.sev || !strings.Contains(p.Error(), tt.contains) {
				t.Errorf("got %+v, want rule %s severity %v containing %q", p, tt.rule, tt.sev, tt.contains)
			}
			if p.Field != tt.field || p.Value != tt.value {
				t.Errorf("problem names %s=%q, want %s=%q", p.Field, p.Value, tt.field, tt.value)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func TestIsCountry(t *testing.T) {
	for _, c := range []string{"PL", "DE", "GB", "US", "AQ", "BQ", "CW", "SX", "SS"} {
		if !IsCountry(c) {
			t.Errorf("IsCountry(%s) = false, want true", c)
		}
	}
	if n := len(assigned()); n != 249 {
		t.Errorf("%d officially assigned codes, ISO 3166-1 has 249", n)
	}
	for _, c := range []string{"UK", "EL", "XK", "AN", "YU", "EU", "ZZ", "pl", "P", "POL", ""} {
		if IsCountry(c) {
			t.Errorf("IsCountry(%q) = true, want false", c)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ field, in, want string }{
		{"invoice_country_code", " de ", "DE"},
		{"invoice_tax_id", "PL 526-000-12-46", "PL5260001246"},
		{"star", " 03 ", "3"},
		{"invoice_fullname", "Jose\u0301", "José"},
		{"phone", "+48 600 700 800", "+48 600 700 800"},
	}
	for _, tt := range tests {
		got := Normalize(tt.field, tt.in)
		if got != tt.want {
			t.Errorf("Normalize(%s, %q) = %q, want %q", tt.field, tt.in, got, tt.want)
		}
	}
}

func TestFieldsOrderAndExtra(t *testing.T) {
	ps := Fields(map[string]string{
		"star": "9", "email": "x", "invoice_country_code": "XK", "bogus": "1",
	}, map[string]string{"15": "ok", "abc": "v", "7": "\xff"})
	var got []string
	for _, p := range ps {
		got = append(got, p.Field+":"+p.Rule)
	}
	want := []string{
		"star:range", "email:email", "invoice_country_code:country_code", "bogus:unknown_field",
		"custom_extra_fields[7]:utf8", "custom_extra_fields[abc]:extra_field_id",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems in order\n got %v\nwant %v", got, want)
	}
	if !HasErrors(ps) {
		t.Error("HasErrors = false")
	}
	if HasErrors(Value("email", "x")) {
		t.Error("an email warning alone must not make the row invalid")
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{"PL", "uk", "00-950", "e\u0301", "\xff", "-5", "99999999999999999999", "a@b.c", "Polska", "Česko ", "côte d’ivoire", "Polsak"} {
		f.Add("invoice_country_code", s)
		f.Add("star", s)
		f.Add("email", s)
		f.Add("invoice_tax_id", s)
	}
	f.Fuzz(func(t *testing.T, field, value string) {
		ps := Value(field, value)
		for _, p := range ps {
			if p.Message == "" || p.Rule == "" {
				t.Fatalf("problem without rule or message: %+v", p)
			}
		}
		n := Normalize(field, value)
		if utf8.ValidString(value) && !utf8.ValidString(n) {
			t.Fatalf("Normalize made invalid UTF-8 of %q", value)
		}
		_ = MatchKey(field, value)
		// The canonical form is a fixed point: checking it again changes
		// nothing and finds the same rules broken.
		if r, ok := For(field); ok {
			canon, ps1 := r.Check(value, nil)
			again, ps2 := r.Check(canon, nil)
			if again != canon || HasErrors(ps1) != HasErrors(ps2) {
				t.Fatalf("Check(%q) = %q %v, but Check(%q) = %q %v", value, canon, ps1, canon, again, ps2)
			}
		}
	})
}

// TestCountryNames: English and own-language names, the long, former and
// common forms customer files hold, and names in languages beyond the
// region's (CLDR) are read as codes.
func TestCountryNames(t *testing.T) {
	tests := map[string]string{
		"Czech Republic": "CZ", "Česká republika": "CZ", "Czechia": "CZ", "Česko": "CZ", "Czechy": "CZ", "Tschechien": "CZ",
		"Republic of Korea": "KR", "Holland": "NL", "Great Britain": "GB", "Türkiye": "TR", "Turkey": "TR",
		"Macedonia": "MK", "North Macedonia": "MK", "Slovensko": "SK", "Szlovákia": "SK", "Україна": "UA", "Ukraina": "UA",
		"Niemcy": "DE", "Deutschland": "DE", "Polen": "PL", "Litwa": "LT", "Węgry": "HU", "Słowacja": "SK",
		"Schweiz": "CH", "Frankreich": "FR", "Japonia": "JP", "Italia": "IT", "Sverige": "SE",
		"Polonia": "PL", "Lengyelország": "PL", "Pologne": "PL", "Польша": "PL",
		"Vietnam": "VN", "Ελλάδα": "GR", "日本": "JP",
	}
	for name, want := range tests {
		if got, ok := CountryCode(name); !ok || got != want {
			t.Errorf("CountryCode(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"Korea", "Nowhere"} {
		if got, ok := CountryCode(name); ok {
			t.Errorf("CountryCode(%q) = %q, want none (ambiguous or unknown)", name, got)
		}
	}
}
