package importer

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// interruptInFlight interrupts the run a moment after the first create
// was sent, while its answer is on its way.
type interruptInFlight struct {
	*baselinker.API
	after  time.Duration
	cancel context.CancelFunc
	once   sync.Once
}

func (a *interruptInFlight) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	a.once.Do(func() { time.AfterFunc(a.after, a.cancel) })
	return a.API.AddCrmClientResult(ctx, f)
}

// TestImportOutcomeDrain: an import interrupted while a create is in flight
// ends with the run's ErrInterrupted in the import's own words; the create
// finishes when its answer comes within DrainTimeout; cut when it does not,
// its row fails OUTCOME_UNKNOWN (the create may have landed: never sent
// again blindly); the rows not started are skipped, INTERRUPTED.
func TestImportOutcomeDrain(t *testing.T) {
	const latency = 300 * time.Millisecond
	tests := []struct {
		name        string
		drain       time.Duration
		wantCreated int
		wantCut     int
	}{
		{"the answer comes within the drain", 3 * latency, 1, 0},
		{"the drain ends first", latency / 6, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, base := newAPI(t, sandbox.Config{Seed: 12, Latency: latency}, 0, 0)
			in := writeFile(t, t.TempDir(), "in.csv", genRows("d", 4))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			api := &interruptInFlight{API: base, after: latency / 3, cancel: cancel}
			sum, err := Run(ctx, api, in, Config{Workers: 1, DrainTimeout: tc.drain})
			if !errors.Is(err, events.ErrInterrupted) {
				t.Fatalf("Run = %v, want the run's ErrInterrupted", err)
			}
			if !strings.HasPrefix(err.Error(), "the import was interrupted: the report ") {
				t.Errorf("error %q: the import's words changed", err)
			}
			if sum.Counts[events.StatusCreated] != tc.wantCreated || sum.Counts[events.StatusFailed] != tc.wantCut || sum.Counts[events.StatusSkipped] != 3 {
				t.Errorf("counts %v, want %d created, %d cut (failed) and 3 skipped", sum.Counts, tc.wantCreated, tc.wantCut)
			}
			for row, l := range byRow(t, readReport(t, sum.Report)) {
				want := map[string]string{"skipped": events.CodeInterrupted, "failed": events.CodeOutcomeUnknown, "created": ""}[l["status"]]
				if l["error_code"] != want {
					t.Errorf("row %s: %s with code %q, want %q", row, l["status"], l["error_code"], want)
				}
			}
		})
	}
}
