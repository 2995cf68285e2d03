package importer

import (
	"context"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

func TestCreateThenUpdateByID(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 1}, 0, 0)
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", csvOf(
		"email,invoice_fullname,invoice_country_code",
		"a@example.com,Anna A,PL",
		"",
		"b@example.com,Bob B,de",
	))
	sum, err := Run(context.Background(), api, in)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[StatusCreated] != 2 || sum.Rows != 2 {
		t.Fatalf("summary %+v", sum)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if lines["2"]["status"] != "created" || lines["4"]["status"] != "created" || lines["3"] != nil {
		t.Fatalf("report %v", lines)
	}
	if got := len(srv.Clients()); got != 2 {
		t.Fatalf("%d clients in the sandbox, want 2", got)
	}
	id := lines["4"]["crm_client_id"]
	in2 := writeFile(t, dir, "in2.csv", csvOf("crm_client_id,invoice_city", id+",Berlin"))
	sum, err = Run(context.Background(), api, in2)
	if err != nil {
		t.Fatal(err)
	}
	l := byRow(t, readReport(t, sum.Report))["2"]
	if l["status"] != "updated" || l["crm_client_id"] != id {
		t.Fatalf("line %v", l)
	}
	for _, c := range srv.Clients() {
		if c.Email == "b@example.com" && (c.InvoiceCity != "Berlin" || c.InvoiceCountryCode != "DE") {
			t.Fatalf("client %+v", c)
		}
	}
}
