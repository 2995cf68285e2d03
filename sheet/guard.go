package sheet

import (
	"slices"
	"strings"
)

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
//
// A `'` in a CSV file is no text mark to Excel or LibreOffice: they show it,
// and still turn 0048… and 01067 into numbers. What they do keep as text
// is a formula that gives the text, ="0048…" (ExcelText): the CSV for Excel
// writes those values so, and StripTextMark takes that form off too, so
// StripTextMark(ExcelText(s)) == s as well.

// formulaStart reports whether c makes a spreadsheet treat a cell as a
// formula (or strip/ignore it): = + - @ tab CR.
func formulaStart(c byte) bool { return strings.IndexByte("=+-@\t\r", c) >= 0 }

// marked reports whether s starts with a text mark: one or more `'`
// followed by a digit or a formula start.
func marked(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return len(rest) < len(s) && rest != "" && (rest[0] >= '0' && rest[0] <= '9' || formulaStart(rest[0]))
}

// excelText reports whether s is exactly the form ExcelText writes,
// ="…" with every inner " doubled, and gives the text it stands for.
func excelText(s string) (string, bool) {
	inner, ok := strings.CutPrefix(s, `="`)
	if !ok || !strings.HasSuffix(inner, `"`) {
		return "", false
	}
	inner = inner[:len(inner)-1]
	if strings.Count(inner, `"`) != 2*strings.Count(inner, `""`) {
		return "", false // a lone " inside: not a string literal
	}
	return strings.ReplaceAll(inner, `""`, `"`), true
}

// maxExcelText is the longest text a formula's string literal may hold in
// Excel (255 characters).
const maxExcelText = 255

// ExcelText writes s as the formula ="s" (inner quotes doubled), which
// Excel and LibreOffice show as the text s when they open a CSV file — with
// its leading zeros, its +, and not as a date or a number. ok is false
// when s cannot be written so: longer than a formula's text may be, or
// holding a line break.
func ExcelText(s string) (string, bool) {
	t := `="` + strings.ReplaceAll(s, `"`, `""`) + `"`
	if utf16Len(t)-3 > maxExcelText || strings.ContainsAny(s, "\r\n") {
		return "", false
	}
	return t, true
}

// excelChanges reports whether Excel or LibreOffice, opening a CSV file,
// may show s as something else than its text: a number with a leading
// zero or more than 10 digits (shown rounded or as 4.86E+10), a date, a
// time, a percentage or a sum (anything holding a digit but a short plain
// integer, which they show as written), a truth value, a formula, or a
// value that starts with a text mark.
func excelChanges(s string) bool {
	if s == "" || excelNumber(s) {
		return false
	}
	truth := []string{"TRUE", "FALSE", "PRAWDA", "FAŁSZ", "WAHR", "FALSCH", "VRAI", "FAUX"}
	return strings.ContainsAny(s, "0123456789") || formulaStart(s[0]) || marked(s) ||
		slices.Contains(truth, strings.ToUpper(s))
}

// excelNumber reports whether s is an integer Excel and LibreOffice show
// as written: plain (no leading zero, no +) and of at most 10 digits.
func excelNumber(s string) bool {
	return plainInt(s) && len(strings.TrimPrefix(s, "-")) <= 10
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
// start, or is itself of the form ="…"), so that StripTextMark gives it
// back whole. Other cells come back unchanged.
func ProtectTextMark(s string) string {
	if _, ok := excelText(s); ok || marked(s) {
		return "'" + s
	}
	return s
}

// StripTextMark removes the text mark of s: Excel's text formula ="…"
// (ExcelText), or else one leading `'` of a run of apostrophes followed by
// a digit or = + - @ tab CR. ok reports whether it removed one.
func StripTextMark(s string) (v string, ok bool) {
	if v, ok := excelText(s); ok {
		return v, true
	}
	if marked(s) {
		return s[1:], true
	}
	return s, false
}
