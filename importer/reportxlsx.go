package importer

import (
	"errors"
	"io"
	"slices"
)

// ReportXLSX writes the report at report (a CSV report crmbulk wrote, an
// import's or an undo's) to path as the XLSX report a run given an .xlsx
// --report writes: the same columns, then a "before" and an "after"
// column for every field a line changed, for a person to filter by field.
func ReportXLSX(report, path string) error {
	rs, err := openCSVRecords(report)
	if err != nil {
		return err
	}
	var fields []string
	for {
		rec, _, err := rs.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = rs.close()
			return err
		}
		for f := range parseChanges(rec.Changes) {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	if err := rs.close(); err != nil {
		return err
	}
	slices.SortFunc(fields, fieldOrder)
	return renderXLSX(report, path, fields)
}
