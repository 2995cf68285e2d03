package importer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/internal/chars"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/crmbulk/crmbulk/validate"
)

// No client from nothing. A row whose mapped fields are all empty, or that
// reads as a spreadsheet's total or summary line, is skipped with its
// reason and never created; so is a row that repeats an earlier row
// without a key (samekey.go finds those).

// isTotalLabel reports whether a cell reads as the label of a total or
// summary line: it starts with one of the words below (in any case), and
// what follows the word is nothing, or starts with something that is not a
// letter ("Razem: 40 klientów", "TOTAL", "Summe 1.234,50", "Итого —"), so
// that "Total Energies" or "Summe der Umsätze" is not one. The one table
// of those words, in the languages crmbulk's users write.
func isTotalLabel(cell string) bool {
	s := strings.ToLower(validate.CleanKey(cell))
	for _, w := range []string{
		"razem", "suma", "łącznie", "ogółem", "podsumowanie", // Polish
		"total", "totals", "grand total", "subtotal", "sum", // English (and French, Spanish "total")
		"summe", "gesamt", "gesamtsumme", "insgesamt", "zwischensumme", // German
		"celkem", "součet", "spolu", "celkom", "súčet", // Czech, Slovak
		"итого", "всего", "разом", "всього", // Russian, Ukrainian
		"összesen", "totaal", "totale", "somme", "iš viso", // Hungarian, Dutch, Italian, French, Lithuanian
	} {
		rest, ok := strings.CutPrefix(s, w)
		if !ok {
			continue
		}
		if first, _ := utf8.DecodeRuneInString(rest); rest != "" && unicode.IsLetter(first) {
			continue // another word: "summer", "totalny"
		}
		if next, _ := utf8.DecodeRuneInString(strings.TrimSpace(rest)); !unicode.IsLetter(next) {
			return true // "Razem", "Razem: 40 klientów", "TOTAL 40" (an empty rest decodes as RuneError)
		}
	}
	return false
}

// identityFields are the fields whose value makes a row someone's: a key
// or a name. A row with one of them is never taken for a total line.
var identityFields = [...]string{"email", "login", "invoice_tax_id", "invoice_fullname", "invoice_company", "delivery_fullname", "delivery_company"}

// hasIdentity reports whether the row has a value that names someone and
// is not itself a total label: an email with an @, a login or tax ID with
// a key, a name with a letter.
func hasIdentity(it *item) bool {
	for _, f := range identityFields {
		v, ok := it.res.Get(f)
		if !ok || isTotalLabel(v) {
			continue
		}
		var named bool
		switch f {
		case "email":
			named = strings.Contains(validate.MatchKey(f, v), "@")
		case "login", "invoice_tax_id":
			named = validate.MatchKey(f, v) != ""
		default:
			named = strings.IndexFunc(v, unicode.IsLetter) >= 0
		}
		if named {
			return true
		}
	}
	return false
}

// notClientReason says why a mapped row is no client (its skipped line's
// code and message), or returns "" when it may be one.
func (c *Checker) notClientReason(row sheet.Row, it *item) (code, msg string) {
	if it.res.ID > 0 || len(it.res.Problems) > 0 {
		return "", ""
	}
	for _, col := range it.unsaved {
		if c.plan.Reads(col) {
			return "", "" // a formula read as empty: check says so (formula_not_saved)
		}
	}
	if !hasIdentity(it) {
		for i, cell := range row.Cells {
			if isTotalLabel(cell) {
				return CodeTotalRow, fmt.Sprintf("nothing to do if it is a total line, or give it an email, tax ID or name if it is a client — row %d: %s reads as a spreadsheet's total line (%s) and the row has no email, login, tax ID or name: no client is made of it",
					it.num, columnRef(c.header(i)), chars.Quote(cell))
			}
		}
	}
	for _, v := range it.res.Values {
		if col, _ := c.plan.Source(v.Field); col >= 0 && !chars.Blank(v.Text) {
			return "", ""
		}
	}
	for _, v := range it.res.Extra {
		if !chars.Blank(v.Text) {
			return "", ""
		}
	}
	return CodeEmptyRow, fmt.Sprintf("nothing to do if it is not a client, or fill its columns — row %d: every column the mapping reads is empty (what the row holds is in columns nothing maps): no client is made from nothing", it.num)
}

// header is the header of column i ("" when the row is longer than the header).
func (c *Checker) header(i int) string {
	if h := c.plan.Header(); i < len(h) {
		return h[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

// repeated is the skipped line of a row that repeats an earlier row without
// a key (samekey.go finds those), or nil.
func (r *run) repeated(it *item) *events.Line {
	first, ok := r.repeats[it.num]
	if !ok {
		return nil
	}
	return &events.Line{Row: it.num, Status: events.StatusSkipped, Code: CodeSameAsRow, Message: fmt.Sprintf(
		"nothing to do — row %d is the same as row %d (every value it maps, and no match key or crm_client_id): planned once, as row %d", it.num, first, first)}
}

// isNotClientCode reports whether a skipped line's code says the row is no client.
func isNotClientCode(code string) bool {
	return code == CodeEmptyRow || code == CodeTotalRow || code == CodeSameAsRow
}
