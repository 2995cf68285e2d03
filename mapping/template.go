package mapping

import (
	"errors"
	"strings"
)

// tmplPart is a literal (ref == "") or a reference to a header ({Header}).
type tmplPart struct {
	lit string
	ref string
}

var (
	errUnclosed  = errors.New("unclosed {")
	errUnopened  = errors.New("} without {")
	errEmptyRef  = errors.New("empty {}")
	errNestedRef = errors.New("{ inside {…}")
)

// parseTemplate splits a template into literals and {Header} references.
// {{ and }} stand for literal braces. off is the byte offset of the problem.
func parseTemplate(s string) (parts []tmplPart, off int, err error) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case (c == '{' || c == '}') && i+1 < len(s) && s[i+1] == c: // {{ or }}
			lit.WriteByte(c)
			i++
		case c == '}':
			return nil, i, errUnopened
		case c == '{':
			end := strings.IndexAny(s[i+1:], "{}")
			switch {
			case end < 0:
				return nil, i, errUnclosed
			case s[i+1+end] == '{':
				return nil, i + 1 + end, errNestedRef
			case strings.TrimSpace(s[i+1:i+1+end]) == "":
				return nil, i, errEmptyRef
			}
			flush()
			parts = append(parts, tmplPart{ref: s[i+1 : i+1+end]})
			i += 1 + end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts, 0, nil
}
