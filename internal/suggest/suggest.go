// Package suggest finds the "did you mean" for a mistyped name: the
// candidate closest to it by optimal-string-alignment distance (Levenshtein
// plus the transposition of two neighbouring characters). Every error of
// crmbulk that names an unknown field, column, key or filter uses it, so the
// suggestions agree everywhere.
package suggest

import "strings"

// Closest returns the candidate closest to s, compared case-insensitively
// and ignoring surrounding spaces, if the distance is small for the length
// of s (at most a third of it, and at least 2); ties go to the earlier
// candidate. A candidate that contains s (of 3 or more characters) counts as
// distance 2, so a shortened name still finds its field. "" when none fits.
func Closest(s string, candidates []string) string {
	ns := fold(s)
	n := len([]rune(ns)) // 0: no distance is below it, so nothing fits
	best, bestD := "", -1
	for _, c := range candidates {
		nc := fold(c)
		d := Distance(ns, nc)
		if n >= 3 && strings.Contains(nc, ns) {
			d = min(d, 2)
		}
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, n/3) || bestD >= n {
		return ""
	}
	return best
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// OrList joins the choices an error offers as "a", "a or b", "a, b or c".
func OrList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Distance is the optimal string alignment distance between a and b, in
// characters.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b) // an empty one needs no case of its own: the rows start at 0, 1, 2…
	// Three rolling rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
