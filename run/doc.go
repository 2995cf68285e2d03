// Package run is what import, undo and export share: the machinery of a
// run, below the commands (importer, exporter, undo, and above them cmd and
// ui) and above the sheet, mapping, validate and API packages, which it may
// use. It holds the run's typed events and their printers, the ordered pool
// with per-key chains, the outcome errors, and what this file describes:
// the report line and the journal.
//
// One report line is one type, Line. Its struct tags are the only list of
// its columns: the report's header, the cells written to a CSV or XLSX
// report (with their XLSX widths), the columns a report must have to be
// read back, the cells read back into Lines (resume, undo), the JSON of a
// line (import --format json) and the journal's done record all derive
// from them, by one table computed once from the tags. A new report column
// is one new field with its tags.
//
// One journal format (Journal): the crash log an import and an undo write
// beside their report — a "start", a "send" before each write, a "done"
// with the line's outcome before its report line — from which a resume
// knows which writes may have been sent.
package run
