package undo

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

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
	for _, u := range rec.Updates() {
		if u.Phase == "reading the clients" && u.Ended && (!u.Walk || u.Pages != 1 || u.Done != 5) {
			t.Errorf("the read of the clients ended at %d pages, %d clients; want 1 page of all 5", u.Pages, u.Done)
		}
	}
	if phases, open := rec.Phases(); !reflect.DeepEqual(phases, []string{"reading the clients", "undo"}) || open {
		t.Errorf("phases %q (open at the end: %v), want the read of the clients, then the undo", phases, open)
	}
	var got []string
	var rows []int
	for _, it := range rec.Items() {
		if l, ok := it.Line.(events.Line); !ok || l.Row != it.Row || string(l.Status) != it.Status {
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
	if s, ok := rec.Final(); !ok || !reflect.DeepEqual(s.Counts, counts) || s.Requests != sum.Requests || s.Text != sum.String() || s.Command != "undo" {
		t.Errorf("summary %+v (one, last: %v), want the undo's (%v, %d requests)", s, ok, counts, sum.Requests)
	}
}

// TestUndoStatusOrder: the undo's progress line and its summary say the
// counts of one list of statuses in one order — "unchanged" included (a
// line the import left as it was is one the undo has nothing to do for).
func TestUndoStatusOrder(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 11, Clients: 3})
	known := srv.Clients()[1]
	report := importRows(t, api, t.TempDir(), "a@order.example,+48 1,Hel", known.Email+","+known.Phone+","+known.InvoiceCity,
		known.Email+",+48 600 000 009,Sopot")
	var rec events.Recorder
	sum, err := Run(context.Background(), api, report, Config{Events: &rec})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[events.StatusUnchanged] != 1 {
		t.Fatalf("counts %v, want one line unchanged", sum.Counts)
	}
	ups := rec.Updates()
	if len(ups) == 0 {
		t.Fatal("no progress updates")
	}
	said := ups[len(ups)-1].Statuses
	var want []string
	for _, st := range Statuses() {
		want = append(want, string(st))
	}
	if !reflect.DeepEqual(said, want) {
		t.Errorf("the progress line says the statuses %q, want %q", said, want)
	}
	// The summary says the statuses it has counts of in the same order.
	counts, _, _ := strings.Cut(strings.SplitN(sum.String(), " lines: ", 2)[1], ";")
	var in []string
	for _, part := range strings.Split(counts, ", ") {
		in = append(in, strings.Fields(part)[0])
	}
	var inOrder []string
	for _, st := range said {
		if sum.Counts[events.Status(st)] > 0 {
			inOrder = append(inOrder, st)
		}
	}
	if !reflect.DeepEqual(in, inOrder) || !slices.Contains(in, string(events.StatusUnchanged)) {
		t.Errorf("the summary %q says %q, want %q (the progress line's order)", sum.String(), in, inOrder)
	}
}
