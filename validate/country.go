package validate

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/biter777/countries"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/norm"

	"github.com/crmbulk/crmbulk/internal/suggest"
)

// nameLanguages are the languages whose country names are read as codes,
// besides each country's own (CLDR, through x/text/language/display):
// the languages of the shops and accounting systems people migrate from.
var nameLanguages = []language.Tag{
	language.English, language.Polish, language.German, language.Czech, language.Slovak,
	language.French, language.Spanish, language.Italian, language.Dutch, language.Portuguese,
	language.Ukrainian, language.Russian, language.Hungarian, language.Lithuanian, language.Latvian,
	language.Estonian, language.Romanian, language.Swedish, language.Danish, language.Norwegian,
	language.Finnish, language.Bulgarian, language.Greek, language.Croatian, language.Slovenian,
	language.Serbian,
}

// countryNames is the table of country names: folded name → code, and the
// names as written, for suggestions. Built once, never modified.
type countryNames struct {
	code  map[string]string // folded name → alpha-2 code ("" when two countries share it)
	names []string          // every name as CLDR writes it
	of    map[string]string // a name as written → its code
}

var names = sync.OnceValue(func() *countryNames {
	t := &countryNames{code: map[string]string{}, of: map[string]string{}}
	add := func(name, code string) {
		k := foldName(name)
		if k == "" {
			return
		}
		if have, ok := t.code[k]; ok && have != code {
			t.code[k] = "" // ambiguous: no conversion
			return
		}
		t.code[k] = code
		if _, ok := t.of[name]; !ok {
			t.of[name] = code
			t.names = append(t.names, name)
		}
	}
	for code := range assigned() {
		r, err := language.ParseRegion(code)
		if err != nil {
			continue
		}
		langs := nameLanguages
		if base, conf := language.Make("und-" + code).Base(); conf != language.No {
			langs = append(slices.Clip(langs), language.Make(base.String())) // its own language
		}
		for _, lang := range langs {
			if n := display.Regions(lang); n != nil { // nil: no names in that language
				add(n.Name(r), code)
			}
		}
		c := countries.ByName(code)
		add(c.String(), code) // the library's English name
		add(c.Alpha3(), code) // POL, DEU
	}
	slices.Sort(t.names)
	return t
})

// foldName is a name as compared: lower case, without diacritics and
// punctuation, spaces collapsed ("Côte d’Ivoire" → "cote divoire").
func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteString(foldLetter(r))
		case unicode.IsSpace(r) || r == '-' || r == '_' || r == '/':
			space = true
		}
	}
	return b.String()
}

// foldLetter spells the letters NFD does not decompose as ASCII.
func foldLetter(r rune) string {
	switch r {
	case 'ł':
		return "l"
	case 'ø':
		return "o"
	case 'đ':
		return "d"
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ı':
		return "i"
	}
	return string(r)
}

// CountryCode reads a country as people write it: a name in English,
// Polish, German, its own language and the other languages of
// nameLanguages (Polska, Poland, Niemcy, Deutschland, Česko, Czechy,
// Tschechien), an alpha-3 code (POL), and the usual non-codes UK and EL,
// compared ignoring case, diacritics and punctuation. ok is false when the
// value names no country, or two.
func CountryCode(s string) (code string, ok bool) {
	switch NormalizeCountry(s) {
	case "UK":
		return "GB", true
	case "EL":
		return "GR", true
	}
	code = names().code[foldName(s)]
	return code, code != ""
}

// NearestCountries returns up to n country names closest to s, each with
// its code ("Polska (PL)"), for an unknown name's message.
func NearestCountries(s string, n int) []string {
	t := names()
	// Only names of about the same length can be near (Closest allows a
	// third of the length): an invalid value costs a few hundred
	// comparisons, not every name in every language.
	k := len([]rune(foldName(s)))
	cands := slices.DeleteFunc(slices.Clone(t.names), func(c string) bool {
		d := len([]rune(foldName(c))) - k
		return d > max(2, k/3) || -d > max(2, k/3)
	})
	var out []string
	for len(out) < n && len(cands) > 0 {
		best := suggest.Closest(s, cands)
		if best == "" {
			break
		}
		out = append(out, best+" ("+t.of[best]+")")
		cands = slices.DeleteFunc(cands, func(c string) bool { return c == best })
	}
	return out
}
