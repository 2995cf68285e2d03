package validate

import (
	"maps"
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
	names []string          // every name as written, sorted: the keys of of
	of    map[string]string // a name as written (CLDR's, the library's, commonNames) → its code
}

var names = sync.OnceValue(func() *countryNames {
	t := &countryNames{code: map[string]string{}, of: map[string]string{}}
	add := func(name, code string) {
		if k := foldName(name); k != "" && share(t.code, k, code) {
			t.of[name] = code
		}
	}
	// Long, former and common forms first: they name one country whatever
	// a CLDR name in another language says.
	for name, code := range commonNames {
		t.code[foldName(name)], t.of[name] = code, code
	}
	regions := map[string]language.Region{} // by code
	for _, code := range slices.Sorted(maps.Keys(assigned())) {
		r, err := language.ParseRegion(code)
		if err != nil {
			continue
		}
		regions[code] = r
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
	// Then every other language CLDR has names in: a name only they know
	// is read, but never one the languages above read otherwise, and a
	// name two of them give two countries is none.
	other := map[string]string{}
	for _, lang := range display.Supported.Tags() {
		n := display.Regions(lang)
		if n == nil {
			continue
		}
		for code, r := range regions { // (in any order: a name two codes share is none)
			k := foldName(n.Name(r))
			if _, ok := t.code[k]; ok || k == "" {
				continue
			}
			share(other, k, code) // read, but not offered as a suggestion
		}
	}
	maps.Copy(t.code, other)
	t.names = slices.Sorted(maps.Keys(t.of))
	return t
})

// share gives the folded name k to code in m, or to no code ("": no
// conversion) when another code has it already; it reports whether k is
// code's.
func share(m map[string]string, k, code string) bool {
	if have, ok := m[k]; ok && have != code {
		m[k] = ""
		return false
	}
	m[k] = code
	return true
}

// commonNames are the long, former and everyday names of countries that
// CLDR's one name per language leaves out, as customer files hold them.
var commonNames = map[string]string{
	"Czech Republic": "CZ", "Česká republika": "CZ", "Republika Czeska": "CZ", "Tschechische Republik": "CZ",
	"République tchèque": "CZ", "Repubblica Ceca": "CZ", "República Checa": "CZ", "Tsjechische Republiek": "CZ",
	"Slovak Republic": "SK", "Slovenská republika": "SK", "Republika Słowacka": "SK", "Slowakische Republik": "SK",
	"Republic of Korea": "KR", "Korea, Republic of": "KR", "South Korea": "KR", "Korea (South)": "KR",
	"Democratic People's Republic of Korea": "KP", "Korea, Democratic People's Republic of": "KP", "North Korea": "KP",
	"Holland": "NL", "The Netherlands": "NL", "Holandia": "NL", "Holandsko": "NL",
	"Great Britain": "GB", "Britain": "GB", "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
	"United Kingdom of Great Britain and Northern Ireland": "GB", "Großbritannien": "GB", "Anglia": "GB", "Velká Británie": "GB",
	"Türkiye": "TR", "Turkey": "TR", "Turkiye": "TR", "Republic of Türkiye": "TR",
	"Macedonia": "MK", "Republic of Macedonia": "MK", "FYROM": "MK", "Former Yugoslav Republic of Macedonia": "MK",
	"Mazedonien": "MK", "Makedonie": "MK", "North Macedonia": "MK", "Republic of North Macedonia": "MK",
	"Macedonia Północna": "MK", "Nordmazedonien": "MK", "Severní Makedonie": "MK", "Macédoine du Nord": "MK",
	"Eswatini": "SZ", "Cabo Verde": "CV",
	"Russian Federation": "RU", "Federacja Rosyjska": "RU", "Russische Föderation": "RU",
	"USA": "US", "U.S.A.": "US", "United States of America": "US", "Stany Zjednoczone Ameryki": "US", "Vereinigte Staaten von Amerika": "US",
	"UAE": "AE", "Federal Republic of Germany": "DE", "Bundesrepublik Deutschland": "DE", "BRD": "DE",
	"Republic of Poland": "PL", "Rzeczpospolita Polska": "PL",
	"Republic of Austria": "AT", "Republik Österreich": "AT", "Swiss Confederation": "CH", "Schweizerische Eidgenossenschaft": "CH",
	"Republic of Moldova": "MD", "Moldova, Republic of": "MD", "Bosnia": "BA", "Ivory Coast": "CI", "Swaziland": "SZ",
	"Burma": "MM", "Cape Verde": "CV", "East Timor": "TL", "Vatican": "VA", "Holy See": "VA", "Vatican City": "VA",
	"Iran, Islamic Republic of": "IR", "Viet Nam": "VN", "Lao People's Democratic Republic": "LA", "Syrian Arab Republic": "SY",
	"Tanzania, United Republic of": "TZ", "Bolivia, Plurinational State of": "BO", "Venezuela, Bolivarian Republic of": "VE",
	"Taiwan, Province of China": "TW", "Palestine, State of": "PS", "Hong Kong SAR": "HK", "Macao SAR": "MO",
}

// foldName is a name as compared: lower case, without diacritics and
// punctuation, spaces collapsed ("Côte d’Ivoire" → "cote divoire").
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteString(suggest.FoldLetter(r))
		case unicode.IsSpace(r) || r == '-' || r == '_' || r == '/':
			b.WriteByte(' ') // a word break; marks and other punctuation are dropped
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// CountryCode reads a country as people write it: a name in English,
// Polish, German, its own language and the other languages of
// nameLanguages (Polska, Poland, Niemcy, Deutschland, Česko, Czechy,
// Tschechien), in any other language CLDR has (where no name above reads
// otherwise), a long, former or common form (Czech Republic, Česká
// republika, Holland, Great Britain, Turkey, Macedonia), an alpha-3 code
// (POL), and the usual non-codes UK and EL,
// compared ignoring case, diacritics and punctuation. ok is false when the
// value names no country, or two.
func CountryCode(s string) (code string, ok bool) {
	if c := NormalizeCountry(s); c == "UK" || c == "EL" {
		return notAssigned[c].use, true // GB, GR
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
