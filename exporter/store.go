package exporter

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/flock"
	"github.com/crmbulk/crmbulk/internal/safefile"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// ErrResume is the kind of every error about kept details that cannot be
// resumed from (another account, other filters, not crmbulk's file).
var ErrResume = errors.New("cannot resume the export")

// ResumeReason is why kept details cannot be resumed from.
type ResumeReason int

// The reasons of a ResumeError.
const (
	// ResumeListOnly: the export reads only the client list, so it keeps
	// nothing to go on from (Path is "").
	ResumeListOnly ResumeReason = iota + 1
	// ResumeNotDetails: the file does not start with crmbulk's details header.
	ResumeNotDetails
	// ResumeVersion: the header is not that of this crmbulk version's details.
	ResumeVersion
	// ResumeAccount: the details were read with another API token or endpoint.
	ResumeAccount
	// ResumeExtraFields: they were read with other extra-fields choices.
	ResumeExtraFields
	// ResumeFilters: they were read with other filters.
	ResumeFilters
)

// ResumeError is a refusal to go on from kept details: which details
// (Path), why (Reason) and, when the kept file's header says it, when the
// export that kept them started. It is ErrResume (errors.Is); its text is
// the command line's words (the flags to change), so a caller that is not
// the command line (the web page) says its own from the facts.
type ResumeError struct {
	Path    string // the kept details file ("" for ResumeListOnly)
	Reason  ResumeReason
	Started time.Time // when the kept details' export started (zero: unknown)
}

func (e *ResumeError) Error() string {
	switch e.Reason {
	case ResumeListOnly:
		return ErrResume.Error() + ": --resume goes on from the notes and extra fields an export with --notes, --extra-fields or --with-details read before it stopped; " +
			"this export reads only the client list (its columns need no notes or extra fields), keeps nothing to go on from and, if it stops, leaves the old file as it was — run it without --resume"
	case ResumeNotDetails:
		return fmt.Sprintf("%v: %s does not start with crmbulk's details header; remove it, or run without --resume", ErrResume, e.Path)
	}
	why := cmp.Or(resumeWhy[e.Reason], "it is not a details file of this crmbulk version")
	return fmt.Sprintf("%v: the details kept in %s belong to another export: %s; run without --resume to start over (the kept details are then discarded)", ErrResume, e.Path, why)
}

// resumeWhy is the command line's words for a kept header of another
// export, by reason (any other: not this version's details).
var resumeWhy = map[ResumeReason]string{
	ResumeAccount:     "it was read with another API token or endpoint",
	ResumeExtraFields: "it was read with other --extra-fields/--with-details flags",
	ResumeFilters:     "it was read with other --filter values",
}

// Unwrap makes a ResumeError ErrResume.
func (e *ResumeError) Unwrap() error { return ErrResume }

// storeHeader is the first line of a details file: what export it belongs
// to, so that --resume never mixes two exports.
type storeHeader struct {
	Kind        string             `json:"crmbulk_export_details"`
	Version     int                `json:"version"`
	Account     string             `json:"account,omitempty"`
	Filters     baselinker.Filters `json:"filters"`
	ExtraFields bool               `json:"extra_fields"`
	Started     time.Time          `json:"started"`
}

const storeKind = "client details read by crmbulk export; --resume reuses them"

// same reports why a kept header o does not belong to the export h
// describes (0: it does).
func (h storeHeader) same(o storeHeader) ResumeReason {
	switch {
	case o.Kind != storeKind || o.Version != 1:
		return ResumeVersion
	case o.Account != h.Account:
		return ResumeAccount
	case o.ExtraFields != h.ExtraFields:
		return ResumeExtraFields
	}
	a, _ := json.Marshal(h.Filters)
	b, _ := json.Marshal(o.Filters)
	if !bytes.Equal(a, b) {
		return ResumeFilters
	}
	return 0
}

// storeLine is one client in a details file, with the fingerprint of its
// list entry at the time its details were read.
type storeLine struct {
	ID     int64             `json:"id"`
	FP     uint64            `json:"list_fp"`
	Client baselinker.Client `json:"client"`
}

type storeRef struct {
	off int64
	n   int
	fp  uint64
}

// detailStore is the append-only JSON-lines file the details go to before
// the sheet is written: a temporary file for a one-off run, or a file kept
// beside the output that a failed or interrupted export leaves for
// --resume. Each client is a line; the last line for an id wins.
type detailStore struct {
	f     *os.File
	path  string
	keep  bool // the file is kept when the export does not finish
	w     *bufio.Writer
	end   int64
	index map[int64]storeRef
	kept  int       // lines found at open (a resume)
	age   time.Time // when the kept details' export started
	buf   []byte    // scratch for reads
	// unlock releases the lock on a spool (path "" at open), which tells
	// a later export's sweep the spool is in use.
	unlock func() error
}

// fingerprint identifies a client's list entry: details read for it are
// reused only while the list shows the same values.
func fingerprint(c *baselinker.Client) uint64 {
	b, _ := json.Marshal(c)
	h := fnv.New64a()
	_, _ = h.Write(b)
	return h.Sum64()
}

// openStore opens the details file. With path "" a temporary file is made
// in tmpDir and always removed. Otherwise the file at path is the kept one:
// without resume an old one is replaced; with resume it is read (a torn last
// line, from a crash, is cut off) and must belong to the same export.
func openStore(path, tmpDir string, hdr storeHeader, resume bool) (*detailStore, error) {
	s := &detailStore{path: path, keep: path != "", index: map[int64]storeRef{}}
	var err error
	switch {
	case path == "":
		if s.f, s.unlock, err = createSpool(tmpDir); err != nil {
			return nil, err
		}
		s.path = s.f.Name()
	case resume:
		s.f, err = safefile.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return openStore(path, tmpDir, hdr, false) // nothing kept: start from the beginning
		}
		if err != nil {
			return nil, fmt.Errorf("opening the kept details %s: %w", path, err)
		}
		if err := s.load(hdr); err != nil {
			_ = s.f.Close()
			return nil, err
		}
		s.w = bufio.NewWriterSize(s.f, 64<<10)
		return s, nil
	default:
		s.f, err = safefile.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating %s for the details read (kept for --resume if the export stops): %w", path, err)
		}
	}
	s.w = bufio.NewWriterSize(s.f, 64<<10)
	b, _ := json.Marshal(hdr)
	if _, err := s.w.Write(append(b, '\n')); err != nil {
		_ = s.close(false)
		return nil, fmt.Errorf("writing %s: %w", s.path, err)
	}
	s.end = int64(len(b) + 1)
	return s, nil
}

// load reads a kept file's header and index.
func (s *detailStore) load(want storeHeader) error {
	r := bufio.NewReaderSize(s.f, 64<<10)
	got, off, err := readHeader(r, s.path, want)
	if err != nil {
		return err
	}
	s.age = got.Started
	for {
		line, err := r.ReadBytes('\n')
		if l, ok := keptLine(line); ok {
			s.index[l.ID] = storeRef{off: off, n: len(line), fp: l.FP}
			s.kept++
			off += int64(len(line))
			continue
		}
		if errors.Is(err, io.EOF) || err == nil { // the end, or a torn or bad line: everything after it goes
			break
		}
		return fmt.Errorf("reading the kept details %s: %w", s.path, err)
	}
	if err := s.f.Truncate(off); err != nil {
		return fmt.Errorf("cutting the torn end off %s: %w", s.path, err)
	}
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("reading the kept details %s: %w", s.path, err)
	}
	s.end = off
	return nil
}

// readHeader reads the header of the kept file at path from r: a
// ResumeError when it is not crmbulk's or not of the export want describes;
// else the header and its length.
func readHeader(r *bufio.Reader, path string, want storeHeader) (storeHeader, int64, error) {
	first, err := r.ReadBytes('\n')
	var got storeHeader
	if err != nil || json.Unmarshal(first, &got) != nil {
		return got, 0, &ResumeError{Path: path, Reason: ResumeNotDetails}
	}
	if why := want.same(got); why != 0 {
		return got, 0, &ResumeError{Path: path, Reason: why, Started: got.Started}
	}
	return got, int64(len(first)), nil
}

// keptLine is line of a kept file as a client's details, if it is one
// whole (a torn or bad line is not: it and what follows are not kept).
func keptLine(line []byte) (storeLine, bool) {
	var l storeLine
	if len(line) == 0 || line[len(line)-1] != '\n' || json.Unmarshal(line, &l) != nil {
		return l, false
	}
	return l, l.ID > 0 && int64(l.Client.CrmClientID) == l.ID
}

// Kept checks the details kept at c.Keep as Run with Resume would, before
// it: a ResumeError when the export c describes does not go on from them
// (it keeps nothing, or they are another export's or not crmbulk's);
// else whether they hold any client's details. False: nothing is kept, or
// only the header of an export that stopped while it listed the clients —
// Resume would read every client all the same, and say so in the CLI's
// words. It reads the header and the first line after it and changes
// nothing.
func (c Config) Kept() (bool, error) {
	c.Resume = true
	_, want, err := c.columns()
	if err != nil || c.Keep == "" {
		return false, err
	}
	f, err := safefile.OpenFile(c.Keep, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("opening the kept details %s: %w", c.Keep, err)
	}
	defer func() { _ = f.Close() }()
	r := bufio.NewReader(f)
	if _, _, err := readHeader(r, c.Keep, c.storeHeader(want)); err != nil {
		return false, err
	}
	line, _ := r.ReadBytes('\n')
	_, ok := keptLine(line)
	return ok, nil
}

// reusable reports whether details kept for id were read while its list
// entry was fp.
func (s *detailStore) reusable(id int64, fp uint64) bool {
	r, ok := s.index[id]
	return ok && r.fp == fp
}

// add appends one client's line.
func (s *detailStore) add(id int64, fp uint64, c *baselinker.Client) error {
	b, err := json.Marshal(storeLine{ID: id, FP: fp, Client: *c})
	if err != nil {
		return fmt.Errorf("spooling client %d: %w", id, err)
	}
	b = append(b, '\n')
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("spooling client %d to %s: %w", id, s.path, err)
	}
	s.index[id] = storeRef{off: s.end, n: len(b), fp: fp}
	s.end += int64(len(b))
	return nil
}

// flush writes what add buffered (after each detail read, so a crash loses
// at most the reads in flight).
func (s *detailStore) flush() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spooling to %s: %w", s.path, err)
	}
	return nil
}

// get reads id's last line back.
func (s *detailStore) get(id int64) (baselinker.Client, error) {
	r, ok := s.index[id]
	if !ok {
		return baselinker.Client{}, fmt.Errorf("client %d is missing from %s", id, s.path)
	}
	if cap(s.buf) < r.n {
		s.buf = make([]byte, r.n)
	}
	buf := s.buf[:r.n]
	if _, err := s.f.ReadAt(buf, r.off); err != nil {
		return baselinker.Client{}, fmt.Errorf("reading back %s: %w", s.path, err)
	}
	var l storeLine
	if err := json.Unmarshal(buf, &l); err != nil || l.ID != id || int64(l.Client.CrmClientID) != id {
		return baselinker.Client{}, fmt.Errorf("reading back client %d from %s: the file changed under the export", id, s.path)
	}
	return l.Client, nil
}

// close closes the file; it is removed when the export finished or the file
// is a temporary one, and kept (flushed) otherwise.
func (s *detailStore) close(finished bool) error {
	ferr := s.w.Flush()
	if s.unlock != nil {
		defer func() { _ = s.unlock() }() // after the removal: no sweep takes a live spool
	}
	cerr := s.f.Close()
	if finished || !s.keep {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", s.path, err)
		}
		return nil
	}
	if err := errors.Join(ferr, cerr); err != nil {
		return fmt.Errorf("keeping the details read in %s: %w", s.path, err)
	}
	return nil
}

// spoolPattern names the details spool of an export that keeps none (to
// standard output): full client records, so mode 0600 in the folder given.
const spoolPattern = "crmbulk-export-*.jsonl"

// createSpool makes a new spool in dir and holds a lock on it while the
// export runs. Spools of runs that died (SIGKILL, a power cut) hold no
// lock: each is removed here, so none stays for ever.
func createSpool(dir string) (*os.File, func() error, error) {
	dir = cmp.Or(dir, os.TempDir())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, &events.StateDirError{Dir: dir, Err: fmt.Errorf("creating the folder %s for the details spool file: %w", dir, err)}
	}
	sweepSpools(dir)
	f, err := os.CreateTemp(dir, spoolPattern)
	if err != nil {
		return nil, nil, &events.StateDirError{Dir: dir,
			Err: fmt.Errorf("creating the details spool file in %s: %w (set --state-dir to a writable folder)", dir, err)}
	}
	unlock, err := flock.Lock(f, false)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, nil, fmt.Errorf("locking the details spool file %s: %w", f.Name(), err)
	}
	return f, unlock, nil
}

// sweepSpools removes the spools in dir that no live export holds.
func sweepSpools(dir string) { sheet.RemoveUnheld(filepath.Join(dir, spoolPattern)) }
