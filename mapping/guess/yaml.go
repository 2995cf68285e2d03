package guess

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/shellquote"
)

// Source says how the sheet was read; every non-zero field is written into
// the mapping's source: section, so the import reads the file the same way.
type Source struct {
	// File is the sheet's name as the user gave it (used in comments only).
	File     string
	Sheet    string
	Encoding string
	// EncodingDetected says Encoding is the code page the reader detected
	// (the comment says so, and how to change it).
	EncodingDetected bool
	Delimiter        rune
	// HeaderRow is the 1-based row the header was found in, when rows
	// above it were skipped (a title, a format line); 0 = the first row.
	HeaderRow int
	// Shell is the shell the comment's command is written for.
	Shell shellquote.Shell
}

// quote writes s as a YAML double-quoted scalar (JSON strings are valid
// YAML), keeping non-ASCII letters readable.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	// JSON leaves DEL, the C1 controls and U+FFFE/U+FFFF as they are; YAML
	// refuses them unescaped.
	var e strings.Builder
	for _, r := range strings.TrimSuffix(b.String(), "\n") {
		if notYAMLPrintable(r) {
			fmt.Fprintf(&e, `\u%04X`, r)
			continue
		}
		e.WriteRune(r)
	}
	return e.String()
}

// notYAMLPrintable reports a rune that JSON does not escape but YAML's
// printable set excludes.
func notYAMLPrintable(r rune) bool {
	return r == 0x7f || r >= 0x80 && r <= 0x9f && r != 0x85 || r == 0xfffe || r == 0xffff
}

// oneLine keeps a comment on one line whatever a header holds.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			return ' '
		case r == '\t':
			return r
		case unicode.IsControl(r) || r == '\ufeff' || r == utf8.RuneError:
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// matchKeys are the fields mapping init sets match_by to, best first: each
// names one client. A phone is shared (a family, a switchboard), so it is
// only suggested.
var matchKeys = []string{"email", "invoice_tax_id", "login"}

// matchBy sets match_by when a column that names one client is mapped:
// without it a second run of the mapping creates every client again. The
// comment says why and how to turn it off. Otherwise the notes suggest a
// key that may name several clients, or say there is none.
func matchBy(has map[string]bool) (*Setting, []string) {
	var keys []string
	for _, k := range matchKeys {
		if has[k] {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
	case 1:
		return &Setting{Key: "match_by", Values: keys, Comment: fmt.Sprintf("set because a column is mapped to %s: a row updates the client with the same %s, and a second run creates no client twice; delete this line to create every row as a new client", keys[0], keys[0])}, nil
	default: // a row lacks every key before the last ("email nor invoice_tax_id") when the last is tried
		return &Setting{Key: "match_by", Values: keys, List: true, Comment: fmt.Sprintf("set because columns are mapped to these: a row updates the client with the same %s; %s is tried only for a row that has no %s, and a row whose own %s differs from the non-empty %s of the client a later key finds is a conflict, never an update; a second run creates no client twice; delete this line to create every row as a new client",
			keys[0], fallbackWords(keys[1:]), strings.Join(keys[:len(keys)-1], " nor "), keys[0], keys[0])}, nil
	}
	for _, k := range baselinker.MatchKeyFields() {
		if has[k] {
			return nil, []string{fmt.Sprintf("match_by: %s   # uncomment to update the client with the same %s instead of creating a new one (a %s may be shared by several clients)", k, k, k)}
		}
	}
	return nil, []string{fmt.Sprintf("No match_by: no column holds a key that names one client (%s), so a second run of this mapping creates every client again.",
		strings.Join(baselinker.MatchKeyFields(), ", "))}
}

// fallbackWords names the later keys of a match_by list: "login", or
// "invoice_tax_id (then login)".
func fallbackWords(keys []string) string {
	if len(keys) == 1 {
		return keys[0]
	}
	return keys[0] + " (then " + strings.Join(keys[1:], ", then ") + ")"
}
