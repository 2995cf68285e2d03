package importer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
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
	for _, where := range []struct{ name, resumed, record string }{
		{"in place", "in.report.csv.prev", "in.report.csv"},
		{"another --report", "prod.report.csv", "out.csv"},
	} {
		for _, tc := range restoreWays() {
			t.Run(where.name+"/"+tc.name, func(t *testing.T) {
				srv, api, dir, in := eightyRows(t, 40*time.Millisecond)
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

// restoreWays are the ways the report resumed (prev) is restored after
// the later record (name) was written: copied back from a backup, as our
// messages advise, so its files are dated now, or given the later
// record's date (a FAT disk keeps dates to 2 s).
func restoreWays() []struct {
	name    string
	restore func(t *testing.T, prev, name string)
} {
	return []struct {
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
}

// TestResumeOfARestoredReportIsRefusedByLineage: a run stopped before
// any of its creates was answered (it created nothing), its resume into
// another --report created clients and was stopped with creates in
// flight, and the first report was restored. Nothing in the files ties
// the two (no client both created; the restored report dated as late or
// later), but the resume's journal carries the lineage of the journal it
// resumed: resuming the restored report again is refused (exit 2,
// nothing sent, no client made), while resuming the newest record
// finishes the import with one client a row. Before, the restored
// report's resume created again the clients its continuation created.
func TestResumeOfARestoredReportIsRefusedByLineage(t *testing.T) {
	for _, tc := range restoreWays() {
		t.Run(tc.name, func(t *testing.T) {
			srv, api, dir, in := eightyRows(t, 40*time.Millisecond)
			prod, out := filepath.Join(dir, "prod.report.csv"), filepath.Join(dir, "out.csv")
			// The unanswered creates (never sent) could land until 1 ms after their send.
			cfg := Config{RequestTimeout: time.Millisecond}
			first := stoppedUnanswered(t, api, 0, in, prod, cfg)
			if n := first.Counts[events.StatusCreated]; n != 0 || len(srv.Clients()) != 0 || first.Journal == "" {
				t.Fatalf("the first run created %d (%d clients), journal %q: want none, its journal kept", n, len(srv.Clients()), first.Journal)
			}
			cfg.Resume = prod
			second := stoppedUnanswered(t, api, 16, in, out, cfg)
			if n := second.Counts[events.StatusCreated]; n == 0 || second.Journal == "" {
				t.Fatalf("the resume created %d, journal %q: want it further along, its journal kept", n, second.Journal)
			}
			tc.restore(t, prod, out)
			before, clients := srv.Stats().Requests, len(srv.Clients())
			cfg.Report = out
			_, err := Run(t.Context(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), out+" is further along than "+prod) ||
				!regexp.MustCompile(`clients of [1-9]\d* rows that `).MatchString(err.Error()) ||
				!strings.Contains(err.Error(), "--resume "+shellquote.POSIX.Quote(out)) {
				t.Fatalf("resume of the restored %s: %v, want ErrBadInput naming both and the rows, resuming %s (%d clients now)", prod, err, out, len(srv.Clients()))
			}
			if n := srv.Stats().Requests - before; n != 0 || len(srv.Clients()) != clients {
				t.Errorf("the refused resume sent %d requests, clients %d → %d", n, clients, len(srv.Clients()))
			}
			// The newest record is the one to go on from: it makes the rest.
			cfg.Resume = out
			sum, err := Run(t.Context(), api, in, cfg)
			if err != nil || len(srv.Clients()) != 80 || sum.Counts[events.StatusCreated] != 80 {
				t.Fatalf("resume of %s: %v, %v; %d clients for 80 rows", out, err, sum.Counts, len(srv.Clients()))
			}
		})
	}
}

// TestResumeAfterAnUnrelatedLaterRunStaysRefused: a run of the same input
// into another --report that did not go on from the resumed one (a new
// import: its own lineage), written later, that created clients the
// resumed report leaves to send, still refuses the resume: another
// lineage ties nothing, and the rest of the rule (its date) counts it, as
// before lineages — resuming would create those people again.
func TestResumeAfterAnUnrelatedLaterRunStaysRefused(t *testing.T) {
	srv, api, dir, in := eightyRows(t, 40*time.Millisecond)
	prod, out := filepath.Join(dir, "prod.report.csv"), filepath.Join(dir, "out.csv")
	cfg := Config{RequestTimeout: time.Millisecond}
	stoppedUnanswered(t, api, 0, in, prod, cfg)
	other := stoppedUnanswered(t, api, 16, in, out, cfg) // kept by its unanswered creates, with its lineage
	if other.Counts[events.StatusCreated] == 0 || other.Journal == "" {
		t.Fatalf("the unrelated run created %d, journal %q: want some, its journal kept", other.Counts[events.StatusCreated], other.Journal)
	}
	before := srv.Stats().Requests
	cfg.Resume, cfg.Report = prod, out
	_, err := Run(t.Context(), api, in, cfg)
	if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), out+" is further along than "+prod) {
		t.Fatalf("resume of %s after a later unrelated run into %s: %v; want it refused as further along", prod, out, err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the refused resume sent %d requests", n)
	}
}

// TestResumeCarriesTheLineage: a new import's journal has a lineage of
// its own; a resume's journal carries the one of the journal it resumes,
// in place (its journal replaces the old one, the report goes to
// NAME.prev) or into another --report (the resumed journal stays).
func TestResumeCarriesTheLineage(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 13}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("p", 80))
	report, out, other := filepath.Join(dir, "in.report.csv"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "other.csv")
	gens := map[string]int{} // each journal's generation, as last read
	lineage := func(report string) string {
		t.Helper()
		js, err := events.ReadJournal(report + ".journal")
		if err != nil || !js.Found || js.Lineage == "" {
			t.Fatalf("%s.journal: found %v, lineage %q, %v; want one", report, js.Found, js.Lineage, err)
		}
		gens[report] = js.Gen
		return js.Lineage
	}
	cfg := Config{RequestTimeout: time.Millisecond}
	stoppedUnanswered(t, api, 4, in, report, cfg)
	first := lineage(report)
	cfg.Resume = report
	stoppedUnanswered(t, api, 8, in, report, cfg) // in place
	if got := lineage(report); got != first {
		t.Errorf("the in-place resume's journal has lineage %q, want the resumed one's %q", got, first)
	}
	stoppedUnanswered(t, api, 8, in, out, cfg)
	if got, kept := lineage(out), lineage(report); got != first || kept != first {
		t.Errorf("the resume into %s: lineage %q, the resumed journal's now %q; want both %q", out, got, kept, first)
	}
	stoppedUnanswered(t, api, 4, in, other, Config{RequestTimeout: time.Millisecond})
	if got := lineage(other); got == first {
		t.Errorf("a new import of the same file has the lineage %q of another", got)
	}
	// One generation a resume: the import 0, its in-place resume 1, that
	// one's resume into out 2; a new import starts again at 0.
	if want := map[string]int{report: 1, out: 2, other: 0}; !maps.Equal(gens, want) {
		t.Errorf("generations %v, want %v", gens, want)
	}
}

// stoppedUnanswered runs an import with 4 workers whose creates after the
// answered-th get no answer (they are not sent: the connection is taken
// as cut before it): the first of them interrupts the run, and the
// journal keeps their sends open, as a run killed while they were in
// flight leaves it.
func stoppedUnanswered(t *testing.T, api *baselinker.API, answered int64, in, report string, cfg Config) Summary {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg.Report, cfg.Workers = report, 4
	sum, err := Run(ctx, &creatingUntil{API: api, last: answered, stop: cancel, lose: true}, in, cfg)
	if !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted after %d answered creates", err, answered)
	}
	return sum
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
// answered; with lose, at its create after the last-th instead, which
// (as every one after it) gets no answer.
type creatingUntil struct {
	*baselinker.API
	last        int64
	done, calls atomic.Int64
	stop        context.CancelFunc
	lose        bool
}

func (c *creatingUntil) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	if c.lose && c.calls.Add(1) > c.last {
		c.stop()
		return baselinker.Added{}, &baselinker.OutcomeUnknownError{Method: "addCrmClient", Cause: errors.New("the connection was cut before the answer"), Sent: time.Now()}
	}
	a, err := c.API.AddCrmClientResult(ctx, f)
	if c.done.Add(1) == c.last {
		c.stop()
	}
	return a, err
}

// refusing is an API that refuses the creates of the e-mails in refuse
// (an API error: the row fails), and passes the others on.
type refusing struct {
	*creatingUntil
	refuse map[string]bool
}

func (r *refusing) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	if r.refuse[f.Values["email"]] {
		return baselinker.Added{}, &baselinker.APIError{Method: "addCrmClient", Code: "ERROR_TEST_REFUSED", Message: "refused by the test"}
	}
	return r.creatingUntil.AddCrmClientResult(ctx, f)
}

// TestResumeOfTheNewestWithItsAncestorAtReport: a record of the same
// lineage from an EARLIER generation (its ancestor, whose journal still
// holds creates it sent) does not refuse a resume of the newest record:
// the newest carried and looked up all it knew. Before generations, the
// ancestor's unanswered creates read as rows it went further on, the
// refusal advised resuming the ancestor, and that made 96 clients for 80.
func TestResumeOfTheNewestWithItsAncestorAtReport(t *testing.T) {
	srv, api, dir, in := eightyRows(t, 40*time.Millisecond)
	prod, out := filepath.Join(dir, "in.report.csv"), filepath.Join(dir, "out.csv")
	cfg := Config{RequestTimeout: time.Millisecond}
	stoppedUnanswered(t, api, 0, in, prod, cfg) // its first creates in flight: kept open in its journal
	refuse := refusedOpen(t, prod)
	// The resume into out looks those up, sends them again and the API
	// refuses them; it creates 16 others and is stopped with creates in flight.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	second := cfg
	second.Resume, second.Report, second.Workers = prod, out, 4
	if _, err := Run(ctx, &refusing{creatingUntil: &creatingUntil{API: api, last: 16, stop: cancel, lose: true}, refuse: refuse}, in, second); !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("the resume into %s: %v, want it stopped", out, err)
	}
	third := cfg
	third.Resume, third.Report = out, prod
	if _, err := Run(t.Context(), api, in, third); err != nil {
		t.Fatalf("resume of the newest record %s with --report at its ancestor %s: %v; want it to finish", out, prod, err)
	}
	if n := len(srv.Clients()); n != 80 {
		t.Errorf("%d clients for 80 rows", n)
	}
}
