package suggest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Words folds a name to lower-case words without diacritics (ł → l,
// ß → ss): split at everything that is not a letter or a digit, between
// letters and digits ("Address1" → address 1) and at CamelCase humps
// ("MailingStreet" → mailing street, "VATNumber" → vat number). Cyrillic
// stays Cyrillic (й → и, ё → е). The one tokenizer of column names.
func Words(s string) []string {
	rs := []rune(strings.TrimPrefix(s, "\ufeff"))
	var f strings.Builder // words and spaces, which strings.Fields collapses
	digit := false        // the last letter or digit written was a digit
	for i, c := range rs {
		if i > 0 && unicode.IsUpper(c) && hump(rs, i) {
			f.WriteRune(' ')
		}
		// Each rune lower-cased and decomposed on its own: the marks NFD
		// would reorder are dropped anyway.
		for _, r := range norm.NFD.String(strings.ToLower(string(c))) {
			switch {
			case unicode.Is(unicode.Mn, r):
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				if d := unicode.IsDigit(r); d != digit {
					f.WriteRune(' ') // "address1": a letter and a digit part
					digit = d
				}
				f.WriteString(FoldLetter(r))
			case r == '\'' || r == '’':
				// "nom d'utilisateur", "ім'я": an apostrophe joins.
			default:
				f.WriteRune(' ')
			}
		}
	}
	return strings.Fields(f.String())
}

// hump reports an upper-case letter at i that starts a word of a
// CamelCase name: after a lower-case letter (mailingStreet), or the last
// capital of a run followed by a lower-case letter (VATNumber). A name in
// capitals (EMAIL, FNAME) has no humps.
func hump(rs []rune, i int) bool {
	prev := rs[i-1]
	return unicode.IsLower(prev) || unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1])
}

// FoldLetter spells the letters NFD does not decompose as ASCII (ł → l,
// ß → ss): names and column names are compared without them.
func FoldLetter(r rune) string {
	if s, ok := foldedLetters[r]; ok {
		return s
	}
	return string(r)
}

var foldedLetters = map[rune]string{'ł': "l", 'ø': "o", 'đ': "d", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'ı': "i"}

// Key is a name as the vocabulary looks it up: its words joined.
func Key(s string) string { return strings.Join(Words(s), "") }

// vocab is the vocabulary, folded for lookup.
type vocab struct {
	concept  map[string]Concept // phrase key → concept
	keys     []string           // the phrase keys, sorted (fuzzy matching is deterministic)
	section  map[string]string  // word → invoice, delivery, business, private
	stop     map[string]bool
	address  map[string]bool
	conflict []string // phrase keys given to two concepts (TestVocabularyOneMeaning)
}

var table = sync.OnceValue(func() *vocab {
	v := &vocab{concept: map[string]Concept{}, section: map[string]string{}, stop: map[string]bool{}, address: map[string]bool{}}
	for _, p := range phrases {
		for _, ph := range strings.Split(p.list, "|") {
			k := Key(ph)
			if have, ok := v.concept[k]; ok && have.Name != p.concept {
				v.conflict = append(v.conflict, k+": "+have.Name+" and "+p.concept)
				continue
			}
			v.concept[k] = ConceptOf(p.concept)
		}
	}
	v.keys = slices.Sorted(maps.Keys(v.concept))
	for _, s := range sectionPhrases {
		for _, w := range strings.Split(s.list, "|") {
			v.section[Key(w)] = s.section
		}
	}
	for _, s := range stopWords {
		for _, w := range strings.Split(s.list, "|") {
			v.stop[Key(w)] = true
		}
	}
	for _, w := range addressWords {
		v.address[Key(w)] = true
	}
	return v
})

// Match says how a name was read.
type Match int

const (
	// NoMatch: the vocabulary has no meaning for the name.
	NoMatch Match = iota
	// Phrase: the name (without its section and number) is a phrase of the
	// vocabulary.
	Phrase
	// Near: the name is close to a phrase (see Reading.Score).
	Near
)

// Reading is a column name taken apart and looked up.
type Reading struct {
	// Words are all the name's words (Words).
	Words []string
	// Entity is the record type of a prefix ("Person - Email",
	// "Organization - Name"): person or organization, "" when none.
	Entity string
	// Section is invoice, delivery, business or private; Explicit says a
	// word of the name gave it (else Section is invoice).
	Section  string
	Explicit bool
	// Rest are the words without the entity, the section and the number.
	Rest []string
	// N is the name's number among its twins ("E-mail 2", "Telefon 2");
	// 0 when none.
	N int
	// Stop: a word marks the column as not client data.
	Stop bool
	// Match, Concept and Score: what the name means; Score is 1 for a
	// Phrase, the similarity for Near.
	Match   Match
	Concept Concept
	Score   float64
}

// MinScore is the similarity a name needs to be read as the nearest phrase
// (Near) when no phrase is its own.
const MinScore = 0.8

// Read takes a column name apart — an entity prefix, words in brackets
// ("Email (Work)", "Phone [Mobile]"), its section word, its number — and
// looks it up in the vocabulary: a phrase first, then a stop word, then the
// nearest phrase when its similarity is at least minScore (1 turns that
// off). n is a number the caller already took out (0 = none).
func Read(name string, n int, minScore float64) Reading {
	v := table()
	rd := Reading{Words: Words(name), N: n}
	main, qual := brackets(name)
	words := Words(main)
	if ent, rest, ok := strings.Cut(main, " - "); ok {
		if e, ok := entityWords[Key(ent)]; ok {
			rd.Entity, words = e, Words(rest)
		}
	}
	rd.Section, rd.Explicit, rd.Rest = section(append(words, Words(qual)...))
	if len(rd.Rest) == 0 {
		return rd
	}
	if rd.N == 0 {
		rd.Rest, rd.N = number(rd.Rest)
	}
	for _, t := range tries(rd.Rest, rd.Entity, v) {
		if c, ok := v.concept[strings.Join(t, "")]; ok {
			rd.Match, rd.Concept, rd.Score = Phrase, c, 1
			return rd
		}
	}
	if slices.ContainsFunc(rd.Rest, func(w string) bool { return v.stop[w] }) {
		rd.Stop = true
		return rd
	}
	if minScore >= 1 {
		return rd
	}
	best, bestScore := "", 0.0
	for _, t := range tries(rd.Rest, "", v) {
		s := strings.Join(t, "")
		for _, k := range v.keys {
			if sc := Similarity(s, k); sc > bestScore {
				best, bestScore = k, sc
			}
		}
	}
	if best != "" && bestScore >= minScore {
		rd.Match, rd.Concept, rd.Score = Near, v.concept[best], bestScore
	}
	return rd
}

// tries are the word lists a name is looked up by, in order: the entity
// with the words ("Organization - Name" is the company), the words, the
// words after an address word ("Address - City"), the words without the
// kind of value they name ("Phone - Mobile", "Email (Primary)").
func tries(rest []string, entity string, v *vocab) [][]string {
	var out [][]string
	if entity != "" {
		out = append(out, append([]string{entity}, rest...))
	}
	out = append(out, rest)
	if k := slices.DeleteFunc(slices.Clone(rest), func(w string) bool { return kindWords[w] }); len(k) > 0 && len(k) < len(rest) {
		out = append(out, k)
	}
	for _, t := range out {
		if len(t) > 1 && v.address[t[0]] {
			out = append(out, t[1:])
		}
	}
	return out
}

// kindWords say which of a contact's values a column holds, not what it
// is: "Phone - Mobile", "Email (Primary)", "E-mail 1 - Value".
var kindWords = map[string]bool{
	"mobile": true, "cell": true, "main": true, "primary": true, "value": true, "direct": true,
	"landline": true, "preferred": true, "default": true, "komorkowy": true, "stacjonarny": true,
	"glowny": true, "haupt": true, "mobil": true, "handy": true,
	"secondary": true, "alternate": true, "alternative": true, "additional": true, "second": true,
	"zweite": true, "drugi": true, "dodatkowy": true,
}

// brackets splits a name into what is outside brackets and the words in
// them: "Email (Work)" → "Email", "Work".
func brackets(name string) (main, qual string) {
	var m, q strings.Builder
	depth := 0
	for _, r := range name {
		switch {
		case r == '(' || r == '[':
			depth++
			m.WriteRune(' ')
		case (r == ')' || r == ']') && depth > 0:
			depth--
			q.WriteRune(' ')
		case depth > 0:
			q.WriteRune(r)
		default:
			m.WriteRune(r)
		}
	}
	if strings.TrimSpace(m.String()) == "" {
		return q.String(), ""
	}
	return m.String(), q.String()
}

// section finds the section word of a name's words and returns the
// others. sec is invoice unless a word names another.
func section(toks []string) (sec string, explicit bool, rest []string) {
	v := table()
	sec = "invoice"
	rest = make([]string, 0, len(toks))
	for i, t := range toks {
		if s, ok := v.section[t]; ok && !explicit {
			sec, explicit = s, true
			continue
		}
		// A two-word section phrase ("default address", Shopify's main
		// address) keeps its address word.
		if i+1 < len(toks) && !explicit {
			if s, ok := v.section[t+toks[i+1]]; ok && v.address[toks[i+1]] {
				sec, explicit = s, true
				continue
			}
		}
		if !explicit && i == 0 {
			if s, r, ok := compound(t); ok {
				sec, explicit = s, true
				if r != "" {
					rest = append(rest, r)
				}
				continue
			}
		}
		rest = append(rest, t)
	}
	// "do faktury", "do wysyłki": drop the dangling preposition.
	if explicit && len(rest) > 0 && rest[len(rest)-1] == "do" {
		rest = rest[:len(rest)-1]
	}
	// "Billing address", "Adres dostawy": the address word alone is the address.
	if explicit && len(rest) == 1 && v.address[rest[0]] {
		rest = rest[:0]
	}
	return sec, explicit, rest
}

// compound splits a word that begins with a section word:
// "Rechnungsstraße" → invoice, strasse.
func compound(t string) (sec, rest string, ok bool) {
	for _, p := range sectionPrefixes {
		if r, found := strings.CutPrefix(t, p.prefix); found && len(t) > len(p.prefix) {
			if table().address[r] {
				r = ""
			}
			return p.section, r, true
		}
	}
	return "", "", false
}

// number takes the number out of a name's words ("telefon 2", "e mail 2
// adresse") unless the words with it are a phrase ("address 2"): the
// words without it and the number (0 = none).
func number(words []string) ([]string, int) {
	if _, ok := table().concept[strings.Join(words, "")]; ok || len(words) < 2 {
		return words, 0
	}
	for i, w := range words {
		if n, err := strconv.Atoi(w); err == nil {
			return slices.Delete(slices.Clone(words), i, i+1), n
		}
	}
	return words, 0
}

// IsAddressWord reports the word "address" in a language of the table.
func IsAddressWord(word string) bool { return table().address[word] }

// Similarity is the scorer: 1 − the optimal-string-alignment distance /
// the longer length, or, when a (≥ 4 letter) name is the start of the
// phrase, the share of the phrase it covers, whichever is higher. 0 for
// names shorter than 3 letters.
func Similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 3 || len(rb) < 3 {
		return 0
	}
	d := Distance(a, b)
	s := 1 - float64(d)/float64(max(len(ra), len(rb)))
	if len(ra) >= 4 && len(ra) < len(rb) && strings.HasPrefix(b, a) {
		s = max(s, 0.5+0.5*float64(len(ra))/float64(len(rb)))
	}
	return s
}

// FieldFor is the API field the vocabulary reads a name as (the invoice
// one of an address field unless the name says delivery), for a
// did-you-mean; foreign is true when the name is another system's ID,
// which no field holds.
func FieldFor(name string) (field string, foreign bool) {
	rd := Read(name, 0, MinScore)
	if rd.Match == NoMatch {
		if rd.Explicit && len(rd.Rest) == 0 && (rd.Section == "invoice" || rd.Section == "delivery") {
			return rd.Section + "_address", false
		}
		return "", false
	}
	c := rd.Concept
	sec := "invoice"
	if rd.Section == "delivery" {
		sec = "delivery"
	}
	switch {
	case c.ForeignID:
		return "", true
	case c.Part == "address2":
		return sec + "_address", false
	case c.Part != "":
		return sec + "_fullname", false
	case c.Addressed:
		return sec + "_" + c.Field, false
	}
	return c.Field, false
}

// ConceptOf returns the concept of that name ("address").
func ConceptOf(name string) Concept {
	if i := slices.IndexFunc(concepts, func(c Concept) bool { return c.Name == name }); i >= 0 {
		return concepts[i]
	}
	return Concept{}
}
