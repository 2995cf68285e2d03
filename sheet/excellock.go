package sheet

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
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
	} else if entries, err := os.ReadDir(cmp.Or(dir, ".")); err == nil {
		var names []string // a Word-style owner file's workbook: its name but the first two letters
		for _, e := range entries {
			n := []rune(e.Name())
			if len(n) >= 2 && string(n[2:]) == rest && !strings.HasPrefix(e.Name(), "~$") {
				names = append(names, filepath.Join(dir, e.Name()))
			}
		}
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
