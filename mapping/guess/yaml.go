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
	"github.com/crmbulk/crmbulk/sheet"
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

// YAML renders the proposal as a mapping file: one line per field with a
// comment saying how sure the guess is, the templates, source: when src
// needs it, a commented match_by: suggestion and every unused column as a
// comment saying why. The output loads with mapping.Parse and binds to the
// header it was made from.
func (r Result) YAML(src Source) []byte {
	var b bytes.Buffer
	used, unused := 0, 0
	for _, g := range r.Columns {
		switch {
		case strings.TrimSpace(g.Header) == "":
		case g.Field != "" || g.Template != "" || g.FallbackFor != "":
			used++
		default:
			unused++
		}
	}
	name := src.File
	if name == "" {
		name = "the sheet"
	}
	fmt.Fprintf(&b, "# Mapping proposed by `crmbulk mapping init` for %s: %d columns, %d used, %d not.\n",
		oneLine(name), used+unused, used, unused)
	fmt.Fprintf(&b, "# Check every line, then try it: crmbulk import %s --mapping THIS_FILE --dry-run\n", oneLine(src.Shell.Quote(name)))
	if src.Sheet != "" || src.Encoding != "" || src.Delimiter != 0 || src.HeaderRow > 0 {
		b.WriteString("source:\n")
		if src.Sheet != "" {
			fmt.Fprintf(&b, "  sheet: %s\n", quote(src.Sheet))
		}
		if src.Encoding != "" {
			fmt.Fprintf(&b, "  encoding: %s", quote(src.Encoding))
			if src.EncodingDetected {
				b.WriteString(" # detected: the file is not UTF-8 and reads as this code page; change it if its letters look wrong")
			}
			b.WriteString("\n")
		}
		if src.Delimiter != 0 {
			d := string(src.Delimiter)
			if src.Delimiter == '\t' {
				d = "tab"
			}
			fmt.Fprintf(&b, "  delimiter: %s\n", quote(d))
		}
		if src.HeaderRow > 0 {
			fmt.Fprintf(&b, "  header_row: %d # the header was found in row %d: the rows above it (a title, a format line) are not data\n", src.HeaderRow, src.HeaderRow)
		}
	}
	fields := r.Fields()
	has := map[string]bool{}
	for _, f := range fields {
		has[f] = true
	}
	switch {
	case has["crm_client_id"]:
		b.WriteString("# Rows with a crm_client_id update that client; rows without one create a new client.\n")
	default:
		writeMatchBy(&b, has)
	}
	type line struct{ text, comment string }
	var lines []line
	for _, f := range fields {
		if t, ok := r.template(f); ok {
			cols := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				cols[i] = sheet.ColumnName(c)
			}
			lines = append(lines, line{
				text:    fmt.Sprintf("  %s: { template: %s, transform: [collapse_spaces] }", f, quote(t.Text)),
				comment: fmt.Sprintf("template: %s (columns %s)", t.Why, strings.Join(cols, ", ")),
			})
			continue
		}
		g := r.column(f)
		text, cols := r.columnValue(g)
		c := g.Method.String()
		if g.Method == Fuzzy {
			c = fmt.Sprintf("fuzzy %.2f — check it", g.Score)
		}
		c += ", " + cols
		if g.Split != "" {
			c += fmt.Sprintf("; a cell may hold several values split by %q: the first is sent, the report names the others", g.Split)
		}
		if g.Note != "" {
			c += "; " + g.Note
		}
		lines = append(lines, line{text: fmt.Sprintf("  %s: %s", f, text), comment: c})
	}
	if len(lines) == 0 {
		b.WriteString("# No column looked like a CRM field; write one \"field: Header\" line per field (see `crmbulk fields`).\n")
		b.WriteString("columns: {}\n")
	} else {
		b.WriteString("columns:\n")
		width := 0
		for _, l := range lines {
			width = max(width, len([]rune(l.text)))
		}
		for _, l := range lines {
			fmt.Fprintf(&b, "%s%s  # %s\n", l.text, strings.Repeat(" ", width-len([]rune(l.text))), oneLine(l.comment))
		}
	}
	if unused > 0 {
		b.WriteString("# Not used:\n")
		for _, g := range r.Columns {
			if strings.TrimSpace(g.Header) == "" || g.Field != "" || g.Template != "" || g.FallbackFor != "" {
				continue
			}
			note := g.Note
			if strings.HasPrefix(note, "no CRM field") {
				note += "; to keep it, put it under custom_extra_fields: with the extra field's ID"
			}
			fmt.Fprintf(&b, "#   %s (column %s): %s\n", oneLine(quote(g.Header)), sheet.ColumnName(g.Column), oneLine(note))
		}
	}
	return b.Bytes()
}

// columnValue is the mapping's value for a column guess — its header, or
// a list of columns with the fallbacks and a split — and the comment's
// "column C" or "columns C, D (the first that is not blank)".
func (r Result) columnValue(g Guess) (text, cols string) {
	if len(g.Fallbacks) == 0 && g.Split == "" {
		return quote(g.Header), "column " + sheet.ColumnName(g.Column)
	}
	names, letters := []string{quote(g.Header)}, []string{sheet.ColumnName(g.Column)}
	for _, c := range g.Fallbacks {
		names = append(names, quote(r.Header[c]))
		letters = append(letters, sheet.ColumnName(c))
	}
	col := names[0]
	cols = "column " + letters[0]
	if len(names) > 1 {
		col = "[" + strings.Join(names, ", ") + "]"
		cols = "columns " + strings.Join(letters, ", ") + " (the first that is not blank)"
	}
	if g.Split != "" {
		return fmt.Sprintf("{ column: %s, split: %s }", col, quote(g.Split)), cols
	}
	return fmt.Sprintf("{ column: %s }", col), cols
}

func (r Result) template(field string) (Template, bool) {
	for _, t := range r.Templates {
		if t.Field == field {
			return t, true
		}
	}
	return Template{}, false
}

func (r Result) column(field string) Guess {
	for _, g := range r.Columns {
		if g.Field == field {
			return g
		}
	}
	return Guess{}
}

// quote writes s as a YAML double-quoted scalar (JSON strings are valid
// YAML), keeping non-ASCII letters readable.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	// JSON leaves DEL, the C1 controls and U+FFFE/U+FFFF as they are; YAML
	// refuses them unescaped.
	if strings.IndexFunc(out, notYAMLPrintable) < 0 {
		return out
	}
	var e strings.Builder
	for _, r := range out {
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

// writeMatchBy sets match_by when a column that names one client is
// mapped: without it a second run of the mapping creates every client
// again. The comment says why and how to turn it off.
func writeMatchBy(b *bytes.Buffer, has map[string]bool) {
	var keys []string
	for _, k := range matchKeys {
		if has[k] {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
	case 1:
		fmt.Fprintf(b, "match_by: %s   # set because a column is mapped to %s: a row updates the client with the same %s, and a second run creates no client twice; delete this line to create every row as a new client\n", keys[0], keys[0], keys[0])
		return
	default:
		fmt.Fprintf(b, "match_by: [%s]   # set because columns are mapped to these: a row updates the client with the same %s; %s is tried only for a row that has no %s, and a row whose own %s differs from the non-empty %s of the client a later key finds is a conflict, never an update; a second run creates no client twice; delete this line to create every row as a new client\n",
			strings.Join(keys, ", "), keys[0], fallbackWords(keys[1:]), earlier(keys), keys[0], keys[0])
		return
	}
	for _, k := range baselinker.MatchKeyFields() {
		if has[k] {
			fmt.Fprintf(b, "# match_by: %s   # uncomment to update the client with the same %s instead of creating a new one (a %s may be shared by several clients)\n", k, k, k)
			return
		}
	}
	fmt.Fprintf(b, "# No match_by: no column holds a key that names one client (%s), so a second run of this mapping creates every client again.\n",
		strings.Join(baselinker.MatchKeyFields(), ", "))
}

// fallbackWords names the later keys of a match_by list: "login", or
// "invoice_tax_id (then login)".
func fallbackWords(keys []string) string {
	if len(keys) == 1 {
		return keys[0]
	}
	return keys[0] + " (then " + strings.Join(keys[1:], ", then ") + ")"
}

// earlier names what a row lacks before a later key is tried: the first
// key, or "email nor invoice_tax_id".
func earlier(keys []string) string {
	if len(keys) == 2 {
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], " nor ")
}
