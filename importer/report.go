package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gocarina/gocsv"

	"github.com/crmbulk/crmbulk/internal/recordmac"
	"github.com/crmbulk/crmbulk/internal/safefile"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// Status is the outcome of one row.
type Status string

// The statuses of a report line.
const (
	StatusCreated   Status = "created"   // a new client was created
	StatusUpdated   Status = "updated"   // an existing client was updated
	StatusUnchanged Status = "unchanged" // the matched client already held the row's values; nothing sent
	StatusInvalid   Status = "invalid"   // the row broke a rule; nothing sent
	StatusFailed    Status = "failed"    // the API refused the row or its outcome could not be settled
	StatusConflict  Status = "conflict"  // a later key of match_by found another person's client; nothing sent
	StatusSkipped   Status = "skipped"   // not attempted (interrupted, the run stopped on a fatal error), or not a client (an empty or total row, a repeat)
)

// Statuses lists every status in report order.
func Statuses() []Status {
	return []Status{StatusCreated, StatusUpdated, StatusUnchanged, StatusInvalid, StatusFailed, StatusConflict, StatusSkipped}
}

// finished reports whether a row with status s needs no further work on resume.
func (s Status) finished() bool {
	return s == StatusCreated || s == StatusUpdated || s == StatusUnchanged
}

// Error codes the importer itself writes (API refusals keep the API's code).
const (
	CodeInvalid       = "INVALID"         // validation or mapping problems
	CodeNoSuchClient  = "NO_SUCH_CLIENT"  // the row's crm_client_id is not a client of the account
	CodeAmbiguous     = "AMBIGUOUS_MATCH" // two or more clients share the row's key
	CodeTransport     = "TRANSPORT"       // no answer after the client's retries
	CodeJournal       = "JOURNAL"         // the journal could not be written: nothing was sent
	CodeWaitedTooLong = "WAITED_TOO_LONG" // the API's blocks took longer than --max-wait: not sent
	CodeKeyConflict   = "KEY_CONFLICT"    // a later key of match_by found a client that is not this row's person (conflict)
	CodeEmptyRow      = "EMPTY_ROW"       // every mapped field of the row is empty: no client from nothing (skipped)
	CodeTotalRow      = "TOTAL_ROW"       // the row reads as a spreadsheet's total line (skipped)
	CodeSameAsRow     = "SAME_AS_ROW"     // the row repeats an earlier row without a key, which is planned once (skipped)
)

// The codes of the rows a run did not finish are the run's (package run),
// shared with undo.
const (
	CodeOutcomeUnknown = events.CodeOutcomeUnknown // a create was sent, its answer never came, and a look-up could not settle it
	CodeInterrupted    = events.CodeInterrupted    // SIGINT/SIGTERM before the row was sent
	CodeNotAttempted   = events.CodeNotAttempted   // a fatal API error stopped the run before the row
)

// dryNote is the note of every line of a dry run.
const dryNote = "dry run: not sent"

// Line is one line of the report: the outcome of one non-blank input row.
type Line struct {
	Row      int     // the row number a spreadsheet shows
	Status   Status  //
	ID       int64   // crm_client_id created, updated or matched (0 = none)
	Code     string  // error code: the API's verbatim, or one of the Code* constants
	Message  string  // error message: the API's verbatim, or what to do and what went wrong
	MatchKey string  // the normalised match key, "field:value"
	Column   string  // source column(s) of the problems
	Changes  Changes // the plan: what was (or would be) written
	Warnings string  // warnings (the row was still sent)
	Note     string  // e.g. "dry run: not sent"
	// StatusNames names the status IDs of a status_id change (ID → the
	// account's name) for people: the plan printed and the summary. The
	// report's changes column keeps the IDs alone (undo and line_mac read
	// it); nil when the statuses were not read, empty when they do not
	// list the IDs.
	StatusNames map[string]string

	changesText string    // Changes as read back from an old report
	num         int       // the line's row in the old report it was read from
	problems    []problem // why an invalid row is invalid, for the summary
	adjusted    []string  // the kinds of values changed on the way in, for the summary
	unkeyed     bool      // the row has none of the match keys set (a create cannot be found again)
	disputed    bool      // the row shares a key with rows that disagree with it
	apiWarned   bool      // the API's answer carried warnings
	// unsettled: a write was sent and whether it took effect is not known;
	// the journal keeps its "send" open for --resume.
	unsettled bool
	// earlier: the line is an earlier run's (the resumed report's, or
	// settled from its journal), not done by this run: no part of its rate.
	earlier bool
}

// problem is one reason a row is invalid.
type problem struct {
	field, rule, text   string
	column, value, hint string // for Problem
}

// ChangesText is the report's changes column.
func (l *Line) ChangesText() string {
	if l.Changes == nil {
		return l.changesText
	}
	return l.Changes.String()
}

// ChangesForPeople is ChangesText with the statuses' names after their
// IDs: status_id: "3" (Nowy) → "5" (Stały klient).
func (l *Line) ChangesForPeople() string {
	if l.Changes == nil || l.StatusNames == nil {
		return l.ChangesText()
	}
	return l.Changes.format(l.StatusNames)
}

// warnedBy adds the warnings of the API's SUCCESS answer to the line,
// verbatim.
func (l *Line) warnedBy(ws []string) {
	for _, w := range ws {
		if l.Warnings != "" {
			l.Warnings += "; "
		}
		l.Warnings += "the API warned: " + w
	}
	l.apiWarned = l.apiWarned || len(ws) > 0
}

// changedFields names the fields of the line's plan.
func (l *Line) changedFields() []string {
	if l.Changes == nil {
		return slices.Collect(maps.Keys(parseChanges(l.changesText)))
	}
	out := make([]string, len(l.Changes))
	for i, c := range l.Changes {
		out[i] = c.Field
	}
	return out
}

// record is a report line as its CSV file holds it: the report is read
// and written with gocsv through this type. The fingerprint and account
// come last, then the line's proof (recordmac: a MAC of the other cells,
// keyed by the account's secret in the state directory).
type record struct {
	Row      string `csv:"row"`
	Status   string `csv:"status"`
	ID       string `csv:"crm_client_id"`
	Code     string `csv:"error_code"`
	Message  string `csv:"error_message"`
	MatchKey string `csv:"match_key"`
	Column   string `csv:"column"`
	Changes  string `csv:"changes"`
	Warnings string `csv:"warnings"`
	Note     string `csv:"note"`
	SHA      string `csv:"input_sha256"`
	Account  string `csv:"account"`
	MAC      string `csv:"line_mac"`
}

// ReportHeader is the header of every report, in column order.
func ReportHeader() []string {
	return []string{"row", "status", "crm_client_id", "error_code", "error_message",
		"match_key", "column", "changes", "warnings", "note", "input_sha256", "account", "line_mac"}
}

func (l *Line) record(sha, account string) record {
	id := ""
	if l.ID > 0 {
		id = strconv.FormatInt(l.ID, 10)
	}
	return record{Row: strconv.Itoa(l.Row), Status: string(l.Status), ID: id, Code: l.Code, Message: l.Message,
		MatchKey: l.MatchKey, Column: l.Column, Changes: l.ChangesText(), Warnings: l.Warnings, Note: l.Note, SHA: sha, Account: account}
}

// cells is the record in ReportHeader's order.
func (rec record) cells() []string {
	return append(rec.content(), rec.MAC)
}

// content is the cells the line's MAC proves: all but the MAC.
func (rec record) content() []string {
	return []string{rec.Row, rec.Status, rec.ID, rec.Code, rec.Message, rec.MatchKey, rec.Column,
		rec.Changes, rec.Warnings, rec.Note, rec.SHA, rec.Account}
}

// The MAC of a line covers its cells and the MAC of the line before it
// (prev; "" for the first): a chain, so a line deleted, moved, or pasted
// in from another report breaks the proof of the line after it.

// signed is the record with its MAC under key, after the line whose MAC is
// prev (none without a key: a dry run, or a library caller without a
// state directory).
func (rec record) signed(key []byte, prev string) record {
	if key != nil {
		rec.MAC = recordmac.Sum(key, append(rec.content(), prev))
	}
	return rec
}

// proven checks the line's MAC under key, after the line whose MAC is prev
// (every line passes without a key). The error names the file and row,
// and says what to do.
func (rec record) proven(key []byte, prev, file string, num int, account string) error {
	switch {
	case key == nil, recordmac.Verify(key, append(rec.content(), prev), rec.MAC):
		return nil
	case rec.Note == dryNote && rec.MAC == "":
		return nil // a dry run's plan proves nothing; resume and undo refuse it as such

	case strings.TrimSpace(rec.MAC) == "":
		return fmt.Errorf("%w: %s: row %d has no proof (its line_mac column is empty): crmbulk writes one on every line, so the report was edited or written by an older crmbulk; restore it as the run left it (nothing was sent)", ErrUnproven, file, num)
	case account != "" && rec.Account != account:
		return fmt.Errorf("%w: %s: row %d was written with another API token (account %s; this token is %s): use the token of that run (nothing was sent)", ErrUnproven, file, num, rec.Account, account)
	}
	return fmt.Errorf("%w: %s: row %d does not match its proof (line_mac): the line, or the one before it, was changed, moved or deleted after crmbulk wrote it — restore the report as the run left it; "+
		"or, if it is as written, run as the user and with the --state-dir of the run that wrote it, whose key proves it (nothing was sent)", ErrUnproven, file, num)
}

// ErrUnproven marks a report line whose proof (line_mac) fails: the
// report was edited or forged, and is not resumed or undone.
var ErrUnproven = errors.New("a report line fails its proof")

// guarded is the record with every cell guarded against being run as a
// formula by a spreadsheet (sheet.GuardFormula; read back with Unguard).
func (rec record) guarded(guard func(string) string) record {
	for _, p := range []*string{&rec.Row, &rec.Status, &rec.ID, &rec.Code, &rec.Message, &rec.MatchKey,
		&rec.Column, &rec.Changes, &rec.Warnings, &rec.Note, &rec.SHA, &rec.Account, &rec.MAC} {
		*p = guard(*p)
	}
	return rec
}

// recordPath is where a report in XLSX keeps its lines while the run goes:
// a CSV file beside it, written line by line, from which the XLSX is
// rendered at the end (an XLSX can only be written whole).
func recordPath(report string) string { return report + ".record.csv" }

// recordSource yields an old report's records in file order, with the row
// number a spreadsheet shows.
type recordSource interface {
	next() (record, int, error) // io.EOF at the end
	close() error
}

// openRecords opens a report written by Run: the CSV record of an XLSX
// report when a crashed run left one, else the report itself.
func openRecords(path string) (recordSource, string, error) {
	src := path
	if _, err := os.Stat(recordPath(path)); err == nil {
		src = recordPath(path)
	}
	format := "csv"
	if src == path {
		if f, err := sheet.FormatOf(path, ""); err == nil {
			format = f
		}
	}
	if format == "xlsx" {
		rs, err := openXLSXRecords(src)
		return rs, src, err
	}
	rs, err := openCSVRecords(src)
	return rs, src, err
}

// csvRecords reads a CSV report with gocsv.
type csvRecords struct {
	f    *os.File
	cr   *csv.Reader
	um   *gocsv.Unmarshaller
	file string
	torn bool // the bytes after the last newline (a line cut by a crash) are not read
	read int  // records read: the next is the spreadsheet's row read+2
}

func openCSVRecords(path string) (*csvRecords, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	whole, err := wholeLines(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("reading the report to resume: %s: %w", path, err)
	}
	cr := csv.NewReader(io.LimitReader(f, whole))
	cr.FieldsPerRecord = 0 // every line as wide as the header, as crmbulk writes it: a ragged line is an edit (and gocsv's ReadUnmatched would index past the header)
	um, err := gocsv.NewUnmarshaller(cr, record{})
	if err != nil {
		_ = f.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file is empty: it is not a crmbulk import report; give the report an earlier import wrote", path)
		}
		return nil, fmt.Errorf("%s: %w: it is not a crmbulk import report; give the report an earlier import wrote", path, err)
	}
	rs := &csvRecords{f: f, cr: cr, um: um, file: path}
	if st, err := f.Stat(); err == nil && st.Size() > whole {
		rs.torn = true
	}
	if err := checkHeader(path, um.Headers); err != nil {
		_ = rs.close()
		return nil, err
	}
	return rs, nil
}

// checkHeader refuses a header crmbulk never writes: not UTF-8 (a report
// saved again by a spreadsheet in a code page), a column twice, or without
// the columns a resume needs.
func checkHeader(path string, header []string) error {
	seen := map[string]bool{}
	for i, h := range header {
		if !utf8.ValidString(h) || strings.IndexByte(h, 0) >= 0 {
			return fmt.Errorf("%s: row 1, column %d: the header is not UTF-8 text — the report was saved again in another encoding; restore it or import without --resume", path, i+1)
		}
		k := strings.ToLower(strings.TrimSpace(sheet.UnguardFormula(h)))
		if seen[k] && k != "" {
			return fmt.Errorf("%s: row 1, column %d: %q is a column twice — the report was edited; restore it or import without --resume", path, i+1, h)
		}
		seen[k] = true
	}
	return checkColumns(path, header)
}

func checkColumns(path string, header []string) error {
	for _, need := range []string{"row", "status", "input_sha256"} {
		if !hasColumn(header, need) {
			return fmt.Errorf("%s: the header has no %q column: it is not a crmbulk import report; give the report an earlier import wrote", path, need)
		}
	}
	return nil
}

func (c *csvRecords) next() (record, int, error) {
	v, unmatched, err := c.um.ReadUnmatched()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return record{}, 0, io.EOF
		}
		return record{}, 0, fmt.Errorf("reading the report to resume: %s: %w", c.file, err)
	}
	// The row a spreadsheet shows: the header is row 1 and each record one
	// row, whatever newlines its cells hold (a file line number is not).
	c.read++
	line := c.read + 1
	rec := v.(record)
	cells := rec.cells()
	for _, u := range unmatched {
		cells = append(cells, u)
	}
	for _, cell := range cells {
		if !utf8.ValidString(cell) || strings.IndexByte(cell, 0) >= 0 {
			return record{}, 0, fmt.Errorf("%s: row %d: the report is not UTF-8 text — it was saved again in another encoding; restore it or import without --resume", c.file, line)
		}
	}
	return rec.guarded(sheet.UnguardFormula), line, nil
}

func (c *csvRecords) close() error { return c.f.Close() }

// wholeLines returns how many bytes of f end with its last newline: crmbulk
// ends every report line with one, so bytes after it are a line a crash
// cut short, which a resume settles from the journal. f is left at 0.
func wholeLines(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 64<<10)
	for end := st.Size(); end > 0; {
		start := max(end-int64(len(buf)), 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// xlsxRecords reads an XLSX report by its column names.
type xlsxRecords struct {
	r   sheet.Reader
	col map[string]int
}

func openXLSXRecords(path string) (*xlsxRecords, error) {
	r, err := sheet.Open(path, sheet.Options{Format: "xlsx"})
	if err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	x := &xlsxRecords{r: r, col: map[string]int{}}
	for i, h := range r.Header() {
		x.col[h] = i
	}
	if err := checkHeader(path, r.Header()); err != nil {
		_ = r.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxRecords) next() (record, int, error) {
	row, err := x.r.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			err = fmt.Errorf("reading the report to resume: %w", err)
		}
		return record{}, 0, err
	}
	cell := func(name string) string {
		if i, ok := x.col[name]; ok && i < len(row.Cells) {
			return row.Cells[i]
		}
		return ""
	}
	return record{Row: cell("row"), Status: cell("status"), ID: cell("crm_client_id"), Code: cell("error_code"),
		Message: cell("error_message"), MatchKey: cell("match_key"), Column: cell("column"), Changes: cell("changes"),
		Warnings: cell("warnings"), Note: cell("note"), SHA: cell("input_sha256"), Account: cell("account"), MAC: cell("line_mac")}, row.Num, nil
}

func (x *xlsxRecords) close() error { return x.r.Close() }

// oldReport streams a previous report for --resume, in lock-step with the
// input (reports are in input order).
type oldReport struct {
	path string // the report named by --resume
	// key proves each line (nil: not checked); account is this run's, to
	// tell a line of another token from an edited one.
	key     []byte
	account string
	prevMAC string // the MAC of the line read last (the chain of proofs)
	src     string // the file read: the report, its record, or either moved aside
	rs      recordSource
	next    *Line
	sha     string
	last    int // the row number of the line read before next
	// Of the whole report (openOldReport's first pass):
	lines   int  // how many lines it has
	lastRow int  // the input row of its last line
	torn    bool // its last line was cut by a crash (and is not read)
}

// openOldReport opens a report written by Run and reads its first line.
// It reads the whole report once first: an edited, reordered or dry-run
// report is refused before any row is sent, not when the run reaches the
// bad line (the rows before it would have been sent again).
func openOldReport(path string, key []byte, account string, line func()) (*oldReport, error) {
	o := &oldReport{path: path, key: key, account: account}
	if err := o.start(""); err != nil {
		return nil, err
	}
	sha := o.sha
	for o.next != nil {
		line()
		o.lines++
		o.lastRow = o.next.Row
		if err := o.advance(); err != nil {
			_ = o.close()
			return nil, err
		}
	}
	o.torn = o.tornNow()
	if err := o.close(); err != nil {
		return nil, fmt.Errorf("reading the report to resume: %w", err)
	}
	o.sha = sha
	return o, nil
}

// tornNow reports whether the source being read had its last line cut.
func (o *oldReport) tornNow() bool {
	c, ok := o.rs.(*csvRecords)
	return ok && c.torn
}

// start opens the report (src, or the one openRecords picks when src is
// "") and reads its first line.
func (o *oldReport) start(src string) error {
	var rs recordSource
	var err error
	if src == "" {
		rs, src, err = openRecords(o.path)
	} else if strings.HasSuffix(src, ".csv") || strings.HasSuffix(src, ".csv.prev") {
		rs, err = openCSVRecords(src)
	} else {
		rs, err = openXLSXRecords(src)
	}
	if err != nil {
		if errors.Is(err, sheet.ErrNoRows) {
			o.rs, o.src, o.next = nil, src, nil
			return nil
		}
		return err
	}
	o.rs, o.src, o.last, o.sha, o.prevMAC = rs, src, 0, "", ""
	return o.advance()
}

// moveAside renames the file the report is read from to NAME.prev (the new
// report takes its path) and reads it from there.
func (o *oldReport) moveAside() error {
	_ = o.close()
	prev := o.src + ".prev"
	if err := os.Rename(o.src, prev); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("moving the old report aside: %w", err)
	}
	if o.src != o.path { // the record of an XLSX report: the XLSX goes too
		if err := os.Rename(o.path, o.path+".prev"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("moving the old report aside: %w", err)
		}
	}
	if err := o.start(prev); err != nil {
		return fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return nil
}

func (o *oldReport) advance() error {
	o.next = nil
	if o.rs == nil {
		return nil
	}
	rec, num, err := o.rs.next()
	if errors.Is(err, io.EOF) {
		return o.close()
	}
	if err != nil {
		return err
	}
	if err := rec.proven(o.key, o.prevMAC, o.src, num, o.account); err != nil {
		return err
	}
	o.prevMAC = rec.MAC
	n, err := strconv.Atoi(strings.TrimSpace(rec.Row))
	if err != nil {
		return fmt.Errorf("%s: row %d, column \"row\": %q is not a row number; the report was edited — restore it or import without --resume", o.src, num, rec.Row)
	}
	if n <= o.last {
		// lookup walks the report in step with the input: a line out of
		// order would be missed and its row sent again.
		return fmt.Errorf("%s: row %d, column \"row\": %d comes after %d; the report's lines must stay in input order (was it sorted?) — restore it or import without --resume", o.src, num, n, o.last)
	}
	o.last = n
	if rec.Note == dryNote {
		return fmt.Errorf("%s: row %d is a dry run's (note %q): a dry run sends nothing, so its report cannot be resumed — give the report of a real run, or import without --resume", o.src, num, dryNote)
	}
	if strings.TrimSpace(rec.SHA) == "" {
		return fmt.Errorf("%s: row %d, column \"input_sha256\" is empty: crmbulk writes the input's fingerprint on every line, so the report was edited — restore it or import without --resume", o.src, num)
	}
	if o.sha == "" {
		o.sha = rec.SHA // the first line's: every line must carry the same
	} else if rec.SHA != o.sha {
		return fmt.Errorf("%s: row %d, column \"input_sha256\": %q differs from the report's first line (%q); the report was edited or mixes two inputs", o.src, num, rec.SHA, o.sha)
	}
	id, _ := strconv.ParseInt(strings.TrimSpace(rec.ID), 10, 64)
	st := Status(rec.Status)
	if !slices.Contains(Statuses(), st) {
		return fmt.Errorf("%s: row %d, column \"status\": %q is not a status crmbulk writes (%s) — the report was edited; restore it or import without --resume", o.src, num, rec.Status, statusList())
	}
	if st.finished() && id <= 0 {
		return fmt.Errorf("%s: row %d says %s but has no crm_client_id: crmbulk writes the client's ID with every %s line, so the report was edited — restore it or import without --resume", o.src, num, st, st)
	}
	o.next = &Line{Row: n, Status: st, ID: id, Code: rec.Code, Message: rec.Message,
		MatchKey: rec.MatchKey, Column: rec.Column, changesText: rec.Changes, Warnings: rec.Warnings, Note: rec.Note, num: num}
	return nil
}

// lookup returns the old line for input row num, if the report has one.
func (o *oldReport) lookup(num int) (*Line, error) {
	for o.next != nil && o.next.Row < num {
		if err := o.advance(); err != nil {
			return nil, err
		}
	}
	if o.next != nil && o.next.Row == num {
		return o.next, nil
	}
	return nil, nil
}

func statusList() string {
	var b strings.Builder
	for i, s := range Statuses() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	return b.String()
}

func (o *oldReport) close() error {
	if o.rs == nil {
		return nil
	}
	rs := o.rs
	o.rs = nil
	return rs.close()
}
