// Package run is what import, undo and export share: the machinery of a
// run, below the commands and above the sheet, mapping and API packages.
//
// One report line is one type, Line. Its struct tags are the only list of
// its columns: the report's header, the cells written to a CSV or XLSX
// report, the header a report is checked by when it is read back (resume,
// undo), the cells read back into Lines, the JSON a line is printed as
// (import --format json) and the journal's done record are all derived
// from them, by one table computed once from the tags (see Columns). A new
// report column is one new field with its tags.
//
// One journal format (Journal): the crash log an import and an undo write
// beside their report — a "send" before each write, a "done" with the
// line's outcome after it — and that a resume reads to know which writes
// may have been sent.
package run
