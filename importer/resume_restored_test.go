package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestResumeOfARestoredPrevIsRefused: a run stopped, its resume in place
// (the first report moved to NAME.prev) stopped too, and NAME.prev was
// then restored — copied back from a backup, as our messages advise, so
// its files are dated now, or given NAME's date (a FAT disk keeps dates
// to 2 s). The record at NAME still went further than NAME.prev: resuming
// NAME.prev is refused (exit 2, nothing sent, NAME given to resume),
// whatever the files' dates say; before, it created the clients of the
// rows NAME created again (96 clients for 80 rows).
func TestResumeOfARestoredPrevIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		restore func(t *testing.T, prev, name string)
	}{
		{"copied back", func(t *testing.T, prev, _ string) {
			b, err := os.ReadFile(prev)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
			if err := os.WriteFile(prev, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"dated as NAME", func(t *testing.T, prev, name string) {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{prev, prev + ".journal"} {
				if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 13, Latency: 40 * time.Millisecond}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("p", 80))
			name := filepath.Join(dir, "in.report.csv")
			first := stoppedRun(t, api, in, name, Config{})
			second := stoppedRun(t, api, in, name, Config{Resume: name})
			ahead := second.Counts[events.StatusCreated] - first.Counts[events.StatusCreated]
			if ahead <= 0 {
				t.Fatalf("the resume created %d after %d: want it further along", second.Counts[events.StatusCreated], first.Counts[events.StatusCreated])
			}
			tc.restore(t, name+".prev", name)
			before := srv.Stats().Requests
			_, err := Run(t.Context(), api, in, Config{Resume: name + ".prev", Report: name})
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), name+" is further along than "+name+".prev") ||
				!strings.Contains(err.Error(), fmt.Sprintf("clients of %d rows", ahead)) ||
				!strings.Contains(err.Error(), "--resume "+shellquote.POSIX.Quote(name)) {
				t.Fatalf("resume of the restored %s.prev: %v, want ErrBadInput naming both and the rows, resuming %s (%d clients now)", name, err, name, len(srv.Clients()))
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("the refused resume sent %d requests", n)
			}
		})
	}
}
