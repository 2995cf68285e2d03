package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestResumeOfARestoredReportIsRefused: a run stopped, its resume stopped
// too — in place (the first report moved to NAME.prev), or into another
// --report — and the resumed report was then restored: copied back from
// a backup, as our messages advise, so its files are dated now, or given
// the later record's date (a FAT disk keeps dates to 2 s). The later
// record still went further: resuming the restored report again is
// refused (exit 2, nothing sent, the later record given to resume),
// whatever the files' dates say; before, it created the clients of the
// rows the later record created again (96 clients for 80 rows).
func TestResumeOfARestoredReportIsRefused(t *testing.T) {
	// The ways the report resumed (prev) is restored after the later
	// record (name) was written.
	restores := []struct {
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
		{"dated as the later record", func(t *testing.T, prev, name string) {
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
	}
	for _, where := range []struct{ name, resumed, record string }{
		{"in place", "in.report.csv.prev", "in.report.csv"},
		{"another --report", "prod.report.csv", "out.csv"},
	} {
		for _, tc := range restores {
			t.Run(where.name+"/"+tc.name, func(t *testing.T) {
				srv, api := newAPI(t, sandbox.Config{Seed: 13, Latency: 40 * time.Millisecond}, 0, 0)
				dir := t.TempDir()
				in := writeFile(t, dir, "in.csv", genRows("p", 80))
				resumed, record := filepath.Join(dir, where.resumed), filepath.Join(dir, where.record)
				first := stoppedAfterCreates(t, api, 16, in, strings.TrimSuffix(resumed, ".prev"), Config{})
				second := stoppedAfterCreates(t, api, 16, in, record, Config{Resume: strings.TrimSuffix(resumed, ".prev")})
				ahead := second.Counts[events.StatusCreated] - first.Counts[events.StatusCreated]
				if ahead <= 0 {
					t.Fatalf("the resume created %d after %d: want it further along", second.Counts[events.StatusCreated], first.Counts[events.StatusCreated])
				}
				tc.restore(t, resumed, record)
				before := srv.Stats().Requests
				_, err := Run(t.Context(), api, in, Config{Resume: resumed, Report: record})
				if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), record+" is further along than "+resumed) ||
					!strings.Contains(err.Error(), fmt.Sprintf("clients of %d rows", ahead)) ||
					!strings.Contains(err.Error(), "--resume "+shellquote.POSIX.Quote(record)) {
					t.Fatalf("resume of the restored %s: %v, want ErrBadInput naming both and the rows, resuming %s (%d clients now)", resumed, err, record, len(srv.Clients()))
				}
				if n := srv.Stats().Requests - before; n != 0 {
					t.Errorf("the refused resume sent %d requests", n)
				}
			})
		}
	}
}

// stoppedAfterCreates runs an import with 4 workers and interrupts it once
// its creates-th create was answered: the run stops at a point of its own
// progress, not after a time a loaded machine may spend before the first
// create (a resume stopped after 150 ms had created nothing yet).
func stoppedAfterCreates(t *testing.T, api *baselinker.API, creates int64, in, report string, cfg Config) Summary {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg.Report, cfg.Workers = report, 4
	sum, err := Run(ctx, &creatingUntil{API: api, last: creates, stop: cancel}, in, cfg)
	if !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted after %d creates", err, creates)
	}
	return sum
}

// creatingUntil is an API that calls stop once its last-th create was
// answered.
type creatingUntil struct {
	*baselinker.API
	last int64
	done atomic.Int64
	stop context.CancelFunc
}

func (c *creatingUntil) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	a, err := c.API.AddCrmClientResult(ctx, f)
	if c.done.Add(1) == c.last {
		c.stop()
	}
	return a, err
}
