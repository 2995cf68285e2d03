package undo

import (
	"context"
	"reflect"
	"testing"

	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestUndoEvents: an undo of a small import sends the typed stream: the
// read of the clients it must look at (its pages), then its lines as
// Items in the order it writes them (the import's last first), counted by
// status, and one Summary — the undo's own — last.
func TestUndoEvents(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 11, Clients: 3})
	known := srv.Clients()[1]
	report := importRows(t, api, t.TempDir(), "a@events.example,+48 1,Hel", known.Email+",+48 600 000 009,Sopot", "b@events.example,+48 2,Hel")
	var rec events.Recorder
	sum, err := Run(context.Background(), api, report, Config{Events: &rec})
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	open := false
	for _, u := range rec.Updates() {
		if !open {
			phases = append(phases, u.Phase)
		}
		open = !u.Ended
		if u.Phase == "reading the clients" && u.Ended && (!u.Walk || u.Pages != 1 || u.Done != 5) {
			t.Errorf("the read of the clients ended at %d pages, %d clients; want 1 page of all 5", u.Pages, u.Done)
		}
	}
	if want := []string{"reading the clients", "undo"}; !reflect.DeepEqual(phases, want) || open {
		t.Errorf("phases %q (open at the end: %v), want %q", phases, open, want)
	}
	var got []string
	var rows []int
	for _, it := range rec.Items() {
		if l, ok := it.Line.(importer.ReportLine); !ok || l.Row != it.Row || string(l.Status) != it.Status {
			t.Errorf("item %+v does not carry its line", it)
		}
		got, rows = append(got, it.Status), append(rows, it.Row)
	}
	if want := []string{"deleted", "restored", "deleted"}; !reflect.DeepEqual(got, want) || !reflect.DeepEqual(rows, []int{4, 3, 2}) {
		t.Errorf("items %q of rows %v, want %q of rows 4, 3, 2", got, rows, want)
	}
	counts := map[string]int{}
	for st, n := range sum.Counts {
		counts[string(st)] = n
	}
	s := rec.Summaries()
	evs := rec.Events()
	if len(s) != 1 || evs[len(evs)-1].Summary == nil {
		t.Fatalf("%d summaries, the last event %+v: want one, last", len(s), evs[len(evs)-1])
	}
	if !reflect.DeepEqual(s[0].Counts, counts) || s[0].Requests != sum.Requests || s[0].Text != sum.String() || s[0].Command != "undo" {
		t.Errorf("summary %+v, want the undo's (%v, %d requests)", s[0], counts, sum.Requests)
	}
}
