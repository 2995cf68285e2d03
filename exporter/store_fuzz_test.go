package exporter

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
)

// FuzzKeptDetails: whatever follows the header of a kept details file (an
// edit, a torn write, garbage), --resume either refuses it or reads it,
// and every client it then says it holds reads back with its own id;
// Config.Kept, which the page asks first, says it holds some exactly when
// it does.
func FuzzKeptDetails(f *testing.F) {
	hdr := storeHeader{Kind: storeKind, Version: 1, Account: "a1", Started: time.Unix(1700000000, 0).UTC()}
	line := func(id int64, fp uint64, email string) string {
		b, _ := json.Marshal(storeLine{ID: id, FP: fp, Client: baselinker.Client{CrmClientID: baselinker.Int(id), Email: email}})
		return string(b) + "\n"
	}
	f.Add([]byte(line(1, 7, "a@x.pl") + line(2, 8, "b@x.pl")))
	f.Add([]byte(line(1, 7, "a@x.pl") + `{"id":2,"list_fp":8,"cli`))
	f.Add([]byte(line(3, 1, "c@x.pl") + line(3, 2, "c2@x.pl")))
	f.Add([]byte("\n\n{}\n" + line(4, 4, "d")))
	f.Add([]byte(`{"id":-1}` + "\n"))
	f.Add([]byte(line(5, 5, "e\u2028\"x")))
	f.Fuzz(func(t *testing.T, body []byte) {
		path := filepath.Join(t.TempDir(), "kept.jsonl")
		h, _ := json.Marshal(hdr)
		if err := os.WriteFile(path, append(append(h, '\n'), body...), 0o600); err != nil {
			t.Fatal(err)
		}
		kept, kerr := keptConfig(path).Kept()
		s, err := openStore(path, "", hdr, true)
		if err != nil {
			return
		}
		defer s.close(false)
		if kerr != nil || kept != (s.kept > 0) {
			t.Errorf("Kept says %v, %v; Resume keeps %d clients", kept, kerr, s.kept)
		}
		if s.kept < len(s.index) {
			t.Errorf("kept %d lines but indexes %d clients", s.kept, len(s.index))
		}
		for id := range s.index {
			c, err := s.get(id)
			if err != nil || int64(c.CrmClientID) != id {
				t.Errorf("client %d reads back as %d, %v", id, c.CrmClientID, err)
			}
		}
		// What is kept is a prefix of what was there, cut at a line's end.
		got, _ := os.ReadFile(path)
		want := append(append(h, '\n'), body...)
		if !bytes.HasPrefix(want, got) || got[len(got)-1] != '\n' {
			t.Errorf("the kept file is not a line-ended prefix of the original")
		}
	})
}
