// Package importer moves the rows of a CSV or XLSX file into the CRM of a
// Base (BaseLinker) account: sheet reader → mapping → validate → plan
// (before → after) → sender → an ordered per-row report. A dry run is the
// same pipeline with a sender that records instead of sending.
//
// Run is the whole import, a list of named phases: open the input
// (fingerprint its bytes for the report's input_sha256, which ties a
// resume to its input; read it once to the end so bad input is refused
// before anything is sent; bind the mapping to its header), read the
// index, open the resumed report, create the report, then the rows, then
// settle. The index is every client of the account, read once 100 a page,
// when a row can be compared with one — by its match key (--match-by) or
// by a mapped crm_client_id — so a row updates the client it matches,
// creates one when none matches, fails when two match, and costs nothing
// when the client already holds its values.
//
// What a row's own cells decide — mapped, text marks removed, country
// names sent as ISO codes, checked, or skipped as no client — is a
// Checker's verdict (check.go): the run's rows go through it, and a
// preview calls Check on a row without a run, so the two cannot disagree.
//
// The plan of a row (plan.go) is what is sent: every field of a create;
// for an update the fields whose canonical form differs, before → after,
// and the fields the list cannot show (notes, extra fields: "not compared
// (no read)", unless Config.CompareNotes reads the client). Every report
// line carries it in its changes column.
//
// Rows run in the run pool (run.Pool, which undo shares: a job's error
// stops the run); rows that share a key (match key, client ID or email)
// run one after another in file order. The pool's one emitting goroutine
// writes the report (run.ReportFile) in input order, its window bounding
// the rows in flight, and flushes every line of a real run (an XLSX report
// is kept as a CSV record beside it and rendered at the end). An append-only journal (REPORT.journal)
// records each write before it is sent and settles it when its line is
// written, so a create whose answer never came — in this run or in a
// crashed one that is resumed — is looked up, once it can no longer land
// (--request-timeout after its send: indoubt.go), before it is ever sent
// again: a client is never created twice.
package importer
