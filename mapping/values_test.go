package mapping

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
)

// TestApplyToReuse maps rows one after another into one Result: each must
// equal a fresh Apply of the row, whatever the previous row (or the caller)
// left in it.
func TestApplyToReuse(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "good", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"E-mail", "Phone", "First Name", "Last Name", "Country", "Rating", "Note", "Loyalty number", "Birthday"}
	p := mustBind(t, m, header)
	rows := [][]string{
		{"a@b.pl", "+48 1", "Jan", "K", "Niemcy", "1", "n", "L", "b"},
		{"", "", "", "", "", "", "", "", ""},              // blanks: kept fields vanish, defaults and clears stay
		{"c@d.pl", "", "Ewa", "", "PL", "x", "", "", "2"}, // some fields, a bad rating
		{"a@b.pl", "+48 1", "Jan", "K", "Niemcy", "1", "n", "L", "b"},
		nil,
	}
	same := func(t *testing.T, got, want Result) {
		t.Helper()
		if got.ID != want.ID || !reflect.DeepEqual(got.ClientFields(), want.ClientFields()) ||
			!reflect.DeepEqual(got.Problems, want.Problems) || len(got.Values) != len(want.Values) {
			t.Errorf("ApplyTo = %+v, want %+v", got, want)
		}
	}
	var r Result
	for i, row := range rows {
		p.ApplyTo(row, &r)
		t.Run(string(rune('0'+i)), func(t *testing.T) { same(t, r, p.Apply(row)) })
	}

	tests := []struct {
		name  string
		spoil func(r *Result)
	}{
		{"a foreign value", func(r *Result) { r.Values = append(r.Values, Value{Field: "not_a_field", Text: "x"}) }},
		{"a foreign extra", func(r *Result) { r.Extra = append(r.Extra, Value{Field: "999", Text: "x"}) }},
		{"problems and an ID", func(r *Result) {
			r.ID = 5
			r.Problems = append(r.Problems, Problem{Field: "x"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Result
			p.ApplyTo(rows[0], &r)
			tc.spoil(&r)
			p.ApplyTo(rows[2], &r)
			same(t, r, p.Apply(rows[2]))
		})
	}
}

// TestValuesInMappingOrder: values come in the mapping's order, each with
// its place in the field table; extra fields have none.
func TestValuesInMappingOrder(t *testing.T) {
	m := mustParse(t, "columns:\n  phone: Phone\n  email: E-mail\ncustom_extra_fields:\n  \"7\": Note\n")
	p := mustBind(t, m, []string{"E-mail", "Phone", "Note"})
	r := p.Apply([]string{"a@b.pl", "+48 1", "n"})
	want := []Value{{Field: "phone", Pos: baselinker.FieldPosition("phone"), Text: "+48 1"},
		{Field: "email", Pos: baselinker.FieldPosition("email"), Text: "a@b.pl"}}
	if !reflect.DeepEqual(r.Values, want) {
		t.Errorf("Values = %+v, want %+v", r.Values, want)
	}
	if !reflect.DeepEqual(r.Extra, []Value{{Field: "7", Pos: -1, Text: "n"}}) {
		t.Errorf("Extra = %+v", r.Extra)
	}
	if v, ok := r.Get("email"); !ok || v != "a@b.pl" {
		t.Errorf("Get(email) = %q, %v", v, ok)
	}
	if _, ok := r.Get("login"); ok {
		t.Error("Get(login) found a field the row does not send")
	}
}

func BenchmarkApplyReuse(b *testing.B) {
	header := []string{"email", "invoice_fullname", "invoice_company", "invoice_address", "invoice_postcode",
		"invoice_city", "invoice_country_code", "phone", "star"}
	m, err := Identity(header)
	if err != nil {
		b.Fatal(err)
	}
	p, err := m.Bind(header)
	if err != nil {
		b.Fatal(err)
	}
	row := []string{"client1@example.com", "Jan Kowalski 1", "Kowalski Sp. z o.o.", "ul. Długa 1", "00-950", "Gdańsk", "PL", "+48 600 000001", "1"}
	b.Run("Apply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = p.Apply(row)
		}
	})
	b.Run("ApplyTo", func(b *testing.B) {
		b.ReportAllocs()
		var r Result
		for b.Loop() {
			p.ApplyTo(row, &r)
		}
	})
}
