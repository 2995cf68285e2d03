package sheet

import "strings"

// formulaStart reports whether c makes a spreadsheet treat a cell as a
// formula (or strip/ignore it): = + - @ tab CR.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// guarded reports whether s is some number (≥0) of `'` followed by a
// formula-start character.
func guarded(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return rest != "" && formulaStart(rest[0])
}

// GuardFormula prefixes `'` to a cell a spreadsheet would run as a formula
// (one starting with = + - @ tab or CR), and also to a cell that already
// starts with `'`s followed by such a character, so that UnguardFormula is
// its exact inverse. Other cells come back unchanged.
func GuardFormula(s string) string {
	if guarded(s) {
		return "'" + s
	}
	return s
}

// UnguardFormula undoes GuardFormula: it strips exactly one leading `'` when
// what follows is `'`* and a formula-start character.
// UnguardFormula(GuardFormula(s)) == s for every s.
func UnguardFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && guarded(s[1:]) {
		return s[1:]
	}
	return s
}
