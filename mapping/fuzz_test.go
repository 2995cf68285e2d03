package mapping

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: any bytes either parse (and then bind to the headers they
// name and apply without panicking) or fail with *Errors whose every
// problem has the file name and a line ≥ 1.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("columns:\n  email: E-mail\n"))
	f.Add([]byte("columns: &a\n  email: *a\n"))
	f.Add([]byte("columns:\n  notes: { template: \"{{{A}}}\" }\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte("columns: {email: [x], phone: {column: {a: b}}}"))
	f.Add([]byte("columns:\n  phone: { column: [Mobile, Phone], split: \" ::: \", pick: 2, extension: drop }\n"))
	f.Add([]byte("source: { header_row: 0 }\ncolumns:\n  email: C\n  phone: 3\n  notes: { template: \"{A} {b}\" }\n"))
	f.Add([]byte("match_by: [nip, ~, email, login]\ncolumns:\n  email: E-mail\n"))
	f.Add([]byte("match_by: [&k email, *k]\ncolumns:\n  email: &h E-mail\n  phone: [Tel, *h, *k]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.yaml", data)
		if err != nil {
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.List) == 0 {
				t.Fatalf("error %T %v is not a non-empty *Errors", err, err)
			}
			for _, e := range errs.List {
				if e.Line < 1 || e.File != "f.yaml" || e.Msg == "" {
					t.Fatalf("bad error %#v", e)
				}
				if strings.HasPrefix(e.Msg, "cannot read the mapping file (") {
					t.Fatalf("Parse panicked: %s", e.Msg)
				}
			}
			return
		}
		var header []string
		for _, s := range m.specs {
			for _, r := range s.refs {
				header = append(header, r.name)
			}
		}
		seen := map[string]bool{}
		uniq := header[:0]
		for _, h := range header {
			if !seen[h] {
				seen[h] = true
				uniq = append(uniq, h)
			}
		}
		if len(uniq) == 0 {
			return
		}
		p, err := m.Bind(uniq)
		if err != nil {
			// Headers that differ only in case or spaces are ambiguous; that is fine.
			return
		}
		p.Apply(uniq)
		p.Apply(nil)
	})
}

// FuzzApply: a template with transforms and a value map applied to
// arbitrary cells never panics, and valid UTF-8 in gives valid UTF-8 out.
func FuzzApply(f *testing.F) {
	f.Add("{A} {B}", uint16(0x1ff), "Jan|  Kowalski ")
	f.Add("x {{A}} {A}}}", uint16(1), "\u00a0\t|")
	f.Add("{A}", uint16(0x20), "+48 601-234-567|")
	f.Add("{B}{A}", uint16(0x104), "ǅemal|Zo\u0301fia")
	f.Add("{A}", uint16(0x8), "\xff\xfe|a")
	f.Fuzz(func(t *testing.T, tmpl string, mask uint16, row string) {
		var tr []string
		for i, n := range TransformNames() {
			if mask&(1<<i) != 0 {
				tr = append(tr, n)
			}
		}
		q, _ := json.Marshal(tmpl)
		trs, _ := json.Marshal(tr)
		src := "empty: clear\ncolumns:\n  notes: { template: " + string(q) + ", transform: " + string(trs) +
			", map: { polska: PL } }\n  email: { column: A, transform: " + string(trs) + ", default: x }\n"
		m, err := Parse("f.yaml", []byte(src))
		if err != nil {
			return // templates with unbalanced braces, characters YAML rejects, …
		}
		cells := strings.Split(row, "|")
		header := []string{"A", "B", "C"}
		for _, s := range m.specs {
			for _, r := range s.refs {
				if r.name != "A" && r.name != "B" && r.name != "C" {
					header = append(header, r.name)
				}
			}
		}
		p, err := m.Bind(header)
		if err != nil {
			return
		}
		r := p.Apply(cells)
		if _, ok := r.Get("notes"); !ok {
			t.Fatalf("notes not sent under empty: clear: %+v", r)
		}
		if utf8.ValidString(tmpl) && utf8.ValidString(row) {
			for _, v := range r.Values {
				if !utf8.ValidString(v.Text) {
					t.Fatalf("%s = %q is not valid UTF-8 (template %q, transforms %v, row %q)", v.Field, v.Text, tmpl, tr, row)
				}
			}
		}
	})
}

// BenchmarkApply maps one row through a 12-column mapping of the kind a
// real migration uses (templates, transforms, a value map, defaults).
func BenchmarkApply(b *testing.B) {
	src := `match_by: email
columns:
  email: { column: "E-mail", transform: [trim, lower] }
  phone: { column: "Phone", transform: [trim, digits_plus] }
  invoice_fullname: { template: "{First Name} {Last Name}", transform: [collapse_spaces] }
  invoice_company: "Company"
  invoice_address: { template: "{Street} {House}", transform: [collapse_spaces] }
  invoice_postcode: { column: "Zip", transform: [trim, upper] }
  invoice_city: { column: "City", transform: [trim, title] }
  invoice_country_code: { column: "Country", map: { Polska: PL, Niemcy: DE }, default: PL }
  invoice_tax_id: { column: "NIP", transform: [digits] }
  status_id: { value: 3 }
  star: { column: "Rating", default: "0" }
  notes: { template: "Imported: {Note}", empty: clear }
`
	m, err := Parse("bench.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	header := []string{"E-mail", "Phone", "First Name", "Last Name", "Company", "Street", "House", "Zip", "City", "Country", "NIP", "Rating", "Note"}
	p, err := m.Bind(header)
	if err != nil {
		b.Fatal(err)
	}
	row := []string{" Jan.Kowalski@Example.com", " +48 601-234-567 ", "Jan", "Kowalski", "ACME Sp. z o.o.", "ul. Długa", "5/3",
		"80-001", "GDAŃSK", "Polska", "525-000-12-34", "", "VIP customer"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := p.Apply(row)
		if len(r.Values) != 12 {
			b.Fatalf("got %d values", len(r.Values))
		}
	}
}
