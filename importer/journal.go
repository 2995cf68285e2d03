package importer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// journalEvent is one line of REPORT.journal.
type journalEvent struct {
	Ev     string `json:"ev"`               // "send" or "done"
	Row    int    `json:"row"`              //
	Op     string `json:"op,omitempty"`     // send: "create" or "update"
	Key    string `json:"key,omitempty"`    // send: the match key "field:value"
	Status Status `json:"status,omitempty"` // done
	ID     int64  `json:"id,omitempty"`     // done
}

// pendingSend is a write whose answer the journal never recorded.
type pendingSend struct {
	Op  string
	Key string
}

// journal is the append-only crash log of writes. Each event is written with
// one write call (no user-space buffer), so a crash loses nothing written.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	open map[int]bool // rows with a send and no done yet
}

func createJournal(path string, carry map[int]pendingSend) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the journal: %w", err)
	}
	j := &journal{f: f, path: path, open: map[int]bool{}}
	for row, p := range carry {
		if err := j.send(row, p.Op, p.Key); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return j, nil
}

func (j *journal) write(e journalEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
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
	return j.write(journalEvent{Ev: "send", Row: row, Op: op, Key: key})
}

func (j *journal) done(row int, st Status, id int64) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.open, row)
	return j.write(journalEvent{Ev: "done", Row: row, Status: st, ID: id})
}

// settle records the end of a row that has a send open (from this run or
// carried over from a crashed one), unless its outcome is still unknown.
func (j *journal) settle(l Line) error {
	if j == nil || l.unsettled {
		return nil
	}
	j.mu.Lock()
	open := j.open[l.Row]
	j.mu.Unlock()
	if !open {
		return nil
	}
	return j.done(l.Row, l.Status, l.ID)
}

// close closes the journal and removes it when no write is left unsettled.
func (j *journal) close() (kept bool, err error) {
	if j == nil {
		return false, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	err = j.f.Close()
	if len(j.open) > 0 {
		return true, err
	}
	if rerr := os.Remove(j.path); rerr != nil && err == nil {
		err = fmt.Errorf("removing the journal: %w", rerr)
	}
	return false, err
}

// readJournal returns the writes of a journal that have a send and no done.
// A missing journal is empty. A torn last line (a crash mid-write) is ignored.
func readJournal(path string) (map[int]pendingSend, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	out := map[int]pendingSend{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var e journalEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a torn line: its request was never sent after it
		}
		switch e.Ev {
		case "send":
			out[e.Row] = pendingSend{Op: e.Op, Key: e.Key}
		case "done":
			delete(out, e.Row)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", path, line+1, err)
	}
	return out, nil
}
