package validate

import (
	"fmt"
	"strings"
)

// RuleControl: a value holds a control character no field stores.
const RuleControl = "control_character"

// Control characters: a NUL or another C0 control character (U+0000–U+001F)
// in a value makes its row invalid, in every field and whatever the file's
// format (a CSV past its first 32 KiB, an XLSX's _x0000_ escape, EDI++), so
// that none is ever stored: it is invisible in most programs and often
// means a damaged file or one saved as UTF-16. Tab and the line breaks LF
// and CR are not refused: notes and addresses hold several lines.

// controlProblem appends the problem of a value holding a refused control
// character to ps.
func controlProblem(field, value string, ps []Problem) []Problem {
	i := strings.IndexFunc(value, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' })
	if i < 0 {
		return ps
	}
	c := value[i]
	what := fmt.Sprintf("the control character U+%04X", c)
	if c == 0 {
		what = "a NUL character (U+0000)"
	}
	return append(ps, Problem{Field: field, Value: value, Rule: RuleControl,
		Message: fmt.Sprintf("the value holds %s at character %d, which is never stored", what, len([]rune(value[:i]))+1),
		Fix:     "remove it from the cell (most programs do not show it; a NUL often means the file was saved as UTF-16 or is damaged)"})
}
