package undo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// interruptDuring stops the run while the k-th delete is in flight: the
// delete must still be let finish (the pool's drain) and its line written.
type interruptDuring struct {
	*baselinker.API
	k        int64
	n        atomic.Int64
	cancel   context.CancelFunc
	cutShort atomic.Bool // the k-th delete's context ended with the run's
}

func (c *interruptDuring) DeleteCrmClient(ctx context.Context, id int64) error {
	if c.n.Add(1) == c.k {
		c.cancel()
		c.cutShort.Store(ctx.Err() != nil)
	}
	return c.API.DeleteCrmClient(ctx, id)
}

// TestUndoOutcomeInterrupted: an undo interrupted mid-way ends with the
// run's ErrInterrupted in its own words, lets the delete in flight finish,
// and skips the lines not started with the run's INTERRUPTED code.
func TestUndoOutcomeInterrupted(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 8, Clients: 30})
	var rows []string
	for i := range 12 {
		rows = append(rows, fmt.Sprintf("drain%d@undo.example,+48 702 %d,Ariel", i, i))
	}
	report := importRows(t, api, t.TempDir(), rows...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wrapped := &interruptDuring{API: api, k: 3, cancel: cancel}
	before := srv.Stats().Deletes
	sum, err := Run(ctx, wrapped, report, Config{Workers: 1})
	if !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("Run = %v, want the run's ErrInterrupted", err)
	}
	if !strings.HasPrefix(err.Error(), "the undo was interrupted; the report ") {
		t.Errorf("error %q: the undo's words changed", err)
	}
	if wrapped.cutShort.Load() {
		t.Error("the delete in flight at the interrupt saw its context end: no drain")
	}
	if d := srv.Stats().Deletes - before; d != 3 {
		t.Errorf("%d deletes reached the server, want the 3 started before the interrupt", d)
	}
	if sum.Counts[StatusDeleted] != 3 || sum.Counts[events.StatusSkipped] != 9 {
		t.Errorf("counts %v, want 3 deleted and 9 skipped", sum.Counts)
	}
	var codes []string
	_ = events.ReadReport(sum.Report, nil, "", func(l events.Line) error {
		if l.Status == events.StatusSkipped {
			codes = append(codes, l.Code)
		}
		return nil
	})
	for _, c := range codes {
		if c != events.CodeInterrupted {
			t.Errorf("a line not started has code %q, want %q", c, events.CodeInterrupted)
		}
	}
}
