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
		c := s[i]
		switch c {
		case '{':
			if i+1 < len(s) && s[i+1] == '{' {
				lit.WriteByte('{')
				i++
				continue
			}
			end := strings.IndexAny(s[i+1:], "{}")
			if end < 0 || s[i+1+end] == '{' {
				if end >= 0 {
					return nil, i + 1 + end, errNestedRef
				}
				return nil, i, errUnclosed
			}
			name := s[i+1 : i+1+end]
			if strings.TrimSpace(name) == "" {
				return nil, i, errEmptyRef
			}
			flush()
			parts = append(parts, tmplPart{ref: name})
			i += 1 + end
		case '}':
			if i+1 < len(s) && s[i+1] == '}' {
				lit.WriteByte('}')
				i++
				continue
			}
			return nil, i, errUnopened
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts, 0, nil
}
