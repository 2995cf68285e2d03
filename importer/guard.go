package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/internal/recordmac"
	"github.com/crmbulk/crmbulk/internal/runlock"
	events "github.com/crmbulk/crmbulk/run"
)

// One run per input and per record at a time. Before its first request an
// import locks its report (and journal), the report it resumes, and —
// for a real run — its input on the account (by the input's fingerprint,
// in the state directory), so that two runs of one file never go at once,
// whatever reports they write. A second run stops, naming the first.

// ReportLockPath is the lock file of a report: an import writing it, a
// resume or an undo reading it hold it.
func ReportLockPath(report string) string { return report + ".lock" }

// inputLockName is the lock file, in the state directory, of an input on
// an account: hashes, so the name tells neither.
func inputLockName(account, sha string) string {
	sum := sha256.Sum256([]byte("crmbulk input lock\x00" + account + "\x00" + sha))
	return "import-" + hex.EncodeToString(sum[:8]) + ".lock"
}

// LockReports locks the reports of a run (each once), for an import or an
// undo. A report another live run holds is an error naming that run.
func LockReports(command string, log func(string), paths ...string) (runlock.Set, error) {
	var set runlock.Set
	for i, p := range paths {
		if p == "" || slices.ContainsFunc(paths[:i], func(q string) bool { return SamePath(p, q) }) {
			continue
		}
		l, err := runlock.Acquire(ReportLockPath(p), "the report "+p, command, 0o644)
		if err != nil {
			_ = set.Release()
			return nil, fmt.Errorf("%w: %w", events.ErrBadInput, err)
		}
		noteStale(l, log)
		set = append(set, l)
	}
	return set, nil
}

func noteStale(l *runlock.Lock, log func(string)) {
	if l.Stale != nil && log != nil {
		log(fmt.Sprintf("took over the lock %s, which a run that is no longer running left (%s)", l.Path(), l.Stale))
	}
}

// lock takes the run's locks and loads the account's record key.
func (r *run) lock() error {
	cfg := r.cfg
	warn := func(s string) { cfg.Logger.Warn(s) }
	var err error
	if r.locks, err = LockReports(cfg.Command, warn, cfg.Report, cfg.Resume); err != nil {
		return err
	}
	account := accountOf(r.api)
	if cfg.DryRun || cfg.StateDir == "" || account == "" {
		return nil
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return &events.StateDirError{Dir: cfg.StateDir,
			Err: fmt.Errorf("%w: the state directory %s (give a writable --state-dir): %w", events.ErrBadInput, cfg.StateDir, err)}
	}
	l, err := runlock.Acquire(filepath.Join(cfg.StateDir, inputLockName(account, r.sha)),
		fmt.Sprintf("the file %s (input_sha256 %s) on this account", r.file, r.sha), cfg.Command, 0o666)
	if err != nil {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	noteStale(l, warn)
	r.locks = append(r.locks, l)
	r.cfg.recordKey, err = RecordKey(cfg.StateDir, account)
	return err
}

// Every run's record is kept: a report path that holds an earlier run's
// record is never written over. The earlier record (with its journal, and
// an XLSX report's line record) is renamed beside it, its date in the
// name, before the new run writes anything there.

// keptPattern matches the part a kept record adds to its report's name.
var keptPattern = regexp.MustCompile(`^\.\d{4}-\d{2}-\d{2}_\d{6}(-\d+)?$`)

// KeepEarlier renames the record at report aside when it holds an earlier
// run's (anything but nothing, an empty file or a dry run's report) and
// returns where it went ("" when nothing was there to keep). A journal and
// an XLSX report's line record go with it, so the kept record can still be
// resumed and undone.
func KeepEarlier(report string) (string, error) {
	src := report
	if _, err := os.Stat(events.RecordPath(report)); err == nil {
		src = events.RecordPath(report)
	}
	fi, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) || err == nil && (fi.Size() == 0 || isDryRunReport(report)) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the earlier record %s: %w", src, err)
	}
	kept := keptName(report, fi.ModTime())
	moves := [][2]string{{report, kept}, {events.RecordPath(report), events.RecordPath(kept)}, {report + ".journal", kept + ".journal"}}
	for _, m := range moves {
		if err := os.Rename(m[0], m[1]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("keeping the earlier run's record %s as %s: %w (nothing was sent)", m[0], m[1], err)
		}
	}
	return kept, nil
}

// keptName is report with the date of its record in the name, before the
// extension: clients.report.2026-12-06_123005.csv (-2, -3 … if taken).
func keptName(report string, when time.Time) string {
	ext := filepath.Ext(report)
	base := strings.TrimSuffix(report, ext) + "." + when.Local().Format("2006-01-02_150405")
	name := base + ext
	for n := 2; exists(name) || exists(name+".journal") || exists(events.RecordPath(name)); n++ {
		name = base + "-" + strconv.Itoa(n) + ext
	}
	return name
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// isDryRunReport reports whether the report's first line is a dry run's
// (a dry run's report is a plan, not a record, and may be written over).
func isDryRunReport(path string) bool {
	rs, err := events.OpenRecords(path)
	if err != nil {
		return false
	}
	defer rs.Close()
	c, _, err := rs.Next()
	l, _ := c.Line()
	return err == nil && l.DryRun()
}

// Record is one record of a report path: the report itself or an earlier
// run's kept beside it.
type Record struct {
	Path     string
	Modified time.Time
	Lines    int
	Counts   map[events.Status]int
	InputSHA string
	DryRun   bool
	Journal  bool  // a journal is beside it: its run was stopped before it ended
	Err      error // the file could not be read as a report
}

// Records lists the records of a report path, newest first: the report
// and the earlier runs' records KeepEarlier kept beside it.
func Records(report string) ([]Record, error) {
	dir, base := filepath.Split(report)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	entries, err := os.ReadDir(filepath.Clean(dir + "."))
	if err != nil {
		return nil, fmt.Errorf("listing the records of %s: %w", report, err)
	}
	var out []Record
	if exists(report) {
		out = append(out, readRecord(report))
	}
	for _, e := range entries {
		n := e.Name()
		if mid, ok := strings.CutPrefix(n, stem); ok && strings.HasSuffix(mid, ext) && keptPattern.MatchString(strings.TrimSuffix(mid, ext)) {
			out = append(out, readRecord(filepath.Join(dir, n)))
		}
	}
	slices.SortStableFunc(out, func(a, b Record) int { return b.Modified.Compare(a.Modified) })
	return out, nil
}

func readRecord(path string) Record {
	rec := Record{Path: path, Counts: map[events.Status]int{}, Journal: exists(path + ".journal")}
	if fi, err := os.Stat(path); err == nil {
		rec.Modified = fi.ModTime()
	}
	rs, err := events.OpenRecords(path)
	if err != nil {
		rec.Err = err
		return rec
	}
	defer rs.Close()
	rec.Err = eachLine(rs, func(_ events.Cells, l events.Line) error {
		rec.Lines++
		rec.Counts[l.Status]++
		rec.InputSHA, rec.DryRun = l.InputSHA, l.DryRun()
		return nil
	})
	return rec
}

// eachLine calls fn with each line of rs, its cells and the line they
// read as (a row that is no number reads as 0), until the end (nil), a
// line that cannot be read or fn's error.
func eachLine(rs *events.Records, fn func(events.Cells, events.Line) error) error {
	for {
		c, _, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		l, _ := c.Line()
		if err := fn(c, l); err != nil {
			return err
		}
	}
}

// RecordKey is the record key of account in the state directory dir,
// made the first time (recordmac.Key): what proves an import's or undo's
// report lines. A state directory it cannot make or write in is a
// run.StateDirError.
func RecordKey(dir, account string) ([]byte, error) {
	key, err := recordmac.Key(dir, account)
	if de := (*recordmac.DirError)(nil); errors.As(err, &de) {
		return nil, &events.StateDirError{Dir: de.Dir, Err: fmt.Errorf("%w: %w", events.ErrBadInput, err)}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	return key, nil
}
