package importer

import (
	"bufio"
	"bytes"
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

// journalEvent is one line of REPORT.journal.
type journalEvent struct {
	Ev     string `json:"ev"`               // "start", "send" or "done"
	Row    int    `json:"row,omitempty"`    //
	Op     string `json:"op,omitempty"`     // send: "create" or "update"
	Key    string `json:"key,omitempty"`    // send, done: the match key "field:value"
	Status Status `json:"status,omitempty"` // done
	ID     int64  `json:"id,omitempty"`     // done
	// done: the rest of the row's report line, so that a row whose line a
	// crash kept from the report is settled from here.
	Code     string `json:"code,omitempty"`
	Message  string `json:"msg,omitempty"`
	Changes  string `json:"changes,omitempty"`
	Warnings string `json:"warnings,omitempty"`
	Note     string `json:"note,omitempty"`
	// start: the input's fingerprint and the reorder window of the run (at
	// most that many rows after the report's last line can have been sent).
	SHA    string `json:"sha,omitempty"`
	Window int    `json:"window,omitempty"`
	// start: the run's --request-timeout (ms): a write it sent may land
	// until this long after its send. send: when it was sent (Unix ms).
	Timeout int64 `json:"timeout_ms,omitempty"`
	At      int64 `json:"at_ms,omitempty"`
}

// pendingSend is a write whose answer the journal never recorded, or (for
// a row a resume cannot prove unsent) may have been sent.
type pendingSend struct {
	Op  string
	Key string
	// At is when it was sent and Timeout the sending run's request
	// timeout: until At+Timeout the write may still land (landBy).
	At      time.Time
	Timeout time.Duration
}

// journal is the append-only crash log of writes: a "send" before each
// addCrmClient and a "done" with the row's outcome before its report line.
// Each event is written with one write call (no user-space buffer), so a
// crash loses nothing written.
type journal struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	open    map[int]bool // rows with a send and no done yet
	carried map[int]bool // of those, sends of an earlier run (settled only by an outcome)
}

// journalStart is what a new journal holds before the run's first event.
type journalStart struct {
	sha     string
	window  int
	timeout time.Duration
	open    map[int]pendingSend // writes carried over from the resumed run
	settled func(yield func(Line) error) error
}

// createJournal writes the new journal beside path and renames it into
// place: a resume's journal replaces the old one only once it holds
// everything the old one proved (the carried sends, and a done for every
// row settled before this run whose line the new report does not have yet).
func createJournal(path string, st journalStart) (*journal, error) {
	tmp, err := safefile.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("creating the journal: %w", err)
	}
	j := &journal{f: tmp, path: tmp.Name(), open: map[int]bool{}, carried: map[int]bool{}}
	err = j.fill(st)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("creating the journal %s: %w", path, err)
	}
	j.path = path
	return j, nil
}

func (j *journal) fill(st journalStart) error {
	if err := j.write(journalEvent{Ev: "start", SHA: st.sha, Window: st.window, Timeout: st.timeout.Milliseconds()}); err != nil {
		return err
	}
	for row, p := range st.open {
		// Carried with the time it was sent, and its run's timeout, which
		// the new start's may not be: the larger decides when it can land.
		t := max(p.Timeout, st.timeout)
		if err := j.write(journalEvent{Ev: "send", Row: row, Op: p.Op, Key: p.Key, At: p.At.UnixMilli(), Timeout: t.Milliseconds()}); err != nil {
			return err
		}
		j.open[row], j.carried[row] = true, true
	}
	if st.settled == nil {
		return nil
	}
	return st.settled(func(l Line) error { return j.write(doneEvent(l)) })
}

func doneEvent(l Line) journalEvent {
	return journalEvent{Ev: "done", Row: l.Row, Status: l.Status, ID: l.ID, Key: l.MatchKey, Code: l.Code,
		Message: l.Message, Changes: l.ChangesText(), Warnings: l.Warnings, Note: l.Note}
}

func (j *journal) write(e journalEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
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

func (j *journal) send(row int, op, key string) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.open[row] = true
	return j.write(journalEvent{Ev: "send", Row: row, Op: op, Key: key, At: time.Now().UnixMilli()})
}

// settle records the end of a row that has a send open (from this run or
// carried over from a crashed one), unless its outcome is still unknown.
// A carried send is settled only by an outcome: a row interrupted or
// stopped before it was looked up keeps it open for the next resume.
func (j *journal) settle(l Line) error {
	if j == nil || l.unsettled {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.open[l.Row] || j.carried[l.Row] && l.Status == StatusSkipped {
		return nil
	}
	delete(j.open, l.Row)
	return j.write(doneEvent(l))
}

// close closes the journal. It is removed only when remove is set (the
// report was written whole and synced) and no write is left unsettled.
func (j *journal) close(remove bool) (kept bool, err error) {
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

// journalState is what an old journal proves.
type journalState struct {
	found   bool // the file exists
	torn    bool // its last line was cut (a crash mid-write, or the file was cut)
	sha     string
	window  int
	timeout time.Duration       // the run's request timeout
	open    map[int]pendingSend // sends without a done: their outcome is unknown
	done    map[int]Line        // the last outcome recorded for each row
}

// maxJournalLine bounds one journal line (a done holds a report line).
const maxJournalLine = 4 << 20

// readJournal reads the journal at path. A missing journal is empty (found
// false). A last line that is not JSON is a line torn by a crash: its
// request was never sent after it (a send is written before its request).
// Any other line that is not an event means the file is not a journal.
func readJournal(path string) (journalState, error) {
	js := journalState{open: map[int]pendingSend{}, done: map[int]Line{}}
	f, err := safefile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return js, nil
	}
	if err != nil {
		return js, fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	js.found = true
	return js, js.read(path, bufio.NewReaderSize(f, 64<<10))
}

func (js *journalState) read(path string, br *bufio.Reader) error {
	for num := 1; ; num++ {
		b, err := readLine(br, maxJournalLine)
		if errors.Is(err, io.EOF) && len(b) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: line %d: %w", path, num, err)
		}
		var e journalEvent
		if jerr := json.Unmarshal(b, &e); jerr != nil || e.Ev == "" {
			if errors.Is(err, io.EOF) { // the last line, without its newline: torn
				js.torn = true
				return nil
			}
			return fmt.Errorf("%s: line %d is not a journal event — the journal was edited; restore it, or move it away and resume with --match-by", path, num)
		}
		js.apply(e)
		if errors.Is(err, io.EOF) {
			js.torn = true // a whole event without its newline: the write was cut after it
			return nil
		}
	}
}

func (js *journalState) apply(e journalEvent) {
	switch e.Ev {
	case "start":
		js.sha, js.window, js.timeout = e.SHA, e.Window, time.Duration(e.Timeout)*time.Millisecond
	case "send":
		p := pendingSend{Op: e.Op, Key: e.Key, Timeout: max(js.timeout, time.Duration(e.Timeout)*time.Millisecond)}
		if e.At > 0 {
			p.At = time.UnixMilli(e.At)
		}
		js.open[e.Row] = p
	case "done":
		delete(js.open, e.Row)
		js.done[e.Row] = Line{Row: e.Row, Status: e.Status, ID: e.ID, MatchKey: e.Key, Code: e.Code, Message: e.Message,
			changesText: e.Changes, Warnings: e.Warnings, Note: e.Note}
	}
}

// readLine reads one line without its newline; a line longer than max is
// an error. At the end of the input it returns the last bytes and io.EOF.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("a line longer than %d bytes", max)
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(line, []byte{'\n'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, err
		}
	}
}
