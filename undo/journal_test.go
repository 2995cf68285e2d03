package undo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// createdIDs is the client each created line of an import's report names,
// by input row.
func createdIDs(t *testing.T, report string) map[int]int64 {
	t.Helper()
	ids := map[int]int64{}
	if err := events.ReadReport(report, nil, "", func(l events.Line) error {
		if l.Status == events.StatusCreated {
			ids[l.Row] = l.ID
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// crashedUndo leaves at report what an undo killed before its first line
// leaves: a report with no line and a journal whose start and sends are
// the lines given.
func crashedUndo(t *testing.T, report string, journal ...string) {
	t.Helper()
	rf, err := events.CreateReportFile(report, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journalPath(report), []byte(strings.Join(journal, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUndoJournalOfAnotherReport: the journal at an undo's report path is
// of the undo of another report (its fingerprint, or — a journal of an
// older crmbulk names none — the client its send went to, says so). A
// resume is refused with nothing sent, naming both files; a new undo does
// not take over its open sends (it would report a client gone by hand as
// "deleted by the undo that was interrupted").
func TestUndoJournalOfAnotherReport(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 9, Clients: 20})
	reportA := importRows(t, api, t.TempDir(), "a1@undo.example,,", "a2@undo.example,,")
	reportB := importRows(t, api, t.TempDir(), "b1@undo.example,,", "b2@undo.example,,")
	shaA, err := importer.FileSHA(reportA)
	if err != nil {
		t.Fatal(err)
	}
	idA, idB := createdIDs(t, reportA)[3], createdIDs(t, reportB)[3]
	if err := api.DeleteCrmClient(context.Background(), idB); err != nil { // deleted by hand, not by an undo
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).UnixMilli()
	send := fmt.Sprintf(`{"ev":"send","row":3,"op":"delete","id":%d,"at_ms":%d}`, idA, at)
	for _, tc := range []struct {
		name    string
		journal []string
		want    string
	}{
		{"its fingerprint", []string{fmt.Sprintf(`{"ev":"start","sha":%q}`, shaA), send}, "its source's fingerprint is " + shaA},
		{"an older crmbulk's, by its client", []string{fmt.Sprintf(`{"row":3,"op":"delete","id":%d}`, idA)},
			fmt.Sprintf("its write for input row 3 went to client %d; this report's line of that row names client %d", idA, idB)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			u := filepath.Join(dir, "u.csv")
			crashedUndo(t, u, tc.journal...)
			before := srv.Stats().Requests
			_, err := Run(context.Background(), api, reportB, Config{Report: u, Resume: u})
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "the journal "+u+".journal is of the undo of another report, not of "+reportB) ||
				!strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "without --resume") {
				t.Fatalf("resumed: err = %v, want it refused naming both files, why and what to do", err)
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("the refused undo sent %d requests", n)
			}

			crashedUndo(t, u, tc.journal...)
			rec := &events.Recorder{}
			sum, err := Run(context.Background(), api, reportB, Config{Report: u, Events: rec})
			if err != nil {
				t.Fatal(err)
			}
			said := false
			for _, e := range rec.Events() {
				said = said || e.Message != nil && strings.Contains(e.Message.Text, "the journal "+u+".journal is of the undo of another report")
			}
			if !said {
				t.Errorf("a new undo did not say it leaves the journal's writes: %+v", rec.Events())
			}
			var row3 events.Line
			_ = events.ReadReport(sum.Report, nil, "", func(l events.Line) error {
				if l.Row == 3 {
					row3 = l
				}
				return nil
			})
			if row3.Status != events.StatusUnchanged || !strings.Contains(row3.Note, "no longer exists") {
				t.Errorf("a new undo over the journal: row 3 is %s (%q), want unchanged: the client was gone before it", row3.Status, row3.Note)
			}
		})
	}
}

// TestUndoResumeKeepsSendTimes: a resumed undo carries the sends its
// journal left open into its own journal as they were — op, client and
// the time they were sent — so a third run still knows when each was sent.
func TestUndoResumeKeepsSendTimes(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 10, Clients: 20})
	report := importRows(t, api, t.TempDir(), "t1@undo.example,,", "t2@undo.example,,", "t3@undo.example,,")
	sha, err := importer.FileSHA(report)
	if err != nil {
		t.Fatal(err)
	}
	id := createdIDs(t, report)[2]
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	u := filepath.Join(t.TempDir(), "u.csv")
	crashedUndo(t, u, fmt.Sprintf(`{"ev":"start","sha":%q}`, sha), fmt.Sprintf(`{"ev":"send","row":2,"op":"delete","id":%d,"at_ms":%d}`, id, at.UnixMilli()))

	// Resumed, and stopped again at its first delete (row 4's: the last
	// row first), before it comes to row 2.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := Run(ctx, &interruptDuring{API: api, k: 1, cancel: cancel}, report, Config{Report: u, Resume: u, Workers: 1}); !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("err = %v, want the resumed undo interrupted", err)
	}
	js, err := events.ReadJournal(journalPath(u))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := js.Open[2]
	if !ok || p.Op != "delete" || p.ID != id || !p.At.Equal(at) || js.SHA != sha {
		t.Fatalf("the journal after the resume: row 2 %+v (open %v), source %q; want the delete of %d sent at %s, of %s", p, ok, js.SHA, id, at, sha)
	}
}

// TestUndoResumeWaitsForACreateToLand: an undo of an undo was killed just
// after it sent a create, which the server makes 0.5 s later. Its resume,
// started at once, looks the client up only once the create can no longer
// land (--request-timeout after the send the journal dates): it finds it
// and does not make the client a second time.
func TestUndoResumeWaitsForACreateToLand(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 12, Clients: 5, CommitAfter: 500 * time.Millisecond})
	ctx := context.Background()
	report := importRows(t, api, t.TempDir(), "land@undo.example,+48 1,Hel")
	undone, err := Run(ctx, api, report, Config{})
	if err != nil || undone.Counts[StatusDeleted] != 1 {
		t.Fatalf("undo: %v, %v", undone, err)
	}
	sha, err := importer.FileSHA(undone.Report)
	if err != nil {
		t.Fatal(err)
	}
	u := filepath.Join(t.TempDir(), "u.csv")
	crashedUndo(t, u, fmt.Sprintf(`{"ev":"start","sha":%q,"timeout_ms":1000}`, sha),
		fmt.Sprintf(`{"ev":"send","row":2,"op":"create","at_ms":%d}`, time.Now().UnixMilli()))
	cut, cancel := context.WithTimeout(ctx, 50*time.Millisecond) // killed: no answer, the server goes on
	_, _ = api.AddCrmClient(cut, baselinker.ClientFields{Values: map[string]string{"email": "land@undo.example", "phone": "+48 1", "invoice_city": "Hel"}})
	cancel()

	sum, err := Run(ctx, api, undone.Report, Config{Report: u, Resume: u, RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if n := withEmail(srv, "land@undo.example"); n != 1 || sum.Counts[events.StatusCreated] != 1 {
		t.Fatalf("%d clients with the key after the resume (%v), want the one the killed undo made", n, sum.Counts)
	}
}
