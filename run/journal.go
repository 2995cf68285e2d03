package run

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/internal/safefile"
)

// A journal (REPORT.journal) is the append-only crash log of a run's
// writes, one JSON event a line: a "start" with the run's input, a "send"
// before each write, a "try" as a create's request goes out (after the
// limiter's wait: the time it may land from) and a "done" with the line's
// outcome (the journal fields of Line) before its report line. Each event is written with one
// write call (no user-space buffer), so a crash loses nothing written.

// event is one line of a journal; a done's line fields are Line's.
type event struct {
	Ev  string `json:"ev"`            // "start", "send", "try" or "done"
	Row int    `json:"row,omitempty"` //
	Op  string `json:"op,omitempty"`  // send: "create", "update"; an undo's "delete", "restore"
	Key string `json:"key,omitempty"` // send: the match key "field:value"
	// send: the client written (0: a create, or an import's update), read
	// back as Pending.ID: an undo checks it against its source's lines.
	ID int64 `json:"id,omitempty"`
	// start: the input's fingerprint and the reorder window of the run (at
	// most that many rows after the report's last line can have been sent).
	SHA    string `json:"sha,omitempty"`
	Window int    `json:"window,omitempty"`
	// start: the run's lineage (NewLineage): a resume's is the one of the
	// journal it resumes, so the records of one import share it.
	Lineage string `json:"lineage,omitempty"`
	// start: how many resumes the run is from the import that began its
	// lineage (0: that import), so of two records of one lineage the later
	// is told.
	Gen int `json:"gen,omitempty"`
	// start: the run's request timeout (ms): a write it sent may land
	// until this long after its send. send: when it was sent (Unix ms);
	// try: when its request went out.
	Timeout int64 `json:"timeout_ms,omitempty"`
	At      int64 `json:"at_ms,omitempty"`
	// Done is an undo's journal before this format (read, never written):
	// its events had no ev, a send an op and a done Done.
	Done bool `json:"done,omitempty"`
}

// Pending is a write whose answer the journal never recorded, or (for a
// row a resume cannot prove unsent) may have been sent.
type Pending struct {
	Op  string
	Key string
	ID  int64 // the client written (0: a create, or not recorded)
	// At is when it was sent — when its request last went out, or, in a
	// journal without "try" events, its send — and Timeout the sending
	// run's request timeout: until At+Timeout the write may still land.
	At      time.Time
	Timeout time.Duration
}

// LandsBy is when the write p can no longer land: the larger of its run's
// request timeout and timeout after its send (the server may finish a
// request after its client has gone). later says whether that is still
// to come; a write that is not a create, or whose send time is unknown,
// has no such wait.
func (p Pending) LandsBy(timeout time.Duration) (until time.Time, later bool) {
	if p.Op != "create" || p.At.IsZero() {
		return time.Time{}, false
	}
	until = p.At.Add(max(p.Timeout, timeout))
	return until, time.Now().Before(until)
}

// Journal is an open journal being written.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	sync    bool
	open    map[int]bool // rows with a send and no done yet
	carried map[int]bool // of those, sends of an earlier run (settled only by an outcome)
}

// JournalStart is what a new journal holds before the run's first event.
type JournalStart struct {
	SHA     string
	Window  int
	Timeout time.Duration
	// Lineage ties the journal to the runs it goes on from: NewLineage's
	// for a new import, the resumed journal's for a resume ("": none).
	Lineage string
	Gen     int             // the resumed journal's Gen + 1 for a resume of a lineage, else 0
	Open    map[int]Pending // writes carried over from the resumed run
	// Settled yields the lines settled before this run whose report line
	// the new report does not have yet: each gets a done.
	Settled func(yield func(Line) error) error
	// Sync makes every send reach the disk before Send returns (fsync),
	// and the journal's rename into place before CreateJournal returns.
	Sync bool
}

// NewLineage is a new import's lineage: 16 random hex digits (from
// crypto/rand, so nothing of the token or the input), the same in the
// journal of every resume that goes on from it.
func NewLineage() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b[:])
}

// CreateJournal writes the new journal beside path and renames it into
// place: a resume's journal replaces the old one only once it holds
// everything the old one proved (the carried sends, and a done for every
// row settled before this run whose line the new report does not have yet).
func CreateJournal(path string, st JournalStart) (*Journal, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating the journal: %w", err)
	}
	j := &Journal{f: tmp, path: tmp.Name(), sync: st.Sync, open: map[int]bool{}, carried: map[int]bool{}}
	if err = j.fill(st); err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil && st.Sync {
		// The rename is durable too: after a power cut the path is not
		// the old journal while this run's sends were synced into the new.
		err = safefile.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name()) // once renamed, there is nothing at its temporary name
		return nil, fmt.Errorf("creating the journal %s: %w", path, err)
	}
	j.path = path
	return j, nil
}

func (j *Journal) fill(st JournalStart) error {
	if err := j.write(event{Ev: "start", SHA: st.SHA, Window: st.Window, Lineage: st.Lineage, Gen: st.Gen, Timeout: st.Timeout.Milliseconds()}); err != nil {
		return err
	}
	for row, p := range st.Open {
		// Carried with the time it was sent, and its run's timeout, which
		// the new start's may not be: the larger decides when it can land.
		t := max(p.Timeout, st.Timeout)
		e := event{Ev: "send", Row: row, Op: p.Op, Key: p.Key, ID: p.ID, Timeout: t.Milliseconds()}
		if !p.At.IsZero() { // unknown stays unknown, not a time before the epoch
			e.At = p.At.UnixMilli()
		}
		if err := j.write(e); err != nil {
			return err
		}
		j.open[row], j.carried[row] = true, true
	}
	if st.Settled == nil {
		return nil
	}
	return st.Settled(func(l Line) error { return j.done(&l) })
}

func (j *Journal) write(e event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return j.writeLine(b)
}

func (j *Journal) writeLine(b []byte) error {
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // its path may be the temporary name the journal was created under
		}
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	return nil
}

// done writes the line's done record.
func (j *Journal) done(l *Line) error {
	b, err := l.appendObject([]byte(`{"ev":"done"`), true) // its journal fields, the empty ones left out
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return j.writeLine(append(b, '}'))
}

// Send records a write about to be sent for row: op, the match key of a
// create, the client of an update (id). A nil Journal records nothing.
func (j *Journal) Send(row int, op, key string, id int64) error {
	return j.record(event{Ev: "send", Row: row, Op: op, Key: key, ID: id, At: time.Now().UnixMilli()})
}

// Try records that the request of row's send goes out now (at), after
// whatever it waited for since Send: a create may land until the request
// timeout after its latest try, which a resume counts from. A nil Journal
// records nothing.
func (j *Journal) Try(row int, at time.Time) error {
	return j.record(event{Ev: "try", Row: row, At: at.UnixMilli()})
}

// record writes a send or a try (a send opens its row), on the disk
// before it returns when the journal syncs.
func (j *Journal) record(e event) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if e.Ev == "send" {
		j.open[e.Row] = true
	}
	if err := j.write(e); err != nil || !j.sync {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	return nil
}

// Done records the end of a row that has a send open (from this run or
// carried over from a stopped one), unless its outcome is still unknown
// (l.Unsettled). A carried send is settled only by an outcome: a row
// interrupted or stopped before it was looked up (skipped) keeps it open
// for the next resume.
func (j *Journal) Done(l *Line) error {
	if j == nil || l.Unsettled {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.open[l.Row] || j.carried[l.Row] && l.Status == StatusSkipped {
		return nil
	}
	delete(j.open, l.Row)
	return j.done(l)
}

// Synced reports whether every send and try reaches the disk before it
// returns (JournalStart.Sync).
func (j *Journal) Synced() bool { return j != nil && j.sync }

// Path is where the journal is ("" for a nil Journal).
func (j *Journal) Path() string {
	if j == nil {
		return ""
	}
	return j.path
}

// Close closes the journal. It is removed only when remove is set (the
// report was written whole and synced) and no write is left unsettled.
func (j *Journal) Close(remove bool) (kept bool, err error) {
	if j == nil {
		return false, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	err = j.f.Close()
	if len(j.open) > 0 || !remove {
		return true, err
	}
	if rerr := os.Remove(j.path); rerr != nil && err == nil {
		err = fmt.Errorf("removing the journal: %w", rerr)
	}
	return false, err
}

// JournalState is what an old journal proves.
type JournalState struct {
	Found   bool // the file exists
	Torn    bool // its last line was cut (a crash mid-write, or the file was cut)
	SHA     string
	Window  int
	Timeout time.Duration   // the run's request timeout
	Lineage string          // JournalStart.Lineage ("": unknown, as in a journal older than lineages)
	Gen     int             // JournalStart.Gen
	Open    map[int]Pending // sends without a done: their outcome is unknown
	Done    map[int]Line    // the last outcome recorded for each row
}

// Of reports whether the journal is of a run of the input whose
// fingerprint is sha (an import's input file, an undo's source report).
// A journal that names none (an older crmbulk's) is taken to be.
func (js JournalState) Of(sha string) bool { return js.SHA == "" || js.SHA == sha }

// maxJournalLine bounds one journal line (a done holds a report line).
const maxJournalLine = 4 << 20

// ReadJournal reads the journal at path. A missing journal is empty (Found
// false). A last line that is not JSON is a line torn by a crash: its
// request was never sent after it (a send is written before its request).
// Any other line that is not an event means the file is not a journal.
func ReadJournal(path string) (JournalState, error) {
	js := JournalState{Open: map[int]Pending{}, Done: map[int]Line{}}
	f, err := safefile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return js, nil
	}
	if err != nil {
		return js, fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	js.Found = true
	return readJournal(path, f, js)
}

// readJournal reads the journal at path from r into js.
func readJournal(path string, r io.Reader, js JournalState) (JournalState, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxJournalLine+1)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		switch i := bytes.IndexByte(data, '\n'); {
		case i >= maxJournalLine: // with its newline, longer than a line may be
			return 0, nil, bufio.ErrTooLong
		case i >= 0:
			return i + 1, data[:i], nil
		case atEOF && len(data) > 0: // a line without its newline: the write was cut in it or after it
			js.Torn = true
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	num := 0
	for sc.Scan() {
		num++
		if js.apply(sc.Bytes()) != nil && !js.Torn { // a torn last line that is not an event was never sent
			return js, fmt.Errorf("%s: line %d is not a journal event — the journal was edited; restore it, or move it away and resume with --match-by", path, num)
		}
	}
	err := sc.Err()
	if errors.Is(err, bufio.ErrTooLong) {
		err = fmt.Errorf("a line longer than %d bytes", maxJournalLine)
	}
	if err != nil {
		if !js.Torn { // a read error hands the scanner its part of a line as the last (torn) one: that line
			num++
		}
		return js, fmt.Errorf("%s: line %d: %w", path, num, err)
	}
	return js, nil
}

var errNotEvent = errors.New("not a journal event")

// apply reads one event into the state.
func (js *JournalState) apply(b []byte) error {
	var e event
	if err := json.Unmarshal(b, &e); err != nil {
		return errNotEvent
	}
	switch {
	case e.Ev != "":
	case e.Row > 0 && e.Done: // an older undo's
		e.Ev = "done"
	case e.Row > 0 && e.Op != "":
		e.Ev = "send"
	default:
		return errNotEvent
	}
	switch e.Ev {
	case "start":
		js.SHA, js.Window, js.Lineage, js.Gen = e.SHA, e.Window, e.Lineage, e.Gen
		js.Timeout = time.Duration(e.Timeout) * time.Millisecond
	case "send":
		p := Pending{Op: e.Op, Key: e.Key, ID: e.ID, Timeout: max(js.Timeout, time.Duration(e.Timeout)*time.Millisecond)}
		if e.At > 0 {
			p.At = time.UnixMilli(e.At)
		}
		js.Open[e.Row] = p
	case "try": // the open send's request went out then (a journal before "try" dates it by its send)
		if p, ok := js.Open[e.Row]; ok && e.At > 0 {
			p.At = time.UnixMilli(e.At)
			js.Open[e.Row] = p
		}
	case "done":
		var raw map[string]json.RawMessage
		l := Line{}
		if json.Unmarshal(b, &raw) != nil || l.setJournal(raw) != nil {
			return errNotEvent
		}
		l.Row = e.Row
		delete(js.Open, e.Row)
		js.Done[e.Row] = l
	}
	return nil
}
