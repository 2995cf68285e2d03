package sheet

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// A code page detector for CSV files that are not UTF-8: the Excel of a
// Polish, Czech or German Windows saves "CSV" in the system's ANSI code page.
// No well-kept Go library detects single-byte code pages (the ICU port is
// unmaintained and judges by trigrams of a few languages), so this is a small
// scorer: each candidate decodes the bytes, and what it makes of the
// non-ASCII ones is judged — letters of the region's languages inside words
// count for it, symbols inside words (¹ ³ ¿ ±) and C1 control characters
// count hard against it. The candidate whose letters one language explains
// best wins; a tie goes to the first candidate (the decodings are then the
// same wherever they matter).

// codePage is one candidate; name is as Options.Encoding takes it.
type codePage struct {
	name string
	enc  encoding.Encoding
}

// codePages are the candidates in order of preference on a tie: the
// Western page first (a German file decodes the same in all three), then
// Central Europe's Windows page before its ISO one.
var codePages = []codePage{
	{"windows-1252", charmap.Windows1252},
	{"windows-1250", charmap.Windows1250},
	{"iso-8859-2", charmap.ISO8859_2},
}

// languages are the letters beyond ASCII of the languages whose files the
// candidates are for (lower case). A decoding whose letters one of them
// explains is more likely than one that needs several.
var languages = []string{
	"ąćęłńóśźż",         // Polish
	"áčďéěíňóřšťúůýž",   // Czech
	"áäčďéíĺľňóôŕšťúýž", // Slovak
	"áéíóöőúüű",         // Hungarian
	"äöüß",              // German
	"àâæçéèêëîïôœùûüÿ",  // French
	"áéíñóúü",           // Spanish
	"åäöæø",             // Nordic
	"ăâîșşțţ",           // Romanian
}

// detectCodePage returns the code page sample was most likely written in,
// and false when it is UTF-8 or no candidate is convincing: then the
// caller's "not UTF-8" error, if any, stands.
func detectCodePage(sample []byte) (codePage, bool) {
	if utf8.Valid(sample) || mostlyUTF8(sample) {
		return codePage{}, false
	}
	best, bestScore, found := codePage{}, 0, false
	for _, cp := range codePages {
		text, err := cp.enc.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		s, ok := judge(string(text))
		if ok && (!found || s > bestScore) {
			best, bestScore, found = cp, s, true
		}
	}
	return best, found
}

// mostlyUTF8 reports whether b looks like a UTF-8 file with a few broken
// bytes (a row pasted from elsewhere), which no code page reads right — as
// windows-1250 its "ó" would become "Ăł". The sign is UTF-8 characters of
// the Latin alphabets or of typography (“ ” – €) among the bad bytes: a
// code page makes such byte pairs only by accident (an uppercase letter
// before a symbol), far fewer than its bytes that are not UTF-8. Pairs
// that happen to decode to other scripts ("SPÓŁKA" in windows-1250 holds
// Cyrillic "ӣ") are no sign.
func mostlyUTF8(b []byte) bool {
	latin, invalid := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1 && (r >= 0xa0 && r <= 0x24f || r >= 0x2010 && r <= 0x206f || r == 0x20ac):
			latin++
		}
		b = b[n:]
	}
	return latin > 0 && latin*20 >= invalid
}

// judge scores one decoding: ok is false when it is not convincing — a
// control character or a byte the page does not define, symbols inside
// words in more than one word of ten, no letters beyond ASCII, or more of
// them than of ASCII letters (Cyrillic or Greek read as a Latin page is
// all accented letters; a Polish or Czech text has a few in a word).
func judge(text string) (score int, ok bool) {
	var ascii, letters, bad int
	hits := make([]int, len(languages))
	prev := ' '
	for i, r := range text {
		if r < utf8.RuneSelf {
			if unicode.IsLetter(r) {
				ascii++
			}
			prev = r
			continue
		}
		next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):])
		switch {
		case r >= 0x80 && r <= 0x9f, r == utf8.RuneError:
			return 0, false
		case r == '°' || r == 'º' || r == 'ª':
			// "N° TVA", "Nº", "1ª": the number sign of French, Spanish,
			// Italian and Portuguese headers follows a letter.
		case unicode.IsLetter(r):
			letters++
			lr := unicode.ToLower(r)
			for j, l := range languages {
				if strings.ContainsRune(l, lr) {
					hits[j]++
				}
			}
		case unicode.IsPunct(r) && unicode.IsLetter(prev) && unicode.IsLetter(next),
			!unicode.IsPunct(r) && (unicode.IsLetter(prev) || unicode.IsLetter(next)):
			// A symbol at a word ("Wa³brzych", "¯ó³w") or punctuation
			// inside one ("Wie¿a"); „quotes” and – dashes between words
			// are no sign either way.
			bad++
		}
		prev = r
	}
	if letters == 0 || bad*10 > letters || letters > ascii {
		return 0, false
	}
	return 2*letters + slices.Max(hits) - 10*bad, true
}

// A Rereading is what a text read in the wrong encoding was meant to be.
type Rereading struct {
	Text   string // the text as its file meant it
	ReadAs string // the encoding it was read in ("utf-8" or a code page)
	Really string // the encoding its file is in
}

// Rereadings returns what text would have been had its bytes been read in
// another of the encodings crmbulk tells apart (UTF-8 and the code pages
// above): "ImiÄ™" is UTF-8's "Imię" read as windows-1252. A header a
// mapping names but the sheet lacks is looked up among them, so the error
// names the encoding to give rather than the garbled name.
func Rereadings(text string) []Rereading {
	var out []Rereading // none for ASCII, which every candidate reads alike
	for _, as := range codePages {
		raw, err := as.enc.NewEncoder().Bytes([]byte(text))
		if err != nil {
			continue // text has letters this page cannot hold: not read in it
		}
		if utf8.Valid(raw) && string(raw) != text {
			out = append(out, Rereading{Text: string(raw), ReadAs: as.name, Really: "utf-8"})
		}
		for _, really := range codePages {
			if really.name == as.name {
				continue
			}
			if t, err := really.enc.NewDecoder().Bytes(raw); err == nil && string(t) != text {
				out = append(out, Rereading{Text: string(t), ReadAs: as.name, Really: really.name})
			}
		}
	}
	// UTF-8 read as... is never a misreading of valid text the other way
	// round: a code-page file read as UTF-8 is refused, not garbled.
	return out
}

// trimCutRune drops the last character of sample, which may be cut short.
func trimCutRune(sample []byte) []byte {
	for i := 0; i < utf8.UTFMax-1 && len(sample) > 0 && !utf8.RuneStart(sample[len(sample)-1]); i++ {
		sample = sample[:len(sample)-1]
	}
	if len(sample) > 0 && sample[len(sample)-1] >= utf8.RuneSelf {
		sample = sample[:len(sample)-1]
	}
	return sample
}
