package importer

import (
	"context"
	"reflect"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestImportEvents: a small run against the sandbox sends the typed
// stream a printer needs: each phase begun and ended in turn (the read of
// the account's clients, then the rows), each report line as an Item in
// input order with its status and reason, the counts by status, its notes
// as Messages, and one Summary — the run's own — last.
func TestImportEvents(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 5, Clients: 3}, 0, 0)
	known := srv.Clients()[0]
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf("email,invoice_city,invoice_country_code,uwagi",
		"new1@events.example,Gdańsk,PL,",
		"bad@events.example,Sopot,XX,",
		known.Email+","+known.InvoiceCity+"x,"+known.InvoiceCountryCode+",",
		"new2@events.example,Hel,PL,"))
	var rec events.Recorder
	sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Events: &rec, Report: dir + "/r.csv"})
	if err != nil {
		t.Fatal(err)
	}

	for _, u := range rec.Updates() {
		if u.Command != "import" {
			t.Errorf("an update of command %q", u.Command)
		}
		if u.Ended && u.Phase != "import" && (!u.Walk || u.Pages != 1 || u.Done != 3) {
			t.Errorf("the read of the clients ended at %d pages, %d clients; want 1 page of all 3", u.Pages, u.Done)
		}
	}
	want := []string{"reading clients (" + newIndex([]string{"email"}).why() + ")", "import"}
	if phases, open := rec.Phases(); !reflect.DeepEqual(phases, want) || open {
		t.Errorf("phases %q (open at the end: %v), want %q", phases, open, want)
	}

	var got []string
	for _, it := range rec.Items() {
		l, ok := it.Line.(*events.Line)
		if !ok || l.Row != it.Row || string(l.Status) != it.Status || l.Message != it.Reason {
			t.Errorf("item %+v does not carry its line", it)
		}
		got = append(got, it.Status)
		if (it.Status == string(events.StatusInvalid)) != (it.Reason != "") {
			t.Errorf("row %d %s: reason %q", it.Row, it.Status, it.Reason)
		}
	}
	if want := []string{"created", "invalid", "updated", "created"}; !reflect.DeepEqual(got, want) {
		t.Errorf("items %q, want %q", got, want)
	}
	if rows := rowsOf(rec.Items()); !reflect.DeepEqual(rows, []int{2, 3, 4, 5}) {
		t.Errorf("items of rows %v, want input order", rows)
	}

	said := false
	for _, e := range rec.Events() {
		said = said || e.Message != nil && e.Message.Text == "columns not imported (no field reads them)"
	}
	if !said {
		t.Error("the note of the column not imported was no Message")
	}

	counts := map[string]int{}
	for st, n := range sum.Counts {
		counts[string(st)] = n
	}
	last := rec.Updates()[len(rec.Updates())-1]
	if !reflect.DeepEqual(last.Counts, counts) || last.Done != 4 || last.Total != 4 || !last.Settles || !last.Paced {
		t.Errorf("the rows' last update %+v, want the summary's counts %v", last, counts)
	}
	if s, ok := rec.Final(); !ok || !reflect.DeepEqual(s.Counts, counts) || s.Requests != sum.Requests || s.Text != sum.String() || s.Command != "import" {
		t.Errorf("summary %+v (one, last: %v), want the run's (%v, %d requests)", s, ok, counts, sum.Requests)
	}
}

func rowsOf(items []events.Item) []int {
	var rows []int
	for _, it := range items {
		rows = append(rows, it.Row)
	}
	return rows
}
