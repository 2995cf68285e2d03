package importer

import (
	"errors"
	"io"
	"maps"
	"slices"

	events "github.com/crmbulk/crmbulk/run"
)

// ReportXLSX writes the report at report (a CSV report crmbulk wrote, an
// import's or an undo's) to path as the XLSX report a run given an .xlsx
// --report writes: the same columns, then a "before" and an "after"
// column for every field a line changed, for a person to filter by field.
func ReportXLSX(report, path string) error {
	rs, err := events.OpenCSVRecords(report)
	if err != nil {
		return err
	}
	fields := map[string]bool{}
	for {
		c, _, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = rs.Close()
			return err
		}
		l, _ := c.Line()
		for f := range events.ChangesByField(l.ChangesText()) {
			fields[f] = true
		}
	}
	if err := rs.Close(); err != nil {
		return err
	}
	return renderXLSX(report, path, slices.SortedFunc(maps.Keys(fields), fieldOrder))
}
