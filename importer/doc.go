// Package importer moves the rows of a CSV or XLSX file into the CRM of a
// Base (BaseLinker) account: sheet reader → mapping → validate → an upsert
// pool → an ordered per-row report.
//
// Run is the whole import. It reads the file's bytes once for its SHA-256
// (the report's input_sha256, which ties a resume to its input) and parses
// it twice for a real run (a first pass proves the file can be read to the
// end and counts the rows, so bad input is refused before anything is
// sent) and once for a dry run, which hashes beside the parsing. With a
// match key (--match-by) it walks every client once and builds an index on
// the normalised key, so a row updates the client it matches, creates one
// when none matches, fails when two match, and costs nothing when the client
// already holds the row's values.
//
// Rows run in a bounded pool; rows that share a key (match key, client ID
// or email) run one after another in file order. One goroutine writes the
// report, in input order, through a reorder buffer bounded by the pool, and
// flushes every line. A dry run, bound by the CPU rather than the API, moves
// rows in batches: a CSV file is cut into chunks that every core parses,
// maps and validates (and, when no row depends on another, decides and
// formats), and one goroutine decides the rest in file order (the order the
// key chains give a real run) and writes (see dryrun.go). An
// append-only journal (REPORT.journal) records each
// write before it is sent and after it is answered, so a create whose answer
// never came — in this run or in a crashed one that is resumed — is looked
// up before it is ever sent again: a client is never created twice.
package importer
