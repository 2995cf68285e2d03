// Package guess proposes a mapping file for a sheet from its header row
// alone: every column is matched to the most likely CRM field of the API by
// its name, its common synonyms in English, Polish and German, and — when
// nothing fits by name — by a fuzzy score. Section words (billing, shipping,
// Rechnung, Liefer…, faktura, dostawa, Shopify's "Default Address") decide
// between invoice_* and delivery_* fields; first and last name columns, and
// address line 1 and 2, become templates.
//
// It backs `crmbulk mapping init`. The proposal is a starting point for a
// person to check, so every guess says how it was made (exact, synonym,
// fuzzy with its score) and every column left out says why.
package guess

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/suggest"
)

// Method says how a column was matched to its field.
type Method int

const (
	// None: the column feeds no field.
	None Method = iota
	// Exact: the header is the API field name.
	Exact
	// Synonym: the header is a known name for the field (in any of the
	// languages the table knows), possibly with a section word.
	Synonym
	// Fuzzy: the header is close to a known name (see Guess.Score).
	Fuzzy
)

func (m Method) String() string {
	switch m {
	case Exact:
		return "exact"
	case Synonym:
		return "synonym"
	case Fuzzy:
		return "fuzzy"
	}
	return "none"
}

// Guess is what became of one column of the header.
type Guess struct {
	// Column is the 0-based index of the column, Header its text.
	Column int
	Header string
	// Field is the API field the column feeds directly, "" when it feeds
	// none or only a template (see Template).
	Field string
	// Method and Score say how sure the guess is: Score is 1 for Exact and
	// Synonym, the similarity (0..1) for Fuzzy, 0 for None.
	Method Method
	Score  float64
	// Template is the field whose template uses this column ("" if none).
	Template string
	// Note says, for a column that feeds nothing (or feeds a field whose
	// values may need a map:), why and what to do.
	Note string
}

// Template is a proposed template: a field made of several columns.
type Template struct {
	Field string
	// Text is the mapping file's template, e.g. "{First Name} {Last Name}".
	Text string
	// Columns are the 0-based columns it reads, in template order.
	Columns []int
	// Why says what the template joins, e.g. "first name + last name".
	Why string
}

// Result is the proposal for one header.
type Result struct {
	Header []string
	// Columns has one Guess per header column, in header order (blank
	// headers included, with Method None).
	Columns []Guess
	// Templates lists the proposed templates, in field table order.
	Templates []Template
}

// Fields returns the API fields the proposal fills (columns and templates),
// in the field table's order.
func (r Result) Fields() []string {
	used := map[string]bool{}
	for _, g := range r.Columns {
		if g.Field != "" {
			used[g.Field] = true
		}
	}
	for _, t := range r.Templates {
		used[t.Field] = true
	}
	var out []string
	for _, f := range baselinker.Fields() {
		if used[f.Name] {
			out = append(out, f.Name)
		}
	}
	return out
}

// Option tunes Header.
type Option func(*config)

type config struct {
	minScore float64
}

// WithMinScore sets the lowest fuzzy score (0..1) that still maps a column;
// the default is 0.8. 1 turns fuzzy matching off.
func WithMinScore(s float64) Option {
	return func(c *config) { c.minScore = min(max(s, 0), 1) }
}

// Header proposes a field for every column of header.
func Header(header []string, opts ...Option) Result {
	cfg := config{minScore: 0.8}
	for _, o := range opts {
		o(&cfg)
	}
	r := Result{Header: append([]string(nil), header...), Columns: make([]Guess, len(header))}
	count := map[string]int{}
	for _, h := range header {
		count[strings.TrimPrefix(h, "\ufeff")]++
	}
	cands := make([]candidate, len(header))
	for i, h := range header {
		r.Columns[i] = Guess{Column: i, Header: h}
		if n := count[strings.TrimPrefix(h, "\ufeff")]; n > 1 && strings.TrimSpace(h) != "" {
			cands[i] = candidate{col: i, note: fmt.Sprintf("the header %q appears %d times; rename the columns to use one", h, n)}
			continue
		}
		if !utf8.ValidString(h) {
			cands[i] = candidate{col: i, note: "the header is not valid text; check the file's encoding (--encoding windows-1250?)"}
			continue
		}
		cands[i] = classify(h, cfg)
		cands[i].col = i
	}
	// slots: a field (or a template part) → the columns that want it.
	slots := map[string][]candidate{}
	for _, c := range cands {
		if c.slot != "" {
			slots[c.slot] = append(slots[c.slot], c)
		}
	}
	winner := map[string]candidate{}
	for slot, cs := range slots {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].better(cs[j]) })
		winner[slot] = cs[0]
	}
	// Templates: first + last name, address line 1 + 2, per section.
	tmplCols := map[int]string{}
	for _, sec := range []string{"invoice", "delivery"} {
		full := sec + "_fullname"
		first, okF := winner[sec+"|firstname"]
		last, okL := winner[sec+"|lastname"]
		if _, direct := winner[full]; !direct && okF && okL {
			if t, ok := makeTemplate(full, "first name + last name", header, first.col, last.col); ok {
				r.Templates = append(r.Templates, t)
				tmplCols[first.col], tmplCols[last.col] = full, full
			}
		}
		addr := sec + "_address"
		a1, ok1 := winner[addr]
		a2, ok2 := winner[sec+"|address2"]
		if ok1 && ok2 {
			if t, ok := makeTemplate(addr, "address line 1 + line 2", header, a1.col, a2.col); ok {
				r.Templates = append(r.Templates, t)
				tmplCols[a1.col], tmplCols[a2.col] = addr, addr
			}
		}
	}
	sort.SliceStable(r.Templates, func(i, j int) bool {
		return baselinker.FieldPosition(r.Templates[i].Field) < baselinker.FieldPosition(r.Templates[j].Field)
	})
	for _, c := range cands {
		g := &r.Columns[c.col]
		switch {
		case strings.TrimSpace(g.Header) == "":
			g.Note = "blank header"
		case tmplCols[c.col] != "":
			g.Template, g.Method, g.Score = tmplCols[c.col], c.method, c.score
		case c.slot == "":
			g.Note = c.note
			if g.Note == "" {
				g.Note = "no CRM field fits this name"
			}
		case strings.Contains(c.slot, "|"):
			g.Note = partNote(c, winner, header)
		case winner[c.slot].col != c.col:
			w := winner[c.slot]
			g.Note = fmt.Sprintf("also looks like %s (%s), but column %q is used for it", c.slot, c.describe(), header[w.col])
		default:
			g.Field, g.Method, g.Score, g.Note = c.slot, c.method, c.score, c.note
		}
	}
	return r
}

// partNote explains a first/last name or address line column that ended in
// no template.
func partNote(c candidate, winner map[string]candidate, header []string) string {
	sec, part, _ := strings.Cut(c.slot, "|")
	if w := winner[c.slot]; w.col != c.col {
		return fmt.Sprintf("also looks like a %s for %s, but column %q is used for it", partName(part), sec+"_"+partField(part), header[w.col])
	}
	switch part {
	case "firstname", "lastname":
		if _, ok := winner[sec+"_fullname"]; ok {
			return fmt.Sprintf("a %s; %s_fullname comes from the full name column", strings.TrimSuffix(part, "name")+" name", sec)
		}
		return fmt.Sprintf("a %s column with no matching %s column; map it to %s_fullname yourself if it holds the whole name",
			strings.TrimSuffix(part, "name")+" name", otherPart(part), sec)
	case "address2":
		return fmt.Sprintf("a second address line with no first line; add it to %s_address yourself", sec)
	}
	return "no CRM field fits this name"
}

func partName(p string) string {
	switch p {
	case "firstname":
		return "first name"
	case "lastname":
		return "last name"
	}
	return "second address line"
}

func partField(p string) string {
	if p == "address2" {
		return "address"
	}
	return "fullname"
}

func otherPart(p string) string {
	if p == "firstname" {
		return "last name"
	}
	return "first name"
}

func makeTemplate(field, why string, header []string, cols ...int) (Template, bool) {
	parts := make([]string, len(cols))
	for i, c := range cols {
		h := header[c]
		if strings.ContainsAny(h, "{}") || strings.TrimSpace(h) != h {
			return Template{}, false
		}
		parts[i] = "{" + h + "}"
	}
	return Template{Field: field, Text: strings.Join(parts, " "), Columns: cols, Why: why}, true
}

// candidate is the best reading of one header.
type candidate struct {
	col    int
	slot   string // API field, or "<section>|<part>" for a template part; "" = nothing
	method Method
	score  float64
	// explicit is true when the header named its section (billing, Liefer…).
	explicit bool
	// sectionless fields (phone, email…) prefer headers without a section word.
	sectionWord bool
	note        string
}

// better orders the candidates for one slot: the surer method, then the
// header whose section fits the field, then the higher score, then the
// leftmost column.
func (c candidate) better(o candidate) bool {
	if c.method != o.method {
		return c.method < o.method
	}
	cs, os := c.sectionFit(), o.sectionFit()
	if cs != os {
		return cs
	}
	if c.score != o.score {
		return c.score > o.score
	}
	return c.col < o.col
}

func (c candidate) sectionFit() bool {
	if sectioned(c.slot) {
		return c.explicit
	}
	return !c.sectionWord
}

func (c candidate) describe() string {
	if c.method == Fuzzy {
		return fmt.Sprintf("fuzzy %.2f", c.score)
	}
	return c.method.String()
}

func sectioned(slot string) bool {
	return strings.HasPrefix(slot, "invoice") || strings.HasPrefix(slot, "delivery")
}

// classify reads one header.
func classify(h string, cfg config) candidate {
	toks := tokens(h)
	if len(toks) == 0 {
		return candidate{}
	}
	sq := strings.Join(toks, "")
	// The API's own names (as crmbulk's export writes them).
	for _, f := range baselinker.Fields() {
		if f.Writable && f.Kind != baselinker.KindExtra && sq == strings.ReplaceAll(f.Name, "_", "") {
			return candidate{slot: f.Name, method: Exact, score: 1}
		}
	}
	if sq == "statusname" {
		return candidate{note: "status_name is only informative in an export; status_id is the field to import"}
	}
	sec, explicit, rest := section(toks)
	c := candidate{explicit: explicit, sectionWord: explicit}
	if len(rest) == 0 {
		// The header is only a section word: "Rechnungsadresse", "Billing address".
		if explicit {
			c.slot, c.method, c.score = sec+"_address", Synonym, 1
		}
		return c
	}
	if stop[rest[0]] || anyStop(rest) {
		c.note = "not CRM client data (marketing, totals or dates)"
		return c
	}
	try := [][]string{rest}
	if len(rest) > 1 && addressWord[rest[0]] {
		try = append(try, rest[1:])
	}
	for _, t := range try {
		if con, ok := synonyms[strings.Join(t, "")]; ok {
			return c.resolve(con, sec, Synonym, 1)
		}
	}
	// Fuzzy: the closest synonym, by edit distance or as a leading part.
	best, bestScore := "", 0.0
	for _, t := range try {
		s := strings.Join(t, "")
		for _, syn := range synonymKeys {
			if sc := similarity(s, syn); sc > bestScore {
				best, bestScore = syn, sc
			}
		}
	}
	if best != "" && bestScore >= cfg.minScore && cfg.minScore < 1 {
		return c.resolve(synonyms[best], sec, Fuzzy, bestScore)
	}
	return c
}

// resolve turns a concept into a slot for the section.
func (c candidate) resolve(con concept, sec string, m Method, score float64) candidate {
	c.method, c.score = m, score
	switch {
	case con.id:
		c.note = "an ID of another system is not a Base client ID; map crm_client_id only from a crmbulk export"
		c.method, c.score = None, 0
		return c
	case con.part != "":
		c.slot = sec + "|" + con.part
	case con.addressed:
		c.slot = sec + "_" + con.field
	default:
		c.slot = con.field
	}
	if con.note != "" {
		c.note = con.note
	}
	return c
}

// tokens folds a header to lower-case ASCII-ish words: diacritics removed
// (ł → l, ß → ss), split at everything that is not a letter or digit, and
// between letters and digits ("Address1" → "address", "1").
func tokens(h string) []string {
	h = strings.TrimPrefix(h, "\ufeff")
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(h)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ł':
			b.WriteRune('l')
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø':
			b.WriteRune('o')
		case r == 'æ':
			b.WriteString("ae")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	var out []string
	for _, w := range strings.Fields(b.String()) {
		// split letter/digit boundaries
		start := 0
		rs := []rune(w)
		for i := 1; i < len(rs); i++ {
			if unicode.IsDigit(rs[i]) != unicode.IsDigit(rs[i-1]) {
				out = append(out, string(rs[start:i]))
				start = i
			}
		}
		out = append(out, string(rs[start:]))
	}
	return out
}

// section finds the section word of a header and returns the remaining words.
func section(toks []string) (sec string, explicit bool, rest []string) {
	sec = "invoice"
	rest = make([]string, 0, len(toks))
	for i, t := range toks {
		if s, ok := sectionWords[t]; ok && !explicit {
			sec, explicit = s, true
			continue
		}
		// "default address" is Shopify's main address: invoice.
		if t == "default" && i+1 < len(toks) && addressWord[toks[i+1]] && !explicit {
			explicit = true
			continue
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
	if explicit && len(rest) == 1 && addressWord[rest[0]] {
		rest = rest[:0]
	}
	return sec, explicit, rest
}

// compound splits German compounds such as "Rechnungsstraße" or "Lieferort".
func compound(t string) (sec, rest string, ok bool) {
	for _, p := range []struct{ prefix, sec string }{
		{"rechnungs", "invoice"}, {"rechnung", "invoice"}, {"liefer", "delivery"}, {"versand", "delivery"},
	} {
		if r, found := strings.CutPrefix(t, p.prefix); found && len(t) > len(p.prefix) {
			if r == "adresse" || r == "anschrift" {
				r = ""
			}
			return p.sec, r, true
		}
	}
	return "", "", false
}

func anyStop(ws []string) bool {
	for _, w := range ws {
		if stop[w] {
			return true
		}
	}
	return false
}

// similarity is 1 − the optimal-string-alignment distance / the longer
// length, or, when a (≥ 4 letter) header is the start of the synonym, the
// share of the synonym it covers, whichever is higher.
func similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 3 || len(rb) < 3 {
		return 0
	}
	d := suggest.Distance(a, b)
	s := 1 - float64(d)/float64(max(len(ra), len(rb)))
	if len(ra) >= 4 && len(ra) < len(rb) && strings.HasPrefix(b, a) {
		s = max(s, 0.5+0.5*float64(len(ra))/float64(len(rb)))
	}
	return s
}
