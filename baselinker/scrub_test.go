package baselinker

import (
	"fmt"
	"html"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strings"
	"testing"
)

const scrubTok = "3001234-3005678-QWERTYUIOPASDFGHJKLZXCVBNM123456"

// TestScrubTokenForms: the forms an echo of the token took in issue 20,
// each scrubbed, and the text around it kept.
func TestScrubTokenForms(t *testing.T) {
	tok := scrubTok
	half := len(tok) / 2
	tests := []struct{ name, in string }{
		{"whole", "bad token " + tok + " here"},
		{"split in halves", "first " + tok[:half] + " and then " + tok[half:] + " end"},
		{"one %-escaped, another \\u-escaped", "x " + tok[:5] + "%" + fmt.Sprintf("%02X", tok[5]) + tok[6:12] + fmt.Sprintf(`\u%04x`, tok[12]) + tok[13:] + " y"},
		{"HTML entity", "<p>" + tok[:10] + "&#x" + fmt.Sprintf("%X", tok[10]) + ";" + tok[11:20] + "&#" + fmt.Sprint(int(tok[20])) + ";" + tok[21:] + "</p>"},
		{"named entity", "t=" + strings.ReplaceAll(tok, "-", "&hyphen;") + "!"},
		{"zero-width space inside", "z " + tok[:9] + "\u200b" + tok[9:17] + "\u2060\ufeff" + tok[17:] + " z"},
		{"20-character prefix in a warning", "Field login was cut: " + tok[:20]},
		{"query escape of everything", "?t=" + url.QueryEscape(tok) + "&u=1"},
		{"escaped escape", "v=" + url.QueryEscape(fmt.Sprintf(`\u%04x`, tok[0])+tok[1:12])},
		{"JSON surrogate-free \\u of all", jsonEscapeAll(tok[8:30])},
		{"8 characters from the middle", "..." + tok[18:26] + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScrubToken(tt.in, tok)
			if leak := tokenPiece(got, tok); leak != "" {
				t.Errorf("ScrubToken(%q) = %q: still holds %q", tt.in, got, leak)
			}
			if !strings.Contains(got, redacted) {
				t.Errorf("ScrubToken(%q) = %q: nothing redacted", tt.in, got)
			}
		})
	}
	for _, keep := range []string{"", "ordinary text", "Nazwa klienta: Kowalski i Syn", tok[:7] + " " + tok[7:14], "&amp; %20 \\u0041 \u200b"} {
		if got := ScrubToken(keep, tok); got != keep {
			t.Errorf("ScrubToken(%q) = %q, want it unchanged", keep, got)
		}
	}
	if got := ScrubToken("a "+tok+" b", tok); got != "a [redacted] b" {
		t.Errorf("the text around the token is not kept: %q", got)
	}
}

// tokenPiece returns the first run of ScrubRun characters of tok found in s
// as it is or after undoing escapes by an independent route (the standard
// library's decoders, invisible characters dropped), or "".
func tokenPiece(s, tok string) string {
	forms := []string{s}
	cur := s
	for range 3 {
		if u, err := url.PathUnescape(cur); err == nil {
			cur = u
		}
		cur = html.UnescapeString(jsonUnescape(cur))
		forms = append(forms, cur, strings.Map(func(r rune) rune {
			if invisible(r) {
				return -1
			}
			return r
		}, cur))
	}
	for _, f := range forms {
		for i := 0; i+ScrubRun <= len(tok); i++ {
			if strings.Contains(f, tok[i:i+ScrubRun]) {
				return tok[i : i+ScrubRun]
			}
		}
	}
	return ""
}

// jsonUnescape decodes \uXXXX escapes by strconv-free means (independent of unescapeUnits).
func jsonUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		var v rune
		if s[i] == '\\' && i+5 < len(s) && s[i+1] == 'u' {
			if _, err := fmt.Sscanf(s[i+2:i+6], "%04x", &v); err == nil {
				b.WriteRune(v)
				i += 5
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// encodeRandomly writes each character of s plainly or in one of the forms
// an echo may take, with invisible characters between some.
func encodeRandomly(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		switch rng.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "%%%02X", r)
		case 1:
			fmt.Fprintf(&b, `\u%04x`, r)
		case 2:
			fmt.Fprintf(&b, "&#x%x;", r)
		case 3:
			fmt.Fprintf(&b, "&#%d;", r)
		case 4:
			b.WriteString(html.EscapeString(string(r)) + []string{"\u200b", "\u200d", "\u00ad", "\ufe0f"}[rng.IntN(4)])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestScrubTokenProperty: for random tokens and random encodings of random
// pieces of at least ScrubRun characters, set in random text, the scrubbed
// text holds no run of ScrubRun characters of the token in any form.
func TestScrubTokenProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 4))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_<>&\"'/"
	for range 3000 {
		tok := make([]byte, MinTokenLen+rng.IntN(40))
		for i := range tok {
			tok[i] = alphabet[rng.IntN(len(alphabet))]
		}
		n := ScrubRun + rng.IntN(len(tok)-ScrubRun+1)
		at := rng.IntN(len(tok) - n + 1)
		piece := encodeRandomly(rng, string(tok[at:at+n]))
		in := strings.Repeat("· ", rng.IntN(3)) + piece + strings.Repeat(" ~", rng.IntN(3))
		got := ScrubToken(in, string(tok))
		if leak := tokenPiece(got, string(tok)); leak != "" {
			t.Fatalf("token %q, text %q: scrubbed %q still holds %q", tok, in, got, leak)
		}
	}
}

// FuzzScrubToken: whatever the text, the scrubbed text holds no plain run
// of ScrubRun characters of the token, and a text without one comes back unchanged.
func FuzzScrubToken(f *testing.F) {
	f.Add("bad token "+scrubTok, scrubTok)
	f.Add("%33%30"+scrubTok[2:12], scrubTok)
	f.Add("&#x33;\u200b"+scrubTok[1:10], scrubTok)
	f.Fuzz(func(t *testing.T, s, tok string) {
		if len([]rune(tok)) < MinTokenLen {
			return
		}
		got := ScrubToken(s, tok)
		tr := []rune(tok)
		for i := 0; i+ScrubRun <= len(tr); i++ {
			if strings.Contains(got, string(tr[i:i+ScrubRun])) && !strings.Contains(redacted, string(tr[i:i+ScrubRun])) {
				t.Fatalf("ScrubToken(%q, %q) = %q holds %q", s, tok, got, string(tr[i:i+ScrubRun]))
			}
		}
	})
}

// TestScrubTokenLongText: in a long answer (the whole body is scrubbed
// before it is cut to a snippet) the token is found across the chunks the
// text is searched in, and memory stays bounded.
func TestScrubTokenLongText(t *testing.T) {
	tok := scrubTok
	for _, at := range []int{0, scrubChunk - 10, scrubChunk + scrubOverlap - 5, 3*scrubChunk - 1, 1<<20 - 60} {
		body := []byte(strings.Repeat("ż", 1<<20/2))
		s := string(body[:at]) + encodeRandomly(rand.New(rand.NewPCG(uint64(at), 1)), tok) + string(body[at:])
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got := ScrubToken(s, tok)
		runtime.ReadMemStats(&after)
		if leak := tokenPiece(got, tok); leak != "" {
			t.Errorf("token at byte %d: still holds %q", at, leak)
		}
		// (the text is searched a chunk at a time: what is allocated for
		// one is garbage before the next, and the total stays linear)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 32*uint64(len(s)) {
			t.Errorf("scrubbing %d MB allocated %d MB", len(s)>>20, grew>>20)
		}
	}
}
