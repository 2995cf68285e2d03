package baselinker

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The token may come back from a server altered: cut into pieces, partly
// %-escaped, \u-escaped or written as HTML entities, with an invisible
// character (a zero-width space) inside. ScrubToken is the one home of the
// rule that finds it in every such form: any run of at least ScrubRun
// characters of the token, in the text as it is or after undoing those
// escapes (as many layers as there are, up to maxScrubLayers) and dropping
// invisible characters, is replaced — the whole stretch of the original
// text it came from — by "[redacted]".

// ScrubRun is the shortest piece of the token that is scrubbed: a run of
// this many consecutive characters of it. MinTokenLen keeps it well below
// a token's length.
const ScrubRun = 8

// maxScrubLayers bounds how many layers of escapes (an escaped escape) are undone.
const maxScrubLayers = 4

// unit is one character of a text being searched: r, decoded, came from
// the bytes [start, end) of the original text.
type unit struct {
	r          rune
	start, end int
}

// Scrub is ScrubToken for t.
func (t Token) Scrub(s string) string { return ScrubToken(s, string(t)) }

// ScrubToken returns s with every run of ScrubRun or more characters of the
// token t — as it is, or escaped, entity-encoded or interleaved with
// invisible characters — replaced by "[redacted]".
func ScrubToken(s, t string) string {
	tok := []rune(strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, t))
	if len(tok) < ScrubRun || len(s) < ScrubRun {
		return s
	}
	windows := map[[ScrubRun]rune]bool{}
	for j := 0; j+ScrubRun <= len(tok); j++ {
		windows[[ScrubRun]rune(tok[j:j+ScrubRun])] = true
	}
	units := make([]unit, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		units = append(units, unit{r, i, i + n})
		i += n
	}
	var spans [][2]int
	for layer := 0; ; layer++ {
		spans = append(spans, tokenRuns(visible(units), windows)...)
		next, changed := unescapeUnits(units)
		if !changed || layer == maxScrubLayers {
			break
		}
		units = next
	}
	return redactSpans(s, spans)
}

// tokenRuns returns the spans of the original text that the runs of at
// least ScrubRun characters of the token in units came from: every window
// of ScrubRun units that is one of the token's (a longer run is several
// windows, and their spans merge).
func tokenRuns(units []unit, windows map[[ScrubRun]rune]bool) [][2]int {
	var spans [][2]int
	var w [ScrubRun]rune
	for i := 0; i+ScrubRun <= len(units); i++ {
		for k := range w {
			w[k] = units[i+k].r
		}
		if windows[w] {
			spans = append(spans, [2]int{units[i].start, units[i+ScrubRun-1].end})
		}
	}
	return spans
}

// invisible reports whether r is a character that shows nothing: a
// control or format character (zero-width space, joiners, BOM, soft
// hyphen), a combining mark or a variation selector.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// visible drops the invisible characters of units.
func visible(units []unit) []unit {
	if !slices.ContainsFunc(units, func(u unit) bool { return invisible(u.r) }) {
		return units
	}
	return slices.DeleteFunc(slices.Clone(units), func(u unit) bool { return invisible(u.r) })
}

// unescapeUnits undoes one layer of escapes: %XX (UTF-8 bytes), \uXXXX
// (with surrogate pairs), \xXX, \/ \\ \" and HTML entities (&#x41; &#65;
// &amp;). changed reports whether any was found.
func unescapeUnits(in []unit) (out []unit, changed bool) {
	out = make([]unit, 0, len(in))
	for i := 0; i < len(in); {
		u, n := unescapeAt(in, i)
		if n == 0 {
			out = append(out, in[i])
			i++
			continue
		}
		out = append(out, u...)
		i += n
		changed = true
	}
	return out, changed
}

// unescapeAt decodes the escape starting at in[i]: the characters it
// stands for and how many units it took (0: none starts there).
func unescapeAt(in []unit, i int) ([]unit, int) {
	switch in[i].r {
	case '%':
		return unescapePercent(in, i)
	case '\\':
		return unescapeBackslash(in, i)
	case '&':
		return unescapeEntity(in, i)
	}
	return nil, 0
}

// hexAt reads n hex digits at in[i:], or ok false.
func hexAt(in []unit, i, n int) (v rune, ok bool) {
	if i+n > len(in) {
		return 0, false
	}
	for _, u := range in[i : i+n] {
		d := strings.IndexRune("0123456789abcdef", unicode.ToLower(u.r))
		if d < 0 {
			return 0, false
		}
		v = v<<4 | rune(d)
	}
	return v, true
}

// unescapePercent decodes a run of %XX bytes as UTF-8; a byte that does
// not start a valid character is left alone.
func unescapePercent(in []unit, i int) ([]unit, int) {
	var b []byte
	var ends []int // the unit index after each byte's escape
	for j := i; j+2 < len(in) && in[j].r == '%' && len(b) < utf8.UTFMax; j += 3 {
		v, ok := hexAt(in, j+1, 2)
		if !ok {
			break
		}
		b, ends = append(b, byte(v)), append(ends, j+3)
	}
	if len(b) == 0 {
		return nil, 0
	}
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError {
		return nil, 0
	}
	last := ends[size-1]
	return []unit{{r, in[i].start, in[last-1].end}}, last - i
}

// unescapeBackslash decodes \uXXXX (and a surrogate pair), \xXX and \/ \\ \".
func unescapeBackslash(in []unit, i int) ([]unit, int) {
	if i+1 >= len(in) {
		return nil, 0
	}
	span := func(r rune, n int) ([]unit, int) { return []unit{{r, in[i].start, in[i+n-1].end}}, n }
	switch in[i+1].r {
	case 'u':
		v, ok := hexAt(in, i+2, 4)
		if !ok {
			return nil, 0
		}
		if v >= 0xD800 && v < 0xDC00 && i+11 < len(in) && in[i+6].r == '\\' && in[i+7].r == 'u' {
			if lo, ok := hexAt(in, i+8, 4); ok && lo >= 0xDC00 && lo < 0xE000 {
				return span(0x10000+(v-0xD800)<<10+(lo-0xDC00), 12)
			}
		}
		return span(v, 6)
	case 'x':
		if v, ok := hexAt(in, i+2, 2); ok {
			return span(v, 4)
		}
	case '/', '\\', '"':
		return span(in[i+1].r, 2)
	}
	return nil, 0
}

// maxEntity bounds the length of an HTML entity looked for (&CounterClockwiseContourIntegral; is the longest).
const maxEntity = 40

// unescapeEntity decodes an HTML character reference (&#x41; &#65; &amp;).
func unescapeEntity(in []unit, i int) ([]unit, int) {
	end := -1
	for j := i + 1; j < len(in) && j-i <= maxEntity; j++ {
		if in[j].r == ';' {
			end = j
			break
		}
		if in[j].r == '&' || unicode.IsSpace(in[j].r) {
			return nil, 0
		}
	}
	if end < 0 {
		return nil, 0
	}
	var ref strings.Builder
	for _, u := range in[i : end+1] {
		ref.WriteRune(u.r)
	}
	dec := html.UnescapeString(ref.String())
	if dec == ref.String() {
		return nil, 0
	}
	var out []unit
	for _, r := range dec {
		out = append(out, unit{r, in[i].start, in[end].end})
	}
	return out, end + 1 - i
}

// redactSpans replaces each span of s (merged where they overlap or touch) by "[redacted]".
func redactSpans(s string, spans [][2]int) string {
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	at := 0
	for k := 0; k < len(spans); {
		start, end := spans[k][0], spans[k][1]
		for k++; k < len(spans) && spans[k][0] <= end; k++ {
			end = max(end, spans[k][1])
		}
		b.WriteString(s[at:start])
		b.WriteString(redacted)
		at = end
	}
	b.WriteString(s[at:])
	return b.String()
}
