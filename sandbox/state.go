package sandbox

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
)

// stateFormat names the state file's format and version.
const stateFormat = "crmbulk-sandbox/1"

type stateFile struct {
	Format  string              `json:"format"`
	NextID  int64               `json:"next_id"`
	Clients []baselinker.Client `json:"clients"`
}

// loadState reads a state file; ok is false when path is "" or names no file.
func loadState(path string) (st store, ok bool, err error) {
	f, err := os.Open(path)
	if path == "" || errors.Is(err, fs.ErrNotExist) {
		return store{}, false, nil
	}
	if err != nil {
		return store{}, false, fmt.Errorf("sandbox: opening state file %s: %w", path, err)
	}
	defer f.Close()
	var sf stateFile
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&sf); err != nil {
		return store{}, false, fmt.Errorf("sandbox: state file %s is not a sandbox state (%w); delete it or pass another --state", path, err)
	}
	if sf.Format != stateFormat {
		return store{}, false, fmt.Errorf("sandbox: state file %s has format %q, want %q; delete it or pass another --state", path, sf.Format, stateFormat)
	}
	sort.SliceStable(sf.Clients, func(i, j int) bool { return sf.Clients[i].CrmClientID < sf.Clients[j].CrmClientID })
	for i, c := range sf.Clients {
		if c.CrmClientID <= 0 {
			return store{}, false, fmt.Errorf("sandbox: state file %s: a client has crm_client_id %d, want > 0; fix or delete the file", path, c.CrmClientID)
		}
		if i > 0 && sf.Clients[i-1].CrmClientID == c.CrmClientID {
			return store{}, false, fmt.Errorf("sandbox: state file %s: crm_client_id %d appears twice; fix or delete the file", path, c.CrmClientID)
		}
	}
	return newStore(sf.Clients, sf.NextID), true, nil
}

// save writes the state atomically: a temp file in the same directory,
// synced, then renamed over the old one. Only the autosave calls it, then
// Close once the autosave has stopped: never two at once.
func (s *Server) save() error {
	if s.cfg.StatePath == "" {
		return nil
	}
	path := s.cfg.StatePath
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("sandbox: saving state to %s: %w; check the directory exists and is writable", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	s.data.RLock()
	changes := s.changes
	err = writeState(tmp, &s.store)
	s.data.RUnlock()
	if err == nil {
		err = tmp.Sync()
	}
	err = cmp.Or(err, tmp.Close()) // closed whatever happened
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("sandbox: saving state to %s: %w", path, err)
	}
	s.saved = changes
	return nil
}

// writeState encodes the store one client per line, without building the
// whole document in memory.
func writeState(f *os.File, st *store) error {
	w := bufio.NewWriterSize(f, 1<<16)
	fmt.Fprintf(w, "{\"format\":%q,\"next_id\":%d,\"clients\":[\n", stateFormat, st.nextID)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range st.clients {
		if i > 0 {
			w.WriteString(",")
		}
		if err := enc.Encode(&st.clients[i]); err != nil {
			return err
		}
	}
	w.WriteString("]}\n")
	return w.Flush()
}

// Close stops the autosave and saves the state (when StatePath is set).
// It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.stop == nil {
			return
		}
		close(s.stop)
		<-s.done
		s.closeErr = s.save()
	})
	return s.closeErr
}

func (s *Server) autosave() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.SaveEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.dirty() {
				if err := s.save(); err != nil {
					s.cfg.Logger.Error("sandbox: autosave failed", "err", err)
				}
			}
		}
	}
}

func (s *Server) dirty() bool {
	s.data.RLock()
	defer s.data.RUnlock()
	return s.changes != s.saved
}
