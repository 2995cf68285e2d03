package undo

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/crmbulk/crmbulk/internal/safefile"
	"io/fs"
	"os"
	"sync"
)

// journalPath is where an undo logs the writes it sends: beside its report.
func journalPath(report string) string { return report + ".journal" }

// journalEvent is one line of the journal: a write about to be sent, or
// its answer having come.
type journalEvent struct {
	Row  int    `json:"row"`
	Op   string `json:"op,omitempty"` // delete, restore, create; "" for done
	ID   int64  `json:"id,omitempty"`
	Done bool   `json:"done,omitempty"`
}

// readJournal returns the rows whose write was sent and never answered, as
// an interrupted or killed undo left them. A missing journal is none; a
// torn last line is the crash's and ignored.
func readJournal(path string) (map[int]bool, error) {
	open := map[int]bool{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return open, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the undo's journal %s: %w", ErrBadInput, path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		var e journalEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Row <= 0 {
			continue // the torn last line of a crash
		}
		if e.Done {
			delete(open, e.Row)
		} else {
			open[e.Row] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: reading the undo's journal %s: %w", ErrBadInput, path, err)
	}
	return open, nil
}

// journal is the append-only log of an undo's writes: a send is on disk
// (fsynced) before its request leaves, so after a crash --resume knows
// which writes may have happened and settles them by the clients' state.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	open map[int]bool
}

// createJournal starts the journal, carrying the sends an earlier undo
// left open (until this run settles them).
func createJournal(path string, carry map[int]bool) (*journal, error) {
	f, err := safefile.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the undo's journal: %w", err)
	}
	j := &journal{f: f, path: path, open: map[int]bool{}}
	for row := range carry {
		if err := j.write(journalEvent{Row: row, Op: "carried"}); err != nil {
			_ = f.Close()
			return nil, err
		}
		j.open[row] = true
	}
	return j, nil
}

func (j *journal) write(e journalEvent) error {
	b, _ := json.Marshal(e)
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing the undo's journal %s: %w (nothing was sent for this line)", j.path, err)
	}
	return nil
}

func (j *journal) send(row int, op string, id int64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.write(journalEvent{Row: row, Op: op, ID: id}); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("writing the undo's journal %s: %w (nothing was sent for this line)", j.path, err)
	}
	j.open[row] = true
	return nil
}

func (j *journal) done(row int) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.open[row] {
		return nil
	}
	delete(j.open, row)
	return j.write(journalEvent{Row: row, Done: true})
}

// close closes the journal and removes it when the undo finished with no
// write left unsettled.
func (j *journal) close(finished bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.f.Close()
	if err == nil && finished && len(j.open) == 0 {
		err = os.Remove(j.path)
	}
	if err != nil {
		return fmt.Errorf("closing the undo's journal %s: %w", j.path, err)
	}
	return nil
}
