package guess

import (
	"strings"
	"testing"
)

func TestValueClasses(t *testing.T) {
	tests := []struct {
		v, class string
	}{
		{"jan@example.pl", "e-mail"},
		{"5260001246", "tax IDs"},       // NIP, checksum right
		{"526-000-12-46", "tax IDs"},    // written with dashes
		{"PL 526-000-12-46", "tax IDs"}, // with its prefix
		{"5260001247", ""},              // checksum wrong: ten digits, nothing
		{"CZ25097563", "tax IDs"},
		{"DE811569869", "tax IDs"},
		{"ATU12345675", "tax IDs"},
		{"123456785", "register"}, // REGON
		{"25097563", "register"},  // IČO
		{"00-697", "postcodes"},
		{"120 00", "postcodes"},
		{"1012 LG", "postcodes"},
		{"NW1 6XE", "postcodes"},
		{"80331", ""}, // five digits say no country: could be an ID
		{"+48 601 222 333", "phone"},
		{"+48 1", ""},
		{"Česká republika", "country"},
		{"2024-03-01T10:22:11.000Z", "dates"},
		{"01.02.2024", "dates"},
		{"1 250,00", "money"},
		{"tak", "flags"},
	}
	for _, tt := range tests {
		c, ok := classOf([]string{tt.v})
		got := ""
		if ok {
			got = c.what
		}
		if tt.class == "" && got != "" || !strings.Contains(got, tt.class) {
			t.Errorf("%q is %q, want %q", tt.v, got, tt.class)
		}
	}
}

// TestValuesPropose: a column whose name says nothing gets the field its
// values are; a name's guess whose values are dates, flags or registers is
// dropped.
func TestValuesPropose(t *testing.T) {
	header := []string{"Kontakt", "Kod", "Identyfikator", "Telefon", "Adres domyślny", "Stars"}
	rows := [][]string{
		{"jan@example.pl", "00-697", "5260001246", "2024-01-01", "1", "3"},
		{"ewa@example.pl", "31-019", "7740001454", "2024-01-02", "0", "0"},
	}
	want := map[string]string{"Kontakt": "email", "Kod": "invoice_postcode", "Identyfikator": "invoice_tax_id", "Telefon": "", "Adres domyślny": "", "Stars": "star"}
	r := Header(header, rows)
	for _, g := range r.Columns {
		if g.Field != want[g.Header] {
			t.Errorf("%q → %q (%s, note %q), want %q", g.Header, g.Field, g.Method, g.Note, want[g.Header])
		}
		if g.Field != "" && g.Header != "Stars" && g.Method != Values {
			t.Errorf("%q by %s, want values", g.Header, g.Method)
		}
	}
	if y := string(r.Proposal(Source{}).YAML()); !strings.Contains(y, "match_by: [email") {
		t.Errorf("no match_by for the e-mails found by their values:\n%s", y)
	}
}

// TestNamesByValues: a lone first-name column of whole names is the full
// name; a name column that is not the first + last names beside it is the
// company.
func TestNamesByValues(t *testing.T) {
	r := Header([]string{"Firma", "Jméno"}, [][]string{{"A s.r.o.", "Jan Novák"}, {"", "Marie Svobodová"}})
	if r.Columns[1].Field != "invoice_fullname" {
		t.Errorf("Jméno of whole names → %+v", r.Columns[1])
	}
	r = Header([]string{"Jméno", "Příjmení"}, [][]string{{"Jan", "Novák"}})
	if r.Columns[0].Template != "invoice_fullname" {
		t.Errorf("Jméno beside Příjmení → %+v", r.Columns[0])
	}
}

func TestCompanyNames(t *testing.T) {
	for _, v := range []string{"ACME Sp. z o.o.", "Müller GmbH", "Dvořák s.r.o.", "Alpen Sport AG", "Nordic Trade AB", "ТОВ Коваль", "Kovács Kft.", "Bottega Verdi S.r.l."} {
		if !isCompanyName(v) {
			t.Errorf("%q is not read as a company", v)
		}
	}
	for _, v := range []string{"Jan Kowalski", "Sabine Wagner", "Olena Shevchenko", "Ivan Petrov"} {
		if isCompanyName(v) {
			t.Errorf("%q is read as a company", v)
		}
	}
	r := Header([]string{"Name", "Email"}, [][]string{{"ACME Sp. z o.o.", "a@x.pl"}, {"Müller GmbH", "b@x.de"}})
	if r.Columns[0].Field != "invoice_company" {
		t.Errorf("a name column of companies → %+v", r.Columns[0])
	}
	r = Header([]string{"Name", "Email"}, [][]string{{"ACME Sp. z o.o.", "a@x.pl"}, {"Jan Kowalski", "b@x.de"}})
	if r.Columns[0].Field != "invoice_fullname" {
		t.Errorf("a name column of people and companies → %+v", r.Columns[0])
	}
}
