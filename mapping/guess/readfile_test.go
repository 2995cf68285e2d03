package guess

import (
	"strings"
	"testing"
)

func TestFindHeader(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want int
	}{
		{"header first", [][]string{{"Email", "Name"}, {"a@x.pl", "Jan"}}, 0},
		{"title and blank-ish row above", [][]string{{"Lista kontrahentów – stan na 31.12.2025", "", ""}, {"Lp.", "Nazwa", "NIP"}, {"1", "ACME", "5260001246"}}, 1},
		{"DATEV format line", [][]string{{"EXTF", "700", "16", "Debitoren/Kreditoren", "5", "20240105", "", "RE", "29098", "55003"},
			{"Konto", "Name (Adressattyp Unternehmen)", "Straße", "Ort", "Land", "E-Mail", "Telefon", "Postleitzahl", "EU-UStID", "Adressattyp"},
			{"10001", "Müller GmbH", "Weg 1", "Stuttgart", "DE", "a@b.de", "0711", "70565", "811569869", "2"}}, 1},
		{"a subtitle too short to be the header", [][]string{{"Firma: ACME", "Stand: 2025"}, {"Name", "E-Mail", "Telefon", "Ort"}, {"Jan", "a@x.de", "1", "Köln"}}, 1},
		{"no header at all: the first row", [][]string{{"Jan Kowalski", "jan@x.pl", "Kraków"}, {"Ewa Nowak", "ewa@x.pl", "Gdańsk"}}, 0},
		{"only one row", [][]string{{"Email", "Name"}}, 0},
		{"nothing", nil, 0},
	}
	for _, tt := range tests {
		if got := FindHeader(tt.rows); got != tt.want {
			t.Errorf("%s: row %d, want %d", tt.name, got, tt.want)
		}
	}
}

// FuzzFindHeader: any rows give an index among them, without a panic.
func FuzzFindHeader(f *testing.F) {
	f.Add("Lista;;\nLp.;Nazwa;NIP\n1;ACME;5260001246")
	f.Add("EXTF;700;16\nKonto;Name;Ort\n1;a;b")
	f.Fuzz(func(t *testing.T, text string) {
		var rows [][]string
		for _, l := range strings.Split(text, "\n") {
			rows = append(rows, strings.Split(l, ";"))
		}
		if i := FindHeader(rows); i < 0 || i > 0 && i >= len(rows) {
			t.Fatalf("FindHeader = %d for %d rows", i, len(rows))
		}
	})
}
