package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestResumeRefusedByAnotherBranch: records of one import (one lineage)
// that are not the resumed run's ancestors — a sibling resume of the same
// report, or the original run that went on after a copy of it was taken —
// refuse a keyless resume when they created clients of rows it leaves to
// send, whatever their generation: the resumed run never carried those
// creates. (A generation alone took a lower one for an ancestor: 91, 86
// and 96 clients for 80 rows; review round 10.)
func TestResumeRefusedByAnotherBranch(t *testing.T) {
	cfg := Config{RequestTimeout: time.Millisecond}
	tests := []struct {
		name string
		// setup makes the records and returns the resume to run: its
		// report resumed and its --report.
		setup func(t *testing.T, api *baselinker.API, dir, in string) (resume, report string)
	}{
		{"a sibling's child, the sibling at --report", func(t *testing.T, api *baselinker.API, dir, in string) (string, string) {
			a, b, c := filepath.Join(dir, "in.report.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.csv")
			stoppedUnanswered(t, api, 16, in, a, cfg)                                                   // generation 0
			stoppedUnanswered(t, api, 16, in, b, Config{Resume: a, RequestTimeout: cfg.RequestTimeout}) // 1: 16 more
			stoppedUnanswered(t, api, 0, in, c, Config{Resume: a, RequestTimeout: cfg.RequestTimeout})  // 1: B's sibling
			stoppedUnanswered(t, api, 0, in, c, Config{Resume: c, RequestTimeout: cfg.RequestTimeout})  // 2: in place
			return c, b
		}},
		{"a sibling at --report, the same generation", func(t *testing.T, api *baselinker.API, dir, in string) (string, string) {
			a, b, c := filepath.Join(dir, "in.report.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.csv")
			stoppedUnanswered(t, api, 0, in, a, cfg) // no client: its creates in flight
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			refuse := refusedOpen(t, a)
			second := Config{Resume: a, Report: b, Workers: 4, RequestTimeout: cfg.RequestTimeout}
			if _, err := Run(ctx, &refusing{creatingUntil: &creatingUntil{API: api, last: 16, stop: cancel, lose: true}, refuse: refuse}, in, second); !errors.Is(err, events.ErrInterrupted) {
				t.Fatalf("B: %v", err)
			}
			time.Sleep(20 * time.Millisecond) // C written after B, so B's date does not count it
			stoppedUnanswered(t, api, 0, in, c, Config{Resume: a, RequestTimeout: cfg.RequestTimeout})
			return c, b
		}},
		{"the original, gone on after a copy of it was resumed", func(t *testing.T, api *baselinker.API, dir, in string) (string, string) {
			a, bak, out := filepath.Join(dir, "in.report.csv"), filepath.Join(dir, "bak.csv"), filepath.Join(dir, "out.csv")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			copyAt := &copyingAt{creatingUntil: &creatingUntil{API: api, last: 16, stop: cancel, lose: true}, at: 6, copy: func() {
				for _, ext := range []string{"", ".journal"} {
					b, err := os.ReadFile(a + ext)
					if err == nil {
						err = os.WriteFile(bak+ext, b, 0o600)
					}
					if err != nil {
						t.Error(err)
					}
				}
			}}
			if _, err := Run(ctx, copyAt, in, Config{Report: a, Workers: 4, RequestTimeout: cfg.RequestTimeout}); !errors.Is(err, events.ErrInterrupted) {
				t.Fatalf("A: %v", err)
			}
			stoppedUnanswered(t, api, 0, in, out, Config{Resume: bak, RequestTimeout: cfg.RequestTimeout}) // generation 1
			return out, a
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api, dir, in := eightyRows(t, 40*time.Millisecond)
			resume, report := tt.setup(t, api, dir, in)
			before, clients := srv.Stats().Requests, len(srv.Clients())
			_, err := Run(t.Context(), api, in, Config{Resume: resume, Report: report, RequestTimeout: cfg.RequestTimeout})
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), report+" is further along than "+resume) {
				t.Errorf("resume of %s with --report %s: %v; want it refused as further along (%d clients now, %d before)", resume, report, err, len(srv.Clients()), clients)
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("the refused resume sent %d requests", n)
			}
		})
	}
}

// refusedOpen is the e-mails of the rows whose creates the journal of
// report left open: a refusing API refuses them when they are sent again.
func refusedOpen(t *testing.T, report string) map[string]bool {
	t.Helper()
	js, err := events.ReadJournal(report + ".journal")
	if err != nil || len(js.Open) == 0 {
		t.Fatalf("%s.journal: %d open, %v; want its creates in flight kept", report, len(js.Open), err)
	}
	refuse := map[string]bool{}
	for row := range js.Open {
		refuse[fmt.Sprintf("p-%d@example.com", row-2)] = true
	}
	return refuse
}

// copyingAt is creatingUntil that also calls copy once, when its at-th
// create was answered: a backup of the run's record taken while it runs.
type copyingAt struct {
	*creatingUntil
	at   int64
	once sync.Once
	copy func()
}

func (c *copyingAt) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	a, err := c.creatingUntil.AddCrmClientResult(ctx, f)
	if c.creatingUntil.done.Load() >= c.at {
		c.once.Do(c.copy)
	}
	return a, err
}

// TestRetryOfAFinishedResumeWithTheFirstRunAtReport: the first run is
// killed with creates in flight (its journal keeps them open); its resume
// into another --report looks them up, the API refuses those rows, and
// the resume finishes (its journal deleted). Retrying the failed rows —
// `--resume out.csv`, --report defaulting to the first run's report — is
// not refused: the first run created nobody, and its open creates were
// carried and looked up. (A lineage read from the report's lines without
// its generation refused it, and the advice made 97 clients for 80 rows:
// review round 12.)
func TestRetryOfAFinishedResumeWithTheFirstRunAtReport(t *testing.T) {
	srv, api, dir, in := eightyRows(t, 10*time.Millisecond)
	first, out := filepath.Join(dir, "in.report.csv"), filepath.Join(dir, "out.csv")
	cfg := Config{RequestTimeout: time.Millisecond}
	stoppedUnanswered(t, api, 0, in, first, cfg)
	refuse := refusedOpen(t, first)
	second := cfg
	second.Resume, second.Report, second.Workers = first, out, 4
	sum, err := Run(t.Context(), &refusing{creatingUntil: &creatingUntil{API: api, last: 1 << 30, stop: func() {}}, refuse: refuse}, in, second)
	if err != nil || sum.Journal != "" || sum.Counts[events.StatusFailed] != len(refuse) {
		t.Fatalf("the resume into %s: %v, %v, journal %q; want it finished with the %d refused rows failed, its journal gone", out, err, sum.Counts, sum.Journal, len(refuse))
	}
	third := cfg
	third.Resume = out // --report: the default, the first run's report
	if _, err := Run(t.Context(), api, in, third); err != nil {
		t.Fatalf("retrying the failed rows of %s: %v", out, err)
	}
	if n := len(srv.Clients()); n != 80 {
		t.Errorf("%d clients for 80 rows", n)
	}
}

// eightyRows is the resume tests' setup: a sandbox answering after
// latency, its API, a folder, and an input of 80 new clients in it.
func eightyRows(t *testing.T, latency time.Duration) (*sandbox.Server, *baselinker.API, string, string) {
	t.Helper()
	srv, api := newAPI(t, sandbox.Config{Seed: 13, Latency: latency}, 0, 0)
	dir := t.TempDir()
	return srv, api, dir, writeFile(t, dir, "in.csv", genRows("p", 80))
}
