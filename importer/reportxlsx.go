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
	var fields []string
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
		for f := range maps.Keys(events.ChangesByField(l.ChangesText())) {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	if err := rs.Close(); err != nil {
		return err
	}
	slices.SortFunc(fields, fieldOrder)
	return renderXLSX(report, path, fields)
}
