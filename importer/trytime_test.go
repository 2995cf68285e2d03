package importer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
)

// heldThenInterrupted holds the first create before it goes (as the
// limiter holds it through a block), notes when it went, and interrupts
// the run after after.
type heldThenInterrupted struct {
	*baselinker.API
	before, after time.Duration
	cancel        context.CancelFunc
	once          sync.Once
	went          time.Time
}

func (a *heldThenInterrupted) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	a.once.Do(func() {
		time.Sleep(a.before)
		a.went = time.Now()
		time.AfterFunc(a.after, a.cancel)
	})
	return a.API.AddCrmClientResult(ctx, f)
}

// TestResumeCountsFromTheTry: a create held 2 s before it went (longer
// than --request-timeout 1.5 s), whose answer was lost and whose run was
// interrupted while it waited to land, is dated in the journal by its try,
// not by its send before the wait. The resume looks it up only once it can
// no longer land and adopts the client the server made 1.2 s after the
// try; counted from the send, its wait was already over, the look-up
// found nothing and the row was sent again: a second client.
func TestResumeCountsFromTheTry(t *testing.T) {
	t.Parallel()
	const timeout = 1500 * time.Millisecond
	srv, h, base := newLateAPI(t, 1200*time.Millisecond, true, 1)
	in := writeFile(t, t.TempDir(), "in.csv", csvOf("email,invoice_fullname", "held@example.com,Held Client"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &heldThenInterrupted{API: base, before: 2 * time.Second, after: 300 * time.Millisecond, cancel: cancel}
	sum, err := Run(ctx, api, in, Config{MatchBy: []string{"email"}, Workers: 1, RequestTimeout: timeout})
	if !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("Run = %v, want the run's ErrInterrupted", err)
	}
	js, err := events.ReadJournal(sum.Journal)
	if err != nil {
		t.Fatal(err)
	}
	p, open := js.Open[2]
	if until, _ := p.LandsBy(timeout); !open || until.Before(api.went.Add(timeout).Truncate(time.Millisecond)) {
		t.Errorf("row 2's create (open %v) can land until %s by the journal, want at least %s: --request-timeout after its try",
			open, until.Format(time.StampMilli), api.went.Add(timeout).Format(time.StampMilli))
	}
	sum, err = Run(context.Background(), base, in, Config{MatchBy: []string{"email"}, RequestTimeout: timeout, Resume: sum.Report})
	if err != nil {
		t.Fatal(err)
	}
	h.wait()
	if st := srv.Stats(); st.Creates != 1 || len(srv.Clients()) != 1 {
		t.Errorf("%d creates, %d clients; want 1 (the resume adopted the late client, not sent it again)", st.Creates, len(srv.Clients()))
	}
	if l := byRow(t, readReport(t, sum.Report))["2"]; l["status"] != "created" || l["note"] == "" {
		t.Errorf("row 2 after --resume: %v, want created and adopted", l)
	}
}
