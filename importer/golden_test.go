package importer

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenInput exercises every status a report can hold without faults, a
// country's name (Polska) and a non-code (UK) sent as their codes, a text
// mark removed ('01067, as Shopify writes a zip) and an apostrophe that
// belongs to the text ('t Hooft).
const goldenInput = `email,invoice_fullname,invoice_country_code,star,invoice_postcode
anna@example.com,Anna Nowak,PL,3,00-950
ANNA@example.com,Anna Nowak-Kowalska,PL,4,00-950
bob@example.com,Bob Smith,UK,,
carol@example.com,"Carol, Ltd",de,6,
dave(at)example.com,Dave,FR,1,75001

eve@example.com,Eve,PL,,123456789012345678901
frank@example.com,Frank,PL,2,
frank@example.com,Frank,PL,2,
gosia@example.com,Małgorzata Wójcik,Polska,5,'01067
henk@example.com,Henk 't Hooft,NL,,
ida@example.com,Ida,Atlantis,,
`

// goldenNotes creates a client with notes, then gives it the same notes and
// other notes: only a read of the client (--compare-notes) can tell them apart.
const goldenNotes = `email,invoice_city,notes
gosia@example.com,Kraków,"Płaci przelewem, 14 dni."
gosia@example.com,Kraków,"Płaci przelewem, 14 dni."
gosia@example.com,Kraków,Dzwonić po 15:00.
`

func TestGoldenReports(t *testing.T) {
	tests := []struct {
		name  string
		input string
		cfg   Config
	}{
		{"match_email", goldenInput, Config{MatchBy: []string{"email"}, Workers: 1}},
		{"match_email_dry_run", goldenInput, Config{MatchBy: []string{"email"}, DryRun: true}},
		{"no_match", goldenInput, Config{Workers: 1}},
		{"notes_not_compared", goldenNotes, Config{MatchBy: []string{"email"}, Workers: 1}},
		{"notes_compared", goldenNotes, Config{MatchBy: []string{"email"}, Workers: 1, CompareNotes: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, api := newAPI(t, sandbox.Config{Seed: 42, Clients: 5}, 0, 0)
			in := writeFile(t, t.TempDir(), "clients.csv", tt.input)
			sum, err := Run(context.Background(), api, in, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(sum.Report)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden.csv")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("report differs from %s (run with -update after checking):\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}
