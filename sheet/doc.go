// Package sheet moves rows of text in and out of CSV and XLSX files, one row
// at a time, for crmbulk's exporter (which writes through it) and importer
// (which reads through it and writes its per-row report through it).
//
// Reading (Open) yields Rows: the row number a spreadsheet program would
// show and the cells as text, padded to the header's width. Blank rows are
// skipped but keep their numbers. CSV input is decoded from UTF-8 (with or
// without BOM), UTF-16 (by BOM), a named encoding such as windows-1250, or
// the code page its letters make sense in (codepage.go); the delimiter is
// sniffed unless given. CSV is read and written with encoding/csv (row
// numbers from FieldPos). XLSX input is streamed with excelize's Rows
// iterator; numbers come back as the text a person sees, dates by their
// number format. An EDI++ file (.epp, epp.go) is read for its KONTRAHENCI
// records, as a sheet whose header is the format's field names.
//
// Input is bounded by what the API can take, not by the file
// (xmlguard.go): a cell of more than MaxCellChars characters refuses the
// file naming its row and column in every format, and an XLSX is checked
// part by part before excelize reads it. An XLSX or EDI++ file is read
// whole or not at all.
//
// Errors about the input are *ParseError values naming the file, the row, the
// column and what to do; their kind is one of the Err* sentinels. Row-level
// problems (Recoverable reports true: ErrRagged, ErrEmptyHeader) let the
// caller keep reading; every other error from Read is sticky.
//
// Writing (NewCSVWriter, NewXLSXWriter, NewJSONLWriter, Create) takes the
// header first and then one []string per row. XLSX cells are always
// written as text (except plain integers in columns marked numeric), so
// "00-950", "007", "1e5", "TRUE" and "=1+1" come back exactly. Text marks
// (guard.go) are one rule both ways: what StripTextMark removes on import,
// GuardFormula, ExcelText and ProtectTextMark add on export.
//
// CreateAtomic and Lock make nightly exports safe: the target file is
// replaced only when the run succeeds, and two runs cannot write the same
// place at once.
package sheet
