package undo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestUndoNotPagingWords: against an endpoint that answers page 1 whatever
// page is asked, an undo's reads of pages stop, and say so in the undo's
// words — what stopped, that nothing was deleted, restored or created,
// and what to do — not an export's ("nothing written"). Its read of the
// account's clients stops the undo before any change; the look-up that
// must find no client with a key before one is made again fails its
// line, and nothing is created.
func TestUndoNotPagingWords(t *testing.T) {
	ctx := context.Background()
	fill := func(t *testing.T, api *baselinker.API, n int, email string) {
		t.Helper()
		for i := range n {
			if _, err := api.AddCrmClient(ctx, baselinker.ClientFields{Values: map[string]string{"email": fmt.Sprintf(email, i)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("the read of the account's clients", func(t *testing.T) {
		srv, api := newAPI(t, sandbox.Config{Seed: 15, Clients: 5, IgnorePage: true})
		report := importRows(t, api, t.TempDir(), "np@undo.example,+48 1,Hel")
		fill(t, api, baselinker.PageSize, "other%d@undo.example") // page 1 is full: page 2 is asked, and is page 1 again
		_, err := Run(ctx, api, report, Config{})
		if !errors.Is(err, events.ErrFatal) || !errors.Is(err, baselinker.ErrNotPaging) {
			t.Fatalf("Run = %v, want the run's ErrFatal for pages that do not page", err)
		}
		msg := err.Error()
		for _, w := range []string{"reading the account's clients (getCrmClients) before changing any: the API is not paging: page 2",
			"nothing was deleted or restored", "check that --api-url (or BASELINKER_API_URL), if set, names Base's API, then run the undo again"} {
			if !strings.Contains(msg, w) {
				t.Errorf("the error %q lacks %q", msg, w)
			}
		}
		if strings.Contains(msg, "nothing written") || srv.Stats().Deletes != 0 {
			t.Errorf("the error %q (%d deletes): want the undo's words, nothing deleted", msg, srv.Stats().Deletes)
		}
	})
	t.Run("the look-up before a re-create", func(t *testing.T) {
		srv, api := newAPI(t, sandbox.Config{Seed: 15, Clients: 5, IgnorePage: true})
		report := importRows(t, api, t.TempDir(), "np@undo.example,+48 1,Hel")
		undone, err := Run(ctx, api, report, Config{})
		if err != nil || undone.Counts[StatusDeleted] != 1 {
			t.Fatalf("undo: %v, %v", undone, err)
		}
		fill(t, api, baselinker.PageSize+5, "x%dnp@undo.example") // partial matches of the key fill page 1
		sum, err := Run(ctx, api, undone.Report, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Counts[events.StatusFailed] != 1 || withEmail(srv, "np@undo.example") != 0 {
			t.Fatalf("counts %v, %d clients with the key; want the line failed, none made", sum.Counts, withEmail(srv, "np@undo.example"))
		}
		var l events.Line
		_ = events.ReadReport(sum.Report, nil, "", func(x events.Line) error { l = x; return nil })
		for _, w := range []string{"not created again: the look-up of a client with email:np@undo.example, which must find none first, stopped (",
			"the API is not paging: page 2", "nothing was created for this line",
			"check that --api-url (or BASELINKER_API_URL), if set, names Base's API, then run the undo again with --resume"} {
			if !strings.Contains(l.Message, w) {
				t.Errorf("the line %q lacks %q", l.Message, w)
			}
		}
		if strings.Contains(l.Message, "nothing written") {
			t.Errorf("the line %q says an export's consequence", l.Message)
		}
	})
}

// TestUndoLookupStoppedWords: a re-create's look-up that stopped reading
// pages says what to do by why it stopped: pages that do not page point
// at the endpoint and --resume; more partial matches than a look-up reads
// point at the account, by hand (a resume would stop there again).
func TestUndoLookupStoppedWords(t *testing.T) {
	it := item{line: events.Line{Row: 4, MatchKey: "email:a@undo.example"},
		changes: events.Changes{{Field: "email", After: "a@undo.example", Known: true, Create: true}}}
	for _, tc := range []struct {
		err       error
		want, not string
	}{
		{&baselinker.WalkError{Page: 2, Clients: 100, Err: baselinker.ErrNotPaging}, "check that --api-url (or BASELINKER_API_URL), if set, names Base's API, then run the undo again with --resume", "by hand"},
		{fmt.Errorf("%w: more than 20 pages", baselinker.ErrTooManyMatches), "check the account by hand for a client with email:a@undo.example; if there is none, add it", "--resume"},
	} {
		l := lookupStopped(events.Line{Row: 4}, it, fmt.Errorf("look-up by email: %w", tc.err))
		if l.Status != events.StatusFailed || !strings.Contains(l.Message, "nothing was created for this line — "+tc.want) || strings.Contains(l.Message, tc.not) {
			t.Errorf("%v: %s %q; want failed, saying %q, not %q", tc.err, l.Status, l.Message, tc.want, tc.not)
		}
	}
}
