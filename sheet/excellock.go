package sheet

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// excelOwnerFile refuses Excel's "owner file": ~$klienci.xlsx is the lock
// Excel keeps beside a workbook while it is open (a few bytes: the user's
// name), never a spreadsheet. The error names the workbook it stands for —
// Excel writes ~$ before the whole name, Word-style owner files replace the
// first two letters — when one is in the same folder.
func excelOwnerFile(path string) error {
	dir, base := filepath.Split(path)
	rest, ok := strings.CutPrefix(base, "~$")
	if !ok {
		return nil
	}
	real := ""
	if _, err := os.Stat(filepath.Join(dir, rest)); err == nil {
		real = filepath.Join(dir, rest)
	} else {
		names, _ := filepath.Glob(filepath.Join(dir, "??"+globEscape(rest)))
		names = slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(filepath.Base(n), "~$") })
		if len(names) == 1 {
			real = names[0]
		}
	}
	what := "import the workbook itself"
	if real != "" {
		what = fmt.Sprintf("import %s itself", real)
	}
	return &ParseError{File: base, Err: hint(ErrFormat, "this is Excel's lock file for a workbook that is open in Excel, not a spreadsheet",
		what+" (save it in Excel first; the lock file goes when Excel closes it)")}
}

// globEscape makes s match itself in filepath.Glob.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
