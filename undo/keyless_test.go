package undo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// loseCreates makes every create (its request applied on the server) end
// as if its answer were lost.
type loseCreates struct{ *baselinker.API }

func (c loseCreates) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	added, err := c.API.AddCrmClientResult(ctx, f)
	if err != nil || f.ID != 0 {
		return added, err
	}
	return baselinker.Added{}, &baselinker.OutcomeUnknownError{Method: "addCrmClient", Cause: errors.New("connection cut")}
}

// keylessClients counts the clients of the keyless row.
func keylessClients(srv *sandbox.Server) int {
	n := 0
	for _, c := range srv.Clients() {
		if c.Phone == "+48 999" || c.InvoiceCity == "Keyless" {
			n++
		}
	}
	return n
}

// TestUndoKeylessCreateNotSentAgain: an undo of an undo sends the create
// of a client with no match key (no email, tax ID or login), and the
// server makes it, but the undo never learns so — killed after the send,
// or the answer lost. Nothing can look the client up, so no resume sends
// the create again: the line is failed OUTCOME_UNKNOWN, naming the row and
// what to do, and the journal keeps the send open for every later resume.
func TestUndoKeylessCreateNotSentAgain(t *testing.T) {
	tests := []struct {
		name string
		// sent makes the undo of the undo at report u that sent the
		// create (and whose create landed); it returns its summary.
		sent func(t *testing.T, api *baselinker.API, undone, u string) Summary
	}{
		{"killed after the send", func(t *testing.T, api *baselinker.API, undone, u string) Summary {
			sha, err := importer.FileSHA(undone)
			if err != nil {
				t.Fatal(err)
			}
			crashedUndo(t, u, fmt.Sprintf(`{"ev":"start","sha":%q,"timeout_ms":1000}`, sha),
				fmt.Sprintf(`{"ev":"send","row":2,"op":"create","at_ms":%d}`, time.Now().Add(-time.Hour).UnixMilli()))
			if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: map[string]string{"phone": "+48 999", "invoice_city": "Keyless"}}); err != nil {
				t.Fatal(err)
			}
			sum, err := Run(context.Background(), api, undone, Config{Report: u, Resume: u})
			if err != nil {
				t.Fatal(err)
			}
			return sum
		}},
		{"answer lost", func(t *testing.T, api *baselinker.API, undone, u string) Summary {
			sum, err := Run(context.Background(), loseCreates{api}, undone, Config{Report: u})
			if err != nil {
				t.Fatal(err)
			}
			return sum
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 12, Clients: 5})
			report := importRows(t, api, t.TempDir(), ",+48 999,Keyless")
			undone, err := Run(context.Background(), api, report, Config{})
			if err != nil || undone.Counts[StatusDeleted] != 1 {
				t.Fatalf("undo: %v, %v", undone, err)
			}
			u := filepath.Join(t.TempDir(), "u.csv")
			sums := []Summary{tt.sent(t, api, undone.Report, u)}
			creates := srv.Stats().Creates
			for range 2 { // each later resume leaves it as it is
				sum, err := Run(context.Background(), api, undone.Report, Config{Report: u, Resume: u})
				if err != nil {
					t.Fatal(err)
				}
				sums = append(sums, sum)
			}
			if n := keylessClients(srv); n != 1 || srv.Stats().Creates != creates {
				t.Errorf("%d clients of the row (%d creates by the resumes), want the 1 the first create made", n, srv.Stats().Creates-creates)
			}
			for i, sum := range sums {
				if sum.Counts[events.StatusFailed] != 1 || sum.Lines != 1 {
					t.Errorf("run %d: counts %v, want the line failed", i+1, sum.Counts)
				}
			}
			var l events.Line
			_ = events.ReadReport(u, nil, "", func(x events.Line) error { l = x; return nil })
			if l.Status != events.StatusFailed || l.Code != events.CodeOutcomeUnknown ||
				!strings.HasPrefix(l.Message, "check the account by hand — input row 2: ") || !strings.Contains(l.Message, "add it by hand") {
				t.Errorf("the line: %s %s %q; want failed %s, naming the row and what to do", l.Status, l.Code, l.Message, events.CodeOutcomeUnknown)
			}
			js, err := events.ReadJournal(journalPath(u))
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := js.Open[2]; !ok || p.Op != "create" {
				t.Errorf("the journal after the resumes: row 2 %+v (open %v), want its create still open", p, ok)
			}
		})
	}
}
