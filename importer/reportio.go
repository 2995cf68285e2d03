package importer

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"

	"github.com/crmbulk/crmbulk/internal/recordmac"
	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	"github.com/crmbulk/crmbulk/sheet"
)

// ReportLine is one line of a report as a file holds it: an import's
// report, or an undo's (crmbulk undo writes the same columns).
type ReportLine struct {
	Row      int    // the input row the line accounts for
	Status   Status // created, updated, …, or an undo's deleted, restored, conflict
	ID       int64  // crm_client_id (0 = none)
	Code     string
	Message  string
	MatchKey string // "field:value", the client's match key, if the import had one
	Column   string
	Changes  string // the plan: ParseChanges reads it
	Warnings string
	Note     string
	InputSHA string // the fingerprint of the file the run read
	Account  string // the account it wrote to (a hash of the token)
	// Proven: the line passed its proof (line_mac) under the reader's key.
	Proven bool
	// Num is the line's row number in the report file, for messages.
	Num int
}

// DryRun reports whether the line is a dry run's (nothing was sent).
func (l ReportLine) DryRun() bool { return l.Note == dryNote }

// DryRunNote is the note every line of a dry run carries.
const DryRunNote = dryNote

// ErrOldReport is returned for a report without the columns an undo needs
// (written by an older crmbulk).
var ErrOldReport = errors.New("the report was written by an older crmbulk")

// ReadReport reads a report written by crmbulk (CSV or XLSX; the record an
// XLSX report keeps beside it while its run goes, if a crash left one) and
// calls fn with each line, in file order. It refuses a file crmbulk did
// not write, and one without the changes and account columns
// (errors.Is(err, ErrOldReport)). With a key (RecordKey) every line must
// pass its proof: an edited or forged line is refused before fn sees any
// line (errors.Is(err, ErrUnproven)); account names the reader's account.
func ReadReport(path string, key []byte, account string, fn func(ReportLine) error) error {
	if key != nil {
		if err := readRecords(path, key, account, func(ReportLine) error { return nil }); err != nil {
			return err
		}
	}
	return readRecords(path, key, account, fn)
}

func readRecords(path string, key []byte, account string, fn func(ReportLine) error) error {
	rs, src, err := openRecords(path)
	if err != nil {
		return err
	}
	defer rs.close()
	if c, ok := rs.(*csvRecords); ok && c.torn {
		return fmt.Errorf("%s: its last line was cut short (the run that wrote it was killed): the outcome of that row is in the run's journal; finish the run first with --resume %s", src, shellquote.ForGOOS(runtime.GOOS).Quote(path))
	}
	if h, ok := rs.(interface{ header() []string }); ok {
		for _, need := range []string{"changes", "account"} {
			if !hasColumn(h.header(), need) {
				return fmt.Errorf("%w: %s has no %q column; undo needs a report of this crmbulk version, whose lines say what they changed and on which account", ErrOldReport, src, need)
			}
		}
	}
	prev := ""
	for {
		rec, num, err := rs.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := rec.proven(key, prev, src, num, account); err != nil {
			return err
		}
		prev = rec.MAC
		row, err := strconv.Atoi(strings.TrimSpace(rec.Row))
		if err != nil || row < 1 {
			return fmt.Errorf("%s: row %d, column \"row\": %q is not a row number; the report was edited — restore it", src, num, rec.Row)
		}
		id, err := strconv.ParseInt(strings.TrimSpace(rec.ID), 10, 64)
		if err != nil && strings.TrimSpace(rec.ID) != "" || id < 0 {
			return fmt.Errorf("%s: row %d, column \"crm_client_id\": %q is not a client ID; the report was edited — restore it", src, num, rec.ID)
		}
		if err := fn(ReportLine{Row: row, Status: Status(rec.Status), ID: id, Code: rec.Code, Message: rec.Message,
			MatchKey: rec.MatchKey, Column: rec.Column, Changes: rec.Changes, Warnings: rec.Warnings, Note: rec.Note,
			InputSHA: rec.SHA, Account: rec.Account, Num: num, Proven: key != nil}); err != nil {
			return err
		}
	}
}

func hasColumn(header []string, name string) bool {
	for _, h := range header {
		if strings.TrimSpace(sheet.UnguardFormula(h)) == name {
			return true
		}
	}
	return false
}

func (c *csvRecords) header() []string { return c.um.Headers }

func (x *xlsxRecords) header() []string { return x.r.Header() }

// RecordKey is the record key of account in the state directory dir,
// made the first time (recordmac.Key): what proves an import's or undo's
// report lines.
func RecordKey(dir, account string) ([]byte, error) {
	key, err := recordmac.Key(dir, account)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return key, nil
}

// ReportFile writes report lines (CSV) one at a time, each flushed to the
// file before Write returns: a crash loses at most the line being written.
type ReportFile struct {
	path string
	key  []byte
	prev string // the MAC of the line written last
	f    *os.File
	buf  *bufio.Writer
	csv  *gocsv.SafeCSVWriter
}

// CreateReport creates (or truncates) a CSV report at path and writes its
// header. With a key (RecordKey) every line carries its proof.
func CreateReport(path string, key []byte) (*ReportFile, error) {
	f, err := safefile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the report: %w", err)
	}
	rf := &ReportFile{path: path, key: key, f: f, buf: bufio.NewWriterSize(f, 16<<10)}
	rf.csv = gocsv.NewSafeCSVWriter(csv.NewWriter(struct{ io.Writer }{rf.buf}))
	if err := rf.writeCells(ReportHeader()); err != nil {
		_ = f.Close()
		return nil, err
	}
	return rf, nil
}

// Write appends one line, formula-guarded as every report is, and flushes it.
func (rf *ReportFile) Write(l ReportLine) error {
	id := ""
	if l.ID > 0 {
		id = strconv.FormatInt(l.ID, 10)
	}
	rec := record{Row: strconv.Itoa(l.Row), Status: string(l.Status), ID: id, Code: l.Code, Message: l.Message,
		MatchKey: l.MatchKey, Column: l.Column, Changes: l.Changes, Warnings: l.Warnings, Note: l.Note,
		SHA: l.InputSHA, Account: l.Account}
	rec = rec.signed(rf.key, rf.prev)
	rf.prev = rec.MAC
	return rf.writeCells(rec.guarded(sheet.GuardFormula).cells())
}

func (rf *ReportFile) writeCells(cells []string) error {
	if err := rf.csv.Write(cells); err == nil {
		rf.csv.Flush()
	}
	if err := errors.Join(rf.csv.Error(), rf.buf.Flush()); err != nil {
		return fmt.Errorf("writing the report %s: %w", rf.path, err)
	}
	return nil
}

// Close syncs and closes the file.
func (rf *ReportFile) Close() error {
	err := rf.f.Sync()
	if cerr := rf.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("closing the report %s: %w", rf.path, err)
	}
	return nil
}
