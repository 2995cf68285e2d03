package sheet

import "strings"

// Text marks and formula guards: one rule, both ways.
//
// A spreadsheet or an exporter puts a `'` in front of a value to keep it as
// text: Shopify before phones, ids and zips with a leading 0 ('+48…,
// '01067), WooCommerce before a leading +, Excel before anything that would
// otherwise become a number or a formula. crmbulk's own CSV export does the
// same against formula injection. On import, StripTextMark removes one such
// `'` — from a run of apostrophes followed by a digit or = + - @ tab CR —
// and leaves an apostrophe that belongs to the text ('t Hooft,
// 's-Hertogenbosch) alone. GuardFormula (CSV) and ProtectTextMark (XLSX,
// whose text cells run no formulas) add exactly what it removes, so an
// export imports back unchanged: StripTextMark(GuardFormula(s)) == s and
// StripTextMark(ProtectTextMark(s)) == s for every s.

// formulaStart reports whether c makes a spreadsheet treat a cell as a
// formula (or strip/ignore it): = + - @ tab CR.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// markStart reports whether a `'` before c is a text mark: c is a digit or a
// formula start.
func markStart(c byte) bool { return c >= '0' && c <= '9' || formulaStart(c) }

// marked reports whether s is one or more `'` followed by a markStart character.
func marked(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return len(rest) < len(s) && rest != "" && markStart(rest[0])
}

// GuardFormula prefixes `'` to a CSV cell a spreadsheet would run as a
// formula (one starting with = + - @ tab or CR) and to a cell that already
// starts with a text mark, so that StripTextMark is its exact inverse.
// Other cells come back unchanged.
func GuardFormula(s string) string {
	if s != "" && formulaStart(s[0]) || marked(s) {
		return "'" + s
	}
	return s
}

// ProtectTextMark prefixes `'` to a cell that starts with a text mark (a
// value that really begins with an apostrophe before a digit or a formula
// start), so that StripTextMark gives it back whole. Other cells come back
// unchanged.
func ProtectTextMark(s string) string {
	if marked(s) {
		return "'" + s
	}
	return s
}

// StripTextMark removes the text mark of s: one leading `'` of a run of
// apostrophes followed by a digit or = + - @ tab CR. ok reports whether it
// removed one.
func StripTextMark(s string) (v string, ok bool) {
	if marked(s) {
		return s[1:], true
	}
	return s, false
}

// UnguardFormula undoes GuardFormula (StripTextMark, without the flag):
// UnguardFormula(GuardFormula(s)) == s for every s.
func UnguardFormula(s string) string {
	v, _ := StripTextMark(s)
	return v
}
