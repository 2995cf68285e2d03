package mapping

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestApplyToReuse maps rows one after another into one Result: each must
// equal a fresh Apply of the row, whatever the previous row (or the caller)
// left in the maps.
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
	var r Result
	for i, row := range rows {
		p.ApplyTo(row, &r)
		if want := p.Apply(row); !reflect.DeepEqual(r, want) {
			t.Errorf("row %d: ApplyTo = %+v, want %+v", i, r, want)
		}
	}

	tests := []struct {
		name  string
		spoil func(r *Result)
	}{
		{"a foreign value key", func(r *Result) { r.Values["not_a_field"] = "x" }},
		{"a foreign extra key", func(r *Result) { r.Extra["999"] = "x" }},
		{"a foreign key and a deleted one", func(r *Result) {
			for k := range r.Values {
				delete(r.Values, k)
				break
			}
			r.Values["not_a_field"] = "x"
		}},
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
			if want := p.Apply(rows[2]); !reflect.DeepEqual(r, want) {
				t.Errorf("ApplyTo = %+v, want %+v", r, want)
			}
		})
	}
}

// TestApplyToNoExtra: a plan without extra fields leaves Extra nil even
// when the Result had an Extra map.
func TestApplyToNoExtra(t *testing.T) {
	header := []string{"email", "phone"}
	m, err := Identity(header)
	if err != nil {
		t.Fatal(err)
	}
	p := mustBind(t, m, header)
	r := Result{Extra: map[string]string{"1": "x"}, Values: map[string]string{"email": "old"}}
	p.ApplyTo([]string{"", "+48 1"}, &r)
	if r.Extra != nil || !reflect.DeepEqual(r.Values, map[string]string{"phone": "+48 1"}) {
		t.Errorf("ApplyTo = %+v", r)
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
