package importer

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestResumeWithAKeyWhileALaterRunsCreatesLand: a run with a match key
// stopped, its resume in place (the first report moved to NAME.prev) was
// stopped too while its creates were still being made on the server (they
// land CommitAfter after their send). At once, --resume NAME.prev with the
// key and another --report is refused, nothing sent, pointing to NAME's
// --resume: its look-up at start could not find those clients yet, and it
// made 4 duplicates before. NAME's own resume (it waits for its creates to
// land, then looks them up) then ends the import: a client for every row,
// none twice.
func TestResumeWithAKeyWhileALaterRunsCreatesLand(t *testing.T) {
	const commit, timeout = 300 * time.Millisecond, 700 * time.Millisecond
	srv, api := newAPI(t, sandbox.Config{Seed: 13, Latency: 40 * time.Millisecond, CommitAfter: commit}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("p", 80))
	name := filepath.Join(dir, "in.report.csv")
	cfg := Config{MatchBy: []string{"email"}, DrainTimeout: 50 * time.Millisecond, RequestTimeout: timeout}
	stopAfterCreates(t, srv, api, in, name, cfg, 8)
	time.Sleep(timeout + 100*time.Millisecond) // the first run's creates have landed
	cfg.Resume = name
	stopAfterCreates(t, srv, api, in, name, cfg, 8)
	js, err := events.ReadJournal(name + ".journal")
	if n, _ := inDoubt(js.Open, timeout); err != nil || n == 0 {
		t.Fatalf("the stopped resume left no create that may still land (journal: %v): the case is not made", err)
	}

	before := srv.Stats().Requests
	_, err = Run(t.Context(), api, in, Config{MatchBy: cfg.MatchBy, Resume: name + ".prev", Report: filepath.Join(dir, "x.csv"), RequestTimeout: timeout})
	if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), name+".journal shows") ||
		!strings.Contains(err.Error(), "could not find those clients yet") || !strings.Contains(err.Error(), "--resume "+shellquote.POSIX.Quote(name)) {
		time.Sleep(timeout)
		t.Fatalf("resume of NAME.prev while NAME's creates may land: err = %v, want it refused naming %s.journal (%d clients now)", err, name, len(srv.Clients()))
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the refused resume sent %d requests", n)
	}

	if _, err := Run(t.Context(), api, in, Config{MatchBy: cfg.MatchBy, Resume: name, Report: name, RequestTimeout: timeout}); err != nil {
		t.Fatalf("resume of %s: %v", name, err)
	}
	assertNoDuplicates(t, srv)
	if n := len(srv.Clients()); n != 80 {
		t.Errorf("%d clients, want 80", n)
	}
}

// stopAfterCreates runs an import into report with 4 workers and stops it
// (Ctrl-C) once the server has had n more creates: the run is stopped with
// creates sent, whatever its start took. It counts the creates the server
// received, not answered (stoppedAfterCreates): the stop must come while
// they are still being made.
func stopAfterCreates(t *testing.T, srv *sandbox.Server, api API, in, report string, cfg Config, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	go func() {
		start := srv.Stats().ByMethod["addCrmClient"]
		for ctx.Err() == nil && srv.Stats().ByMethod["addCrmClient"]-start < n {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	cfg.Report, cfg.Workers = report, 4
	if _, err := Run(ctx, api, in, cfg); !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
}
