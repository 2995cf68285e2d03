package validate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// lookAlikes are spellings of jan.kowalski@example.com that people and
// programs leave in spreadsheets, each one character class.
var lookAlikes = []struct{ name, in string }{
	{"zero-width space", "jan.kowalski\u200b@example.com"},
	{"zero-width joiner", "jan.ko\u200dwalski@example.com"},
	{"zero-width non-joiner", "jan.kowal\u200cski@example.com"},
	{"word joiner", "jan\u2060.kowalski@example.com"},
	{"soft hyphen", "jan.kowal\u00adski@example.com"},
	{"byte-order mark", "\ufeffjan.kowalski@example.com"},
	{"no-break space around", "\u00a0jan.kowalski@example.com\u00a0"},
	{"narrow no-break space", "jan.kowalski@example.com\u202f"},
	{"ideographic space", "\u3000jan.kowalski@example.com"},
	{"full-width letters", "ｊａｎ．ｋｏｗａｌｓｋｉ@example.com"},
	{"full-width at sign", "jan.kowalski＠example.com"},
	{"small at sign", "jan.kowalski﹫example.com"},
	{"trailing spaces and tab", "jan.kowalski@example.com  \t"},
	{"upper case", "Jan.Kowalski@EXAMPLE.COM"},
	{"left-to-right mark", "\u200ejan.kowalski@example.com"},
}

func TestMatchKeyLookAlikes(t *testing.T) {
	want := "jan.kowalski@example.com"
	for _, tt := range lookAlikes {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchKey("email", tt.in); got != want {
				t.Errorf("MatchKey(email, %q) = %q, want %q", tt.in, got, want)
			}
			if got := MatchKey("login", tt.in); got != want {
				t.Errorf("MatchKey(login, %q) = %q, want %q", tt.in, got, want)
			}
			// Stored cleaned, its case kept.
			clean := Normalize("email", tt.in)
			if strings.ToLower(clean) != want {
				t.Errorf("Normalize(email, %q) = %q, want %q in some case", tt.in, clean, want)
			}
		})
	}
}

func TestMatchKey(t *testing.T) {
	tests := []struct{ field, in, want string }{
		{"email", " Jan@Example.COM ", "jan@example.com"},
		{"email", "Zo\u0308fia@example.com", "zöfia@example.com"}, // NFD → NFC
		{"email", "STRASSE@x.de", "strasse@x.de"},
		{"email", "", ""},
		{"email", "\u200b\u00a0", ""},
		{"phone", "+48 600-700-800", "+48600700800"},
		{"phone", "0048 600 700 800", "+48600700800"},
		{"phone", "600 700 800", "600700800"},
		{"phone", "＋４８ ６００ ７００ ８００", "+48600700800"},
		{"phone", "\u200b+48 600\u00a0700 800", "+48600700800"},
		{"phone", "n/a", ""},
		{"invoice_tax_id", "pl 526-000-12-46", "5260001246"},
		{"invoice_tax_id", "PL 123-456-32-18", "1234563218"},
		{"invoice_tax_id", "1234563218", "1234563218"},
		{"invoice_tax_id", "123 456 32 18", "1234563218"},
		{"invoice_tax_id", "ＰＬ１２３４５６３２１８", "1234563218"},
		{"invoice_tax_id", "DE 123456789", "123456789"},
		{"invoice_tax_id", "EL123456789", "123456789"},
		{"invoice_tax_id", "ESB12345678", "B12345678"},
		{"invoice_tax_id", "B12345678", "B12345678"},
		{"invoice_tax_id", "QQ123", "QQ123"}, // not a country
		{"invoice_tax_id", "brak", ""},
		{"invoice_tax_id", "PL", ""},
		{"login", " JanK ", "jank"},
		{"login", "jan\u00adk", "jank"},
		{"invoice_city", " Łódź ", "Łódź"},
	}
	for _, tt := range tests {
		if got := MatchKey(tt.field, tt.in); got != tt.want {
			t.Errorf("MatchKey(%s, %q) = %q, want %q", tt.field, tt.in, got, tt.want)
		}
	}
}

func TestCleanedWarning(t *testing.T) {
	tests := []struct {
		field, in, stored string
		warned            bool
	}{
		{"email", "jan@example.com", "jan@example.com", false},
		{"email", "  Jan@Example.com ", "Jan@Example.com", false}, // white space around only
		{"email", "jan\u200b@example.com", "jan@example.com", true},
		{"email", "Jan＠Example.com", "Jan@Example.com", true},
		{"email", "jan@example.com\u00a0", "jan@example.com", false},
		{"email", "zo\u0308fia@example.com", "zöfia@example.com", false}, // NFC, as every text
		{"login", "ｊａｎ", "jan", true},
		{"invoice_fullname", "Jan\u200b Kowalski", "Jan\u200b Kowalski", false}, // not a key: as it is
	}
	for _, tt := range tests {
		r, _ := For(tt.field)
		got, ps := r.Check(tt.in, nil)
		if got != tt.stored {
			t.Errorf("Check(%s, %q) = %q, want %q", tt.field, tt.in, got, tt.stored)
		}
		warned := false
		for _, p := range ps {
			if p.Rule == RuleCleaned {
				warned = true
				if p.Severity != Warning || !strings.Contains(p.Message, "→") {
					t.Errorf("Check(%s, %q): %+v", tt.field, tt.in, p)
				}
			}
		}
		if warned != tt.warned {
			t.Errorf("Check(%s, %q) warned %v, want %v (%v)", tt.field, tt.in, warned, tt.warned, ps)
		}
	}
}

func TestSame(t *testing.T) {
	tests := []struct {
		field, a, b string
		want        bool
	}{
		{"email", "jan@x.pl", "JAN@X.PL\u200b", true},
		{"email", "jan@x.pl", "anna@x.pl", false},
		{"invoice_tax_id", "PL1234563218", "123-456-32-18", true},
		{"phone", "0048600700800", "+48 600 700 800", true},
		{"invoice_city", "Łódź", "Lo\u0301dz", false},
		{"invoice_city", "Ło\u0301dz", "Łódz", true}, // NFC
		{"invoice_city", "Warsaw", "warsaw", false},
	}
	for _, tt := range tests {
		if got := Same(tt.field, tt.a, tt.b); got != tt.want {
			t.Errorf("Same(%s, %q, %q) = %v, want %v", tt.field, tt.a, tt.b, got, tt.want)
		}
	}
}

// FuzzCleanKey: the canonical forms are fixed points — cleaning or keying
// a canonical value again changes nothing — and valid text stays valid.
func FuzzCleanKey(f *testing.F) {
	for _, tt := range lookAlikes {
		f.Add(tt.in)
	}
	for _, s := range []string{"", "PL 123-456-32-18", "0048 600", "e\u200d\u0301", "\u0345\u0130", "ﷺ", "ß", "İstanbul", "\xff@x", "a\u034fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanKey(s)
		if again := CleanKey(c); again != c {
			t.Fatalf("CleanKey(%q) = %q, but CleanKey(%q) = %q", s, c, c, again)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(c) || strings.TrimSpace(c) != c) {
			t.Fatalf("CleanKey(%q) = %q: not valid or not trimmed", s, c)
		}
		for _, field := range []string{"email", "login", "phone", "invoice_tax_id"} {
			k := MatchKey(field, s)
			if again := MatchKey(field, k); again != k {
				t.Fatalf("MatchKey(%s, %q) = %q, but MatchKey(%s, %q) = %q", field, s, k, field, k, again)
			}
		}
	})
}
