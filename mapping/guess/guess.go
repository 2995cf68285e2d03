// Package guess proposes a mapping file for a sheet from its header row and,
// when it is given them, its first rows: every column is matched to the most
// likely CRM field of the API by its name, the vocabulary of column names
// in many languages (internal/suggest: one table, one tokenizer, one scorer,
// shared with the mapping checker's did-you-mean), and — when nothing fits
// by name — by a fuzzy score.
// Section words (billing, shipping, Rechnung, Liefer…, faktura, dostawa,
// Shopify's "Default Address"; business and private: geschäftlich, privat,
// firmowy, prywatny, Business, Home) decide between invoice_* and
// delivery_* fields, the business address first; first and last name
// columns, and address line 1 and 2, become templates. Numbered columns
// ("E-mail 2 - Value", "Telefon geschäftlich 2") and Google's
// "X 1 - Value" headers are understood.
//
// The values decide what names cannot (values.go): a field is never
// proposed for a column whose values contradict it, a column of country
// codes beats one of names (which becomes its fallback), a first and last
// name template beats a name column that holds something else, and a
// column holding Google's " ::: " lists is split.
//
// It backs `crmbulk mapping init`. The proposal is a starting point for a
// person to check, so every guess says how it was made (exact, synonym,
// fuzzy with its score) and every column left out says why.
package guess

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

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
	// Values: the header says nothing, the values in the first rows do
	// (e-mails, postcodes, tax IDs with their checksums).
	Values
)

func (m Method) String() string {
	if m < None || m > Values {
		return "none"
	}
	return [...]string{"none", "exact", "synonym", "fuzzy", "values"}[m]
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
	// Fallbacks are the columns (0-based) the field is read from, in order,
	// when this one is blank: the numbered twins of an e-mail or phone
	// column, the private phone after the business one, a column of country
	// names behind one of codes.
	Fallbacks []int
	// FallbackFor is, for a column that is only a fallback, the field it
	// is a fallback of.
	FallbackFor string
	// Split is the separator of several values in one cell (Google's
	// " ::: "), when the sampled values hold it: the first value is taken.
	Split string
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
		used[g.Field] = true // "" for a column that feeds no field: no field's name
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

// SampleRows is how many data rows Header looks at.
const SampleRows = 200

// Header proposes a field for every column of header: each header is read
// (classify), the layouts that give a name another meaning are applied,
// the values judged, and the best column of each field chosen, with its
// fallbacks and templates. rows are the sheet's first data rows (cells in
// header order; only the first SampleRows are read; nil for none), so the
// values can decide what the header cannot. Values keep their spreadsheet
// text marks ('+48…): they are judged without them.
func Header(header []string, rows [][]string) Result {
	r := Result{Header: append([]string(nil), header...), Columns: make([]Guess, len(header))}
	cands := readHeaders(header)
	onlyAddressIsInvoice(cands)
	applyLayouts(header, cands)
	vals := samples(rows[:min(len(rows), SampleRows)], len(header))
	if vals != nil { // rows to judge the values by
		judge(cands, vals)
		byValues(cands, vals)
		namesByValues(header, cands, vals)
	}
	winner, fallbacks := choose(cands)
	tmplCols := r.templates(header, winner, vals)
	for _, c := range cands {
		r.Columns[c.col] = guessOf(c, header, vals, winner, fallbacks, tmplCols)
	}
	return r
}

// readHeaders classifies every header; a header repeated or not valid
// text is never used.
func readHeaders(header []string) []candidate {
	count := map[string]int{}
	for _, h := range header {
		count[strings.TrimPrefix(h, "\ufeff")]++
	}
	cands := make([]candidate, len(header))
	for i, h := range header {
		switch n := count[strings.TrimPrefix(h, "\ufeff")]; {
		case n > 1 && strings.TrimSpace(h) != "":
			cands[i] = candidate{note: fmt.Sprintf("the header %q appears %d times: no field can read it by name (the import only warns of it); rename the columns to use one", h, n)}
		case !utf8.ValidString(h):
			cands[i] = candidate{note: "the header is not valid text; check the file's encoding (--encoding windows-1250?)"}
		default:
			cands[i] = classify(h)
		}
		cands[i].col = i
	}
	return cands
}

// choose picks the best candidate of each slot (a field or a template
// part), and for the slots that read one value from several columns
// (e-mail, phone, country) the others in order.
func choose(cands []candidate) (winner map[string]candidate, fallbacks map[string][]int) {
	slots := map[string][]candidate{}
	for _, c := range cands {
		if c.slot != "" {
			slots[c.slot] = append(slots[c.slot], c)
		}
	}
	winner, fallbacks = map[string]candidate{}, map[string][]int{}
	for slot, cs := range slots {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].better(cs[j]) })
		winner[slot] = cs[0]
		for _, c := range cs[1:] {
			if len(fallbacks[slot]) < maxFallbacks && cs[0].fallsBackTo(c) {
				fallbacks[slot] = append(fallbacks[slot], c.col)
			}
		}
	}
	return winner, fallbacks
}

// maxFallbacks is how many columns a field reads after its first.
const maxFallbacks = 3

// templates proposes first + last name and address line 1 + 2 templates
// per section, and returns the columns they use. A name template beats a
// name column whose values are not the names (a label, a company).
func (r *Result) templates(header []string, winner map[string]candidate, vals [][]string) map[int]string {
	tmplCols := map[int]string{}
	// In the field table's order: invoice_* before delivery_*, a name before an address.
	for _, sec := range []string{"invoice", "delivery"} {
		full := sec + "_fullname"
		first, okF := winner[sec+"|firstname"]
		last, okL := winner[sec+"|lastname"]
		direct, hasDirect := winner[full]
		if okF && okL && (!hasDirect || !namesAgree(vals, direct.col, first.col, last.col)) {
			if t, ok := makeTemplate(full, "first name + last name", header, first.col, last.col); ok {
				r.Templates = append(r.Templates, t)
				tmplCols[first.col], tmplCols[last.col] = full, full
				delete(winner, full) // the template feeds the field, not the name column
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
	return tmplCols
}

// guessOf is what became of candidate c: a field it feeds is read from its
// fallbacks too, and split when its sampled values (vals) hold lists.
func guessOf(c candidate, header []string, vals [][]string, winner map[string]candidate,
	fallbacks map[string][]int, tmplCols map[int]string) Guess {
	g := Guess{Column: c.col, Header: header[c.col]}
	w, won := winner[c.slot]
	switch {
	case strings.TrimSpace(g.Header) == "":
		g.Note = "blank header"
	case tmplCols[c.col] != "":
		g.Template, g.Method, g.Score = tmplCols[c.col], c.method, c.score
	case c.slot == "":
		g.Note = cmp.Or(c.note, "no CRM field fits this name")
	case strings.Contains(c.slot, "|"):
		g.Note = partNote(c, winner, header)
	case !won || w.col != c.col:
		switch {
		case !won && strings.HasSuffix(c.slot, "_fullname"):
			g.Note = fmt.Sprintf("its values are not the first and last names, which the %s template joins", c.slot)
		case slices.Contains(fallbacks[c.slot], c.col):
			g.FallbackFor = c.slot
			g.Note = fmt.Sprintf("read for %s when column %q is blank", c.slot, header[w.col])
		default:
			g.Note = fmt.Sprintf("also looks like %s (%s), but column %q is used for it", c.slot, c.describe(), header[w.col])
		}
	default:
		g.Field, g.Method, g.Score, g.Note = c.slot, c.method, c.score, c.note
		g.Fallbacks = fallbacks[c.slot]
		g.Split = splitOf(vals, append([]int{c.col}, g.Fallbacks...))
	}
	return g
}

// partWords are, for each template part, what it is called, the field it
// makes (after invoice_/delivery_) and the part it is joined with.
var partWords = map[string]struct{ name, field, other string }{
	"firstname": {"first name", "fullname", "last name"},
	"lastname":  {"last name", "fullname", "first name"},
	"address2":  {"second address line", "address", "first address line"},
}

// partNote explains a first/last name or address line column that ended in
// no template.
func partNote(c candidate, winner map[string]candidate, header []string) string {
	sec, part, _ := strings.Cut(c.slot, "|")
	pw := partWords[part]
	if w := winner[c.slot]; w.col != c.col {
		return fmt.Sprintf("also looks like a %s for %s, but column %q is used for it", pw.name, sec+"_"+pw.field, header[w.col])
	}
	if part == "address2" {
		return fmt.Sprintf("a second address line with no first line; add it to %s_address yourself", sec)
	}
	if _, ok := winner[sec+"_fullname"]; ok { // a first or last name
		return fmt.Sprintf("a %s; %s_fullname comes from the full name column", pw.name, sec)
	}
	return fmt.Sprintf("a %s column with no matching %s column; map it to %s_fullname yourself if it holds the whole name",
		pw.name, pw.other, sec)
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
	// explicit is true when the header named its section (billing,
	// Liefer…, geschäftlich…); sec is that section: invoice, delivery,
	// business or private ("" when none was named).
	explicit bool
	sec      string
	// n is the column's number among its twins ("E-mail 2 - Value",
	// "Telefon privat 2"); 0 when it has none.
	n int
	// codes and names say what a country column's values are; empty is
	// whether the sampled rows have no value in it (false without rows).
	codes, names, empty bool
	note                string
}

// better orders the candidates for one slot: a column with values in the
// first rows before an empty one, a country column of codes before one of
// names, the surer method, then the header whose section
// fits the field (for fields without a section — phone, e-mail — the
// business one, then none, billing, private), the lower number, the higher
// score, the leftmost column.
func (c candidate) better(o candidate) bool {
	if c.empty != o.empty {
		return o.empty
	}
	if c.codes != o.codes {
		return c.codes
	}
	if c.method != o.method {
		return c.method < o.method
	}
	if strings.HasPrefix(c.slot, "invoice") || strings.HasPrefix(c.slot, "delivery") { // a field of a section
		if c.explicit != o.explicit {
			return c.explicit
		}
	} else if c.rank() != o.rank() {
		return c.rank() < o.rank()
	}
	if max(c.n, 1) != max(o.n, 1) {
		return c.n < o.n
	}
	if c.score != o.score {
		return c.score > o.score
	}
	return c.col < o.col
}

// rank orders the sections of a field that has none of its own: business,
// none, invoice, then the others.
func (c candidate) rank() int {
	if i := slices.Index([]string{"business", "", "invoice"}, c.sec); i >= 0 {
		return i
	}
	return 3
}

// fallsBackTo reports whether the winner c of a slot reads o when it is
// blank: the other e-mail, phone and tax ID columns (not fuzzy ones), and a column
// of country names behind one of codes.
func (c candidate) fallsBackTo(o candidate) bool {
	switch {
	case c.slot == "email" || c.slot == "phone" || c.slot == "invoice_tax_id":
		return o.method != Fuzzy
	case strings.HasSuffix(c.slot, "_country_code"):
		return c.codes && o.names
	}
	return false
}

// section is the section of the fields the candidate feeds: delivery for
// a delivery or a private header (unless it is the file's only address:
// onlyAddressIsInvoice), else invoice.
func (c candidate) section() string {
	if c.sec == "delivery" || c.sec == "private" {
		return "delivery"
	}
	return "invoice"
}

// drop leaves the column out of every field, saying why.
func (c *candidate) drop(note string) {
	c.slot, c.method, c.score, c.note = "", None, 0, note
}

func (c candidate) describe() string {
	if c.method == Fuzzy {
		return fmt.Sprintf("fuzzy %.2f", c.score)
	}
	return c.method.String()
}

// numberedRE matches Google Contacts' numbered headers: "E-mail 1 - Value",
// "Phone 2 - Label", "Address 1 - Postal Code".
var numberedRE = regexp.MustCompile(`^\s*(.+?)\s+(\d+)\s+-\s+(.+?)\s*$`)

// recordRE matches a header whose last part is the number of the record
// (address) it belongs to: BigCommerce's "Address Line 1 - 1", "Zip - 2".
var recordRE = regexp.MustCompile(`^\s*(.+?)\s+-\s+(\d+)\s*$`)

// classify reads one header; a "X n - Part" header is the value of X (its
// n-th), its label (never data), or a part of address n.
func classify(header string) candidate {
	h := strings.TrimPrefix(header, "\ufeff")
	if m := recordRE.FindStringSubmatch(h); m != nil {
		// BigCommerce's "City - 1", "Address Line 2 - 1": field of record n.
		if n, err := strconv.Atoi(m[2]); err == nil && n > 1 {
			return candidate{note: fmt.Sprintf("a field of address %d of the contact: address 1 is mapped; map this one to delivery_* yourself if it is the delivery address", n)}
		}
		return classifyN(m[1], 0)
	}
	m := numberedRE.FindStringSubmatch(h)
	if m == nil {
		return classifyN(header, 0)
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return classifyN(header, 0)
	}
	base, part := m[1], suggest.Key(m[3])
	address := suggest.IsAddressWord(suggest.Key(base))
	var c candidate
	switch {
	case part == "label" || part == "type":
		return candidate{note: fmt.Sprintf("the label of %s %d (Home, Work, …), not client data", base, n)}
	case address && n > 1:
		return candidate{note: fmt.Sprintf("address %d of the contact: address 1 is mapped; map this one to delivery_* yourself if it is the delivery address", n)}
	case address && part == "formatted":
		return candidate{note: "the whole address in one cell; its parts are mapped from the columns beside it"}
	case address && (part == "pobox" || part == "postbox"):
		return candidate{note: "a PO box: no field of the API holds it"}
	case part == "value":
		c = classifyN(base, n)
	default:
		c = classifyN(base+" "+m[3], 0)
	}
	if c.method == Exact {
		c.method = Synonym // "E-mail 1 - Value" is not the API's own name
	}
	return c
}

// classifyN reads one header whose number (0 = none yet) is n.
func classifyN(h string, n int) candidate {
	rd := suggest.Read(h, n, suggest.MinScore)
	if len(rd.Words) == 0 {
		return candidate{}
	}
	sq := strings.Join(rd.Words, "")
	// The API's own names (as crmbulk's export writes them).
	for _, f := range baselinker.Fields() {
		if f.Mappable() && sq == strings.ReplaceAll(f.Name, "_", "") {
			return candidate{slot: f.Name, method: Exact, score: 1, n: n}
		}
	}
	if sq == "statusname" {
		return candidate{note: "status_name is only informative in an export; status_id is the field to import"}
	}
	c := candidate{explicit: rd.Explicit, n: rd.N}
	if rd.Explicit {
		c.sec = rd.Section
	}
	if len(rd.Rest) == 0 {
		// The header is only a section word: "Rechnungsadresse", "Billing
		// address", "Adres domowy" — but Outlook's "Privat" is a flag.
		switch {
		case rd.Section == "invoice" || rd.Section == "delivery":
			c.slot, c.method, c.score = rd.Section+"_address", Synonym, 1
		case slices.ContainsFunc(rd.Words, suggest.IsAddressWord):
			return c.resolve(suggest.ConceptOf("address"), Synonym, 1)
		case rd.Explicit:
			c.note = "only a section word (Outlook's private flag), not an address"
		}
		return c
	}
	switch rd.Match {
	case suggest.Phrase:
		return c.resolve(rd.Concept, Synonym, 1)
	case suggest.Near:
		return c.resolve(rd.Concept, Fuzzy, rd.Score)
	}
	if rd.Stop {
		c.note = "not CRM client data (marketing, totals, dates or another register)"
	}
	return c
}

// resolve turns a concept into a slot for the candidate's section.
func (c candidate) resolve(con suggest.Concept, m Method, score float64) candidate {
	c.method, c.score = m, score
	sec := c.section()
	switch {
	case con.ForeignID:
		c.drop("an ID of another system is not a Base client ID; map crm_client_id only from a crmbulk export")
		return c
	case con.Part != "":
		c.slot = sec + "|" + con.Part
	case con.Addressed && con.Field == "address" && c.n == 2:
		c.slot = sec + "|address2" // "Straße geschäftlich 2": the second line
	case con.Addressed && c.n > 1:
		c.drop(fmt.Sprintf("number %d of its kind: the first is mapped; add this one yourself if it holds data", c.n))
		return c
	case con.Addressed:
		c.slot = sec + "_" + con.Field
	default:
		c.slot = con.Field
	}
	if con.Note != "" {
		c.note = con.Note
	}
	return c
}
