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
	start, end int32
}

// ScrubToken returns s with every run of ScrubRun or more characters of the
// token t — as it is, or escaped, entity-encoded or interleaved with
// invisible characters — replaced by "[redacted]".
func ScrubToken(s, t string) string {
	plain := newTokenMatcher([]rune(t))
	seen := newTokenMatcher(slices.DeleteFunc([]rune(t), invisible))
	if seen == nil || len(s) < ScrubRun { // seen is never longer than plain: plain is set too
		return s
	}
	// A long text (a whole answer body, up to 32 MB) is searched in chunks
	// that overlap by more than any encoded run: memory stays a few MB.
	var spans [][2]int
	for start := 0; start < len(s); start += scrubChunk {
		end := min(len(s), start+scrubChunk+scrubOverlap)
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		from := start
		for from > 0 && !utf8.RuneStart(s[from]) {
			from--
		}
		spans = append(spans, chunkRuns(s, from, end, plain, seen)...)
	}
	return redactSpans(s, spans)
}

// The chunks a text is searched in: a run of the token written in any of
// the forms (10 bytes a character at most, &#x10FFFF;) with invisible
// characters between is far shorter than the overlap.
const (
	scrubChunk   = 256 << 10
	scrubOverlap = 16 << 10
)

// tokenMatcher knows the windows of ScrubRun characters of a token, and
// the characters it is made of.
type tokenMatcher struct {
	windows  map[[ScrubRun]rune]bool
	alphabet map[rune]bool
}

// newTokenMatcher returns the matcher of tok, or nil when it is shorter
// than ScrubRun.
func newTokenMatcher(tok []rune) *tokenMatcher {
	if len(tok) < ScrubRun {
		return nil
	}
	m := &tokenMatcher{windows: map[[ScrubRun]rune]bool{}, alphabet: map[rune]bool{}}
	for j := 0; j+ScrubRun <= len(tok); j++ {
		m.windows[[ScrubRun]rune(tok[j:j+ScrubRun])] = true
	}
	for _, r := range tok {
		m.alphabet[r] = true
	}
	return m
}

// chunkRuns returns the spans of s[from:end] that hold a run of the token:
// of the token as it is (plain) in the text as
// it is, and of its visible characters (seen) in the text's, each layer of
// escapes undone in turn.
func chunkRuns(s string, from, end int, plain, seen *tokenMatcher) [][2]int {
	units := make([]unit, 0, end-from)
	for i := from; i < end; {
		r, n := utf8.DecodeRuneInString(s[i:end])
		units = append(units, unit{r, int32(i), int32(i + n)})
		i += n
	}
	var spans [][2]int
	for layer := 0; ; layer++ {
		spans = append(spans, plain.runs(units)...)
		spans = append(spans, seen.runs(visible(units))...)
		next, changed := unescapeUnits(units)
		if !changed || layer == maxScrubLayers {
			return spans
		}
		units = next
	}
}

// runs returns the spans of the original text that the runs of at
// least ScrubRun characters of the token in units came from: every window
// of ScrubRun units that is one of the token's (a longer run is several
// windows, and their spans merge). Only where ScrubRun characters in a
// row are all the token's is a window looked up.
func (m *tokenMatcher) runs(units []unit) [][2]int {
	var spans [][2]int
	var w [ScrubRun]rune
	inRow := 0 // units of the token's alphabet ending at i
	for i := range units {
		if !m.alphabet[units[i].r] {
			inRow = 0
			continue
		}
		if inRow++; inRow < ScrubRun {
			continue
		}
		first := i - ScrubRun + 1
		for k := range w {
			w[k] = units[first+k].r
		}
		if m.windows[w] {
			spans = append(spans, [2]int{int(units[first].start), int(units[i].end)})
		}
	}
	return spans
}

// invisible reports whether r is a character that shows nothing: a
// control or format character (zero-width space, joiners, BOM, soft
// hyphen), a combining mark or a variation selector.
func invisible(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	if unicode.IsLetter(r) { // most text: no table of the ones below holds a letter
		return false
	}
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
	if !slices.ContainsFunc(in, func(u unit) bool { return u.r == '%' || u.r == '\\' || u.r == '&' }) {
		return in, false
	}
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
	for j := i; j+2 < len(in) && in[j].r == '%' && len(b) < utf8.UTFMax; j += 3 {
		v, ok := hexAt(in, j+1, 2)
		if !ok {
			break
		}
		b = append(b, byte(v))
	}
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError { // no escape, or its bytes are not a character
		return nil, 0
	}
	n := 3 * size // the units of the character's escapes, %XX a byte
	return []unit{{r, in[i].start, in[i+n-1].end}}, n
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
	rest := in[i+1 : min(len(in), i+1+maxEntity)]
	k := slices.IndexFunc(rest, func(u unit) bool { return u.r == ';' || u.r == '&' || unicode.IsSpace(u.r) })
	if k < 0 || rest[k].r != ';' { // none within reach, or a & or a space before the ;
		return nil, 0
	}
	end := i + 1 + k
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
