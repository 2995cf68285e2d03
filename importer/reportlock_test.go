package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/runlock"
	"github.com/crmbulk/crmbulk/sandbox"

	events "github.com/crmbulk/crmbulk/run"
)

// gatedAPI holds the first create until release is closed: the run that
// sends it is mid-run, holding its locks, for as long as a test needs.
type gatedAPI struct {
	*baselinker.API
	sending chan struct{} // closed when the first create is about to be sent
	release chan struct{}
	once    sync.Once
}

func (g *gatedAPI) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	g.once.Do(func() { close(g.sending) })
	select {
	case <-g.release:
	case <-ctx.Done():
		return baselinker.Added{}, ctx.Err()
	}
	return g.API.AddCrmClientResult(ctx, f)
}

// TestReportLockedWhenInputEdited: an import is mid-run when its input is
// saved again; a second import of the edited file (another fingerprint, so
// another input lock) into the same report is refused by the report's
// lock, naming the report and the running run, before it writes or sends
// anything — whichever spelling of the report path it is given.
func TestReportLockedWhenInputEdited(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 43}, 0, 0)
	dir := t.TempDir()
	// The relative spelling is from inside dir: filepath.Rel from the
	// package's folder fails when %TEMP% is on another drive (Windows).
	t.Chdir(dir)
	in := writeFile(t, dir, "in.csv", genRows("e", 3))
	report := filepath.Join(dir, "in.report.csv")
	state := filepath.Join(dir, "state")
	gate := &gatedAPI{API: api, sending: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), gate, in, Config{Report: report, StateDir: state, Workers: 1,
			Command: "crmbulk import in.csv (the first run)"})
		first <- err
	}()
	defer func() {
		close(gate.release)
		if err := <-first; !errors.Is(err, ErrInputChanged) {
			t.Errorf("the first run: %v, want ErrInputChanged (its input was edited under it)", err)
		}
	}()
	select {
	case <-gate.sending:
	case err := <-first:
		t.Fatalf("the first run ended before its first create: %v", err)
	}
	writeFile(t, dir, "in.csv", genRows("e", 4)) // saved again: another fingerprint
	before, err := os.Stat(report)
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.Stats().Requests
	for _, path := range []string{report, filepath.Join(dir, ".", "in.report.csv"), "in.report.csv"} {
		_, err := Run(context.Background(), api, in, Config{Report: path, StateDir: state, Command: "crmbulk import in.csv (the second run)"})
		if !errors.Is(err, events.ErrBadInput) || !errors.Is(err, runlock.ErrHeld) {
			t.Fatalf("--report %s: err %v, want the report's lock held (ErrBadInput, ErrHeld)", path, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "the report "+path) || !strings.Contains(msg, "(the first run)") {
			t.Errorf("--report %s: %q does not name the report and the running run", path, msg)
		}
	}
	if n := srv.Stats().Requests - sent; n != 0 {
		t.Errorf("the refused runs sent %d requests", n)
	}
	after, err := os.Stat(report)
	if err != nil || !os.SameFile(before, after) || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the refused runs touched the first run's report (%v)", err)
	}
	if recs, err := Records(report); err != nil || len(recs) != 1 {
		t.Errorf("records of the report: %d, %v; want the running one only (nothing kept aside)", len(recs), err)
	}
}
