package ui

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/mapping"
)

// TestDocRoundTrip: every sample mapping read into the page's model and
// written back loads as the same mapping (fields, match_by, source).
func TestDocRoundTrip(t *testing.T) {
	for _, name := range sampleNames() {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("../samples/" + name + "/mapping.yaml")
			if err != nil {
				t.Fatal(err)
			}
			want, err := mapping.Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := docFromYAML(data)
			if err != nil {
				t.Fatal(err)
			}
			got, out, err := parseDoc(doc)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !reflect.DeepEqual(got.Fields(), want.Fields()) || !reflect.DeepEqual(got.ExtraFields(), want.ExtraFields()) ||
				!reflect.DeepEqual(got.MatchBy, want.MatchBy) || got.Source != want.Source || got.Empty != want.Empty {
				t.Errorf("written back:\n%s\nfields %v / %v, match_by %v / %v, source %+v / %+v", out,
					got.Fields(), want.Fields(), got.MatchBy, want.MatchBy, got.Source, want.Source)
			}
		})
	}
}

// FuzzDocYAML: any header, template, map and default survive the YAML
// the page saves (quotes, colons, #, newlines, YAML keywords).
func FuzzDocYAML(f *testing.F) {
	f.Add("E-mail", "Polska", "PL", "{Imię} {Nazwisko}", "x")
	f.Add(`a "quoted": #not a comment`, "yes", "no", "{a}\n{b}", "~")
	f.Add("- item", "null", "&anchor", "*alias", "'")
	f.Fuzz(func(t *testing.T, header, key, val, tmpl, def string) {
		if header == "" {
			return // `column: ""` is no column (scalars): a column is named by its header
		}
		in := mappingDoc{MatchBy: []string{}, Fields: []docField{
			{Field: "email", Columns: []string{header}, Default: def},
			{Field: "invoice_country_code", Columns: []string{header + "2"}, Map: [][2]string{{key, val}}},
			{Field: "invoice_fullname", Template: tmpl},
		}}
		data, err := docYAML(in, "")
		if err != nil {
			if !validUTF8(header, key, val, tmpl, def) {
				return // the page's JSON is always UTF-8; YAML refuses the rest in words
			}
			t.Fatal(err)
		}
		out, err := docFromYAML(data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if !reflect.DeepEqual(in.Fields, out.Fields) {
			if strings.ContainsAny(header+key+val+tmpl+def, "\r\x00") || !validUTF8(header, key, val, tmpl, def) {
				return // YAML cannot keep these as they are
			}
			t.Fatalf("round trip:\n%+v\n%+v\n%s", in.Fields, out.Fields, data)
		}
	})
}

// validUTF8 reports whether every one of ss is valid UTF-8 (each on its
// own: two invalid halves can join into a valid character).
func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
