package mapping

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/sheet"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func mustParse(t *testing.T, src string) *Mapping {
	t.Helper()
	m, err := Parse("map.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func mustBind(t *testing.T, m *Mapping, header []string) *Plan {
	t.Helper()
	p, err := m.Bind(header)
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	return p
}

// TestApplyForms covers every field form, the empty policies and the order
// of operations, one row at a time.
func TestApplyForms(t *testing.T) {
	header := []string{"E-mail", "Phone", "First Name", "Last Name", "Country", "Rating", "Note", "ID", "Loyalty"}
	tests := []struct {
		name  string
		yaml  string
		row   []string
		want  map[string]string
		extra map[string]string
		id    int64
		probs int
	}{
		{name: "short form", yaml: "columns:\n  email: E-mail\n",
			row: []string{"a@b.pl"}, want: map[string]string{"email": "a@b.pl"}},
		{name: "short form keeps the cell as is", yaml: "columns:\n  email: E-mail\n",
			row: []string{" a@b.pl "}, want: map[string]string{"email": " a@b.pl "}},
		{name: "column form with transforms", yaml: "columns:\n  phone: { column: Phone, transform: [trim, digits_plus] }\n",
			row: []string{"", " +48 601-234-567 "}, want: map[string]string{"phone": "+48601234567"}},
		{name: "transform as one name", yaml: "columns:\n  email: { column: E-mail, transform: lower }\n",
			row: []string{"A@B.PL"}, want: map[string]string{"email": "a@b.pl"}},
		{name: "template joins cells and trims", yaml: "columns:\n  invoice_fullname: { template: \"{First Name} {Last Name}\" }\n",
			row: []string{"", "", "Jan", ""}, want: map[string]string{"invoice_fullname": "Jan"}},
		{name: "template with escaped braces", yaml: "columns:\n  notes: { template: \"{{id}} {Note} }}\" }\n",
			row: []string{"", "", "", "", "", "", "x"}, want: map[string]string{"notes": "{id} x }"}},
		{name: "template of blank cells is blank", yaml: "columns:\n  notes: { template: \"Imported: {Note}\" }\n",
			row: []string{"", "", "", "", "", "", "  "}, want: map[string]string{}},
		{name: "template blank with clear sends empty", yaml: "columns:\n  notes: { template: \"Imported: {Note}\", empty: clear }\n",
			row: []string{}, want: map[string]string{"notes": ""}},
		{name: "value map is case-insensitive after trim", yaml: "columns:\n  invoice_country_code: { column: Country, map: { Polska: PL } }\n",
			row: []string{"", "", "", "", " POLSKA "}, want: map[string]string{"invoice_country_code": "PL"}},
		{name: "value map passes unknown values", yaml: "columns:\n  invoice_country_code: { column: Country, map: { Polska: PL } }\n",
			row: []string{"", "", "", "", "CZ"}, want: map[string]string{"invoice_country_code": "CZ"}},
		{name: "default fills a blank cell", yaml: "columns:\n  invoice_country_code: { column: Country, default: PL }\n",
			row: []string{"", "", "", "", " "}, want: map[string]string{"invoice_country_code": "PL"}},
		{name: "default is not transformed", yaml: "columns:\n  invoice_country_code: { column: Country, transform: [lower], default: PL }\n",
			row: []string{}, want: map[string]string{"invoice_country_code": "PL"}},
		{name: "order: transforms before map", yaml: "columns:\n  invoice_country_code: { column: Country, transform: [strip_dashes], map: { uk: GB } }\n",
			row: []string{"", "", "", "", "U-K"}, want: map[string]string{"invoice_country_code": "GB"}},
		{name: "order: map before default (map to blank → default)", yaml: "columns:\n  invoice_country_code: { column: Country, map: { unknown: \"\" }, default: PL }\n",
			row: []string{"", "", "", "", "Unknown"}, want: map[string]string{"invoice_country_code": "PL"}},
		{name: "order: transform empties, default fills", yaml: "columns:\n  phone: { column: Phone, transform: [digits], default: \"000\" }\n",
			row: []string{"", "n/a"}, want: map[string]string{"phone": "000"}},
		{name: "constant", yaml: "columns:\n  status_id: { value: 3 }\n",
			row: []string{}, want: map[string]string{"status_id": "3"}},
		{name: "constant empty string clears", yaml: "columns:\n  notes: { value: \"\" }\n",
			row: []string{}, want: map[string]string{"notes": ""}},
		{name: "empty keep by default", yaml: "columns:\n  email: E-mail\n  phone: Phone\n",
			row: []string{"", "1"}, want: map[string]string{"phone": "1"}},
		{name: "file-level clear", yaml: "empty: clear\ncolumns:\n  email: E-mail\n  phone: Phone\n",
			row: []string{"", "1"}, want: map[string]string{"email": "", "phone": "1"}},
		{name: "field keep overrides file clear", yaml: "empty: clear\ncolumns:\n  email: { column: E-mail, empty: keep }\n  phone: Phone\n",
			row: []string{"", ""}, want: map[string]string{"phone": ""}},
		{name: "field clear overrides file keep", yaml: "empty: keep\ncolumns:\n  email: { column: E-mail, empty: clear }\n  phone: Phone\n",
			row: []string{"", ""}, want: map[string]string{"email": ""}},
		{name: "short row: missing cells are blank", yaml: "empty: clear\ncolumns:\n  notes: Note\n",
			row: []string{"x"}, want: map[string]string{"notes": ""}},
		{name: "extra fields", yaml: "columns:\n  email: E-mail\ncustom_extra_fields:\n  \"15\": Loyalty\n  \"016\": { column: Note, empty: clear }\n",
			row: []string{"a@b.pl", "", "", "", "", "", "", "", "L1"}, want: map[string]string{"email": "a@b.pl"},
			extra: map[string]string{"15": "L1", "16": ""}},
		{name: "crm_client_id sets ID, not Values", yaml: "columns:\n  crm_client_id: ID\n  email: E-mail\n",
			row: []string{"a@b.pl", "", "", "", "", "", "", " 42 "}, want: map[string]string{"email": "a@b.pl"}, id: 42},
		{name: "blank crm_client_id creates", yaml: "columns:\n  crm_client_id: ID\n",
			row: []string{}, want: map[string]string{}},
		{name: "bad crm_client_id is a problem", yaml: "columns:\n  crm_client_id: ID\n",
			row: []string{"", "", "", "", "", "", "", "12a"}, want: map[string]string{}, probs: 1},
		{name: "negative crm_client_id is a problem", yaml: "columns:\n  crm_client_id: ID\n",
			row: []string{"", "", "", "", "", "", "", "-3"}, want: map[string]string{}, probs: 1},
		{name: "loose header match", yaml: "columns:\n  email: \" e-MAIL \"\n",
			row: []string{"x@y.z"}, want: map[string]string{"email": "x@y.z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustBind(t, mustParse(t, tc.yaml), header)
			r := p.Apply(tc.row)
			f := clientFields(r)
			if !reflect.DeepEqual(f.Values, tc.want) {
				t.Errorf("Values = %q, want %q", f.Values, tc.want)
			}
			if !reflect.DeepEqual(f.Extra, tc.extra) {
				t.Errorf("Extra = %q, want %q", f.Extra, tc.extra)
			}
			if r.ID != tc.id {
				t.Errorf("ID = %d, want %d", r.ID, tc.id)
			}
			if len(r.Problems) != tc.probs {
				t.Errorf("Problems = %+v, want %d", r.Problems, tc.probs)
			}
			for _, pr := range r.Problems {
				if pr.Field != "crm_client_id" || pr.Column != "ID" || pr.Msg == "" {
					t.Errorf("problem %+v does not name field, column and fix", pr)
				}
			}
		})
	}
}

func TestTransforms(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"trim", "  a b \u00a0\t", "a b"},
		{"trim", "", ""},
		{"upper", "żółw ab", "ŻÓŁW AB"},
		{"lower", "ŻÓŁW AB", "żółw ab"},
		{"title", "jan KOWALSKI-nowak", "Jan Kowalski-Nowak"},
		{"title", "łódź  o'brien", "Łódź  O'brien"},
		{"title", "Already Title", "Already Title"},
		{"digits", "+48 (601) 234-567", "48601234567"},
		{"digits", "123", "123"},
		{"digits", "n/a", ""},
		{"digits_plus", " +48 601-234-567", "+48601234567"},
		{"digits_plus", "0048 601", "0048601"},
		{"digits_plus", "601+234", "601234"},
		{"digits_plus", "+48", "+48"},
		{"collapse_spaces", "  Jan \t  Kowalski\n ", "Jan Kowalski"},
		{"collapse_spaces", "a b", "a b"},
		{"collapse_spaces", "a\u00a0b", "a b"},
		{"collapse_spaces", "   ", ""},
		{"strip_dashes", "525-000–12—34", "525000 1234"[:6] + "1234"},
		{"strip_dashes", "abc", "abc"},
		{"nfc", "Zo\u0301fia", "Zófia"},
		{"nfc", "Zófia", "Zófia"},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/"+tc.in, func(t *testing.T) {
			fn, ok := lookupTransform(tc.name)
			if !ok {
				t.Fatalf("no transform %q", tc.name)
			}
			if got := fn(tc.in); got != tc.want {
				t.Errorf("%s(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
			}
		})
	}
	for _, n := range TransformNames() {
		if _, ok := lookupTransform(n); !ok {
			t.Errorf("TransformNames lists %q but lookupTransform does not know it", n)
		}
	}
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		in      string
		want    []tmplPart
		wantErr error
		off     int
	}{
		{in: "{A} {B}", want: []tmplPart{{ref: "A"}, {lit: " "}, {ref: "B"}}},
		{in: "x {{y}} {Z}", want: []tmplPart{{lit: "x {y} "}, {ref: "Z"}}},
		{in: "{First Name", wantErr: errUnclosed, off: 0},
		{in: "ab}", wantErr: errUnopened, off: 2},
		{in: "{}", wantErr: errEmptyRef},
		{in: "{a{b}", wantErr: errNestedRef, off: 2},
		{in: "plain", want: []tmplPart{{lit: "plain"}}},
	}
	for _, tc := range tests {
		parts, off, err := parseTemplate(tc.in)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("parseTemplate(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			if off != tc.off {
				t.Errorf("parseTemplate(%q) offset = %d, want %d", tc.in, off, tc.off)
			}
			continue
		}
		if !reflect.DeepEqual(parts, tc.want) {
			t.Errorf("parseTemplate(%q) = %+v, want %+v", tc.in, parts, tc.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	tests := []struct {
		in   string
		cand []string
		want string
	}{
		{"emial", writableFields(), "email"},
		{"colums", topKeys(), "columns"},
		{"invoice_fulname", writableFields(), "invoice_fullname"},
		{"Emial", []string{"E-mail", "Email", "Phone"}, "Email"},
		{"zzzzzz", writableFields(), ""},
		{"id", writableFields(), ""},
		{"", writableFields(), ""},
	}
	for _, tc := range tests {
		if got := suggest.Closest(tc.in, tc.cand); got != tc.want {
			t.Errorf("closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if d := suggest.Distance("ab", "ba"); d != 1 {
		t.Errorf("transposition distance = %d, want 1", d)
	}
	if d := suggest.Distance("kitten", "sitting"); d != 3 {
		t.Errorf("kitten/sitting = %d, want 3", d)
	}
}

func TestParseFull(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "good", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := Source{Sheet: "Klienci", Encoding: "windows-1250", Delimiter: ';', HeaderRow: 1}
	if m.Source != want {
		t.Errorf("Source = %+v, want %+v", m.Source, want)
	}
	if !reflect.DeepEqual(m.MatchBy, []string{"email"}) || m.Empty != EmptyKeep || !strings.HasSuffix(m.File, "full.yaml") {
		t.Errorf("MatchBy %q Empty %v File %q", m.MatchBy, m.Empty, m.File)
	}
	if got, want := m.Fields(), []string{"email", "phone", "invoice_fullname", "invoice_country_code", "status_id", "star", "notes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %q, want %q", got, want)
	}
	if got, want := m.ExtraFields(), []string{"15", "16"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ExtraFields = %q, want %q", got, want)
	}
	for _, d := range []struct {
		in   string
		want rune
	}{{`","`, ','}, {`";"`, ';'}, {`"\t"`, '\t'}, {"tab", '\t'}, {`"|"`, '|'}} {
		m := mustParse(t, "source: { delimiter: "+d.in+" }\ncolumns: { email: E-mail }\n")
		if m.Source.Delimiter != d.want {
			t.Errorf("delimiter %s = %q, want %q", d.in, m.Source.Delimiter, d.want)
		}
	}
}

// TestGood applies each real-migration example in testdata/good to its
// sample rows and compares the payloads with the golden file.
func TestGood(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "good", "*.yaml"))
	if len(files) < 4 {
		t.Fatalf("found %d example files", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			m, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(strings.TrimSuffix(f, ".yaml") + ".csv")
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			rows, err := csv.NewReader(fh).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			p := mustBind(t, m, rows[0])
			var b strings.Builder
			for _, n := range p.Notes() {
				b.WriteString("note: " + n + "\n")
			}
			b.WriteString("unused: " + strings.Join(p.Unused(), ", ") + "\n")
			for i, row := range rows[1:] {
				r := p.Apply(row)
				f := clientFields(r) // the fields by name: the golden does not depend on the mapping's order
				js, err := json.Marshal(struct {
					ID       int64
					Values   map[string]string
					Extra    map[string]string
					Problems []Problem
				}{r.ID, f.Values, f.Extra, r.Problems})
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString(string(js) + "\n")
				if _, err := clientFields(r).Params(); err != nil && len(r.Problems) == 0 {
					t.Errorf("row %d: payload does not encode: %v", i+2, err)
				}
			}
			golden(t, "good_"+name+".golden", b.String())
		})
	}
}

// TestBad checks the full error text of every bad mapping file.
func TestBad(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if len(files) < 5 {
		t.Fatalf("found %d bad files", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse("map.yaml", data)
			if err == nil {
				t.Fatalf("Parse accepted %s: %+v", f, m)
			}
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.List) == 0 {
				t.Fatalf("error %T is not *Errors", err)
			}
			for _, e := range errs.List {
				if e.File != "map.yaml" || e.Line < 1 || e.Hint == "" {
					t.Errorf("error lacks file, line or hint: %#v", e)
				}
			}
			var one *Error
			if !errors.As(err, &one) || one != errs.List[0] {
				t.Errorf("errors.As(*Error) does not find the first problem")
			}
			golden(t, "bad_"+name+".golden", err.Error()+"\n")
		})
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{File: "map.yaml", Line: 7, Column: 3, Msg: `unknown API field "emial"`, Hint: `did you mean "email"?`}
	if got, want := e.Error(), `map.yaml:7:3: unknown API field "emial" — did you mean "email"?`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err := Parse("map.yaml", []byte("columns:\n  email: E-mail\n\n\n\n\n  emial: x\n"))
	if err == nil || err.Error() != `map.yaml:7:3: unknown API field "emial" — did you mean "email"?` {
		t.Errorf("Parse error = %v", err)
	}
	if _, err := Load(filepath.Join("testdata", "nope.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestBindErrors(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "good", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m.File = "map.yaml"
	header := []string{"Email", "Phone", "First Name", "First Name", "Country", "Rating", "Note", "Loyalty number"}
	_, err = m.Bind(header)
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Bind error = %v (%T)", err, err)
	}
	golden(t, "bind_errors.golden", err.Error()+"\n")
	if _, err := m.Bind(nil); err == nil {
		t.Error("Bind of an empty header succeeded")
	}
	// A header named twice but not referenced is fine.
	p := mustBind(t, mustParse(t, "columns:\n  email: E-mail\n"), []string{"E-mail", "x", "x"})
	if got := p.Unused(); !reflect.DeepEqual(got, []string{"x", "x"}) {
		t.Errorf("Unused = %q", got)
	}
	// Ambiguous loose match.
	if _, err := mustParse(t, "columns:\n  email: EMAIL\n").Bind([]string{"email", "Email"}); err == nil || !strings.Contains(err.Error(), "appears 2 times") {
		t.Errorf("ambiguous loose match: %v", err)
	}
}

func TestSource(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "good", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"E-mail", "Phone", "Last Name", "First Name", "country", "Rating", "Note", "Loyalty number", "Birthday"}
	p := mustBind(t, m, header)
	tests := []struct {
		field  string
		col    int
		header string
	}{
		{"email", 0, "E-mail"},
		{"invoice_fullname", 3, "First Name"},
		{"invoice_country_code", 4, "country"},
		{"status_id", -1, ""},
		{"login", -1, ""},
		{"extra_16", 8, "Birthday"},
		{"custom_extra_fields.15", 7, "Loyalty number"},
		{"custom_extra_fields[15]", 7, "Loyalty number"}, // validate.Problem.Field
	}
	for _, tc := range tests {
		col, h := p.Source(tc.field)
		if col != tc.col || h != tc.header {
			t.Errorf("Source(%q) = %d, %q; want %d, %q", tc.field, col, h, tc.col, tc.header)
		}
	}
	if n := p.Notes(); len(n) != 1 || !strings.Contains(n[0], `"Country"`) || !strings.Contains(n[0], "full.yaml:") {
		t.Errorf("Notes = %q", n)
	}
}

func TestIdentity(t *testing.T) {
	header := []string{"\ufeffcrm_client_id", "status_id", "status_name", "star", "login", "phone", "email", "contractor_id",
		"invoice_fullname", "invoice_country_code", "delivery_city", "notes", "extra_15", "extra_x", "Favourite colour", "extra_3 Data umowy", ""}
	m, err := Identity(header)
	if err != nil {
		t.Fatal(err)
	}
	if m.Empty != EmptyKeep || m.File != "" {
		t.Errorf("Empty %v File %q", m.Empty, m.File)
	}
	p := mustBind(t, m, header)
	if got, want := p.Unused(), []string{"status_name", "extra_x", "Favourite colour"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unused = %q, want %q", got, want)
	}
	r := p.Apply([]string{"17", "3", "VIP", "", "jk", "", "jk@x.pl", "0", "Jan K", "PL", "", "hello", "L1", "?", "red", "2024-05-01"})
	want := map[string]string{"status_id": "3", "login": "jk", "email": "jk@x.pl", "contractor_id": "0",
		"invoice_fullname": "Jan K", "invoice_country_code": "PL", "notes": "hello"}
	if f := clientFields(r); r.ID != 17 || !reflect.DeepEqual(f.Values, want) || !reflect.DeepEqual(f.Extra, map[string]string{"15": "L1", "3": "2024-05-01"}) {
		t.Errorf("Apply = %+v", r)
	}
	if n := p.Notes(); n != nil {
		t.Errorf("Notes = %q, want none for an exact header", n)
	}
	if col, h := p.Source("email"); col != 6 || h != "email" {
		t.Errorf("Source(email) = %d %q", col, h)
	}

	errTests := []struct {
		header []string
		want   string
	}{
		{[]string{"Name", "Mail"}, `no column of the sheet's header is a CRM field name (the header has: "Name", "Mail") — give a mapping file`},
		{[]string{"email", "phone", "Email"}, `the sheet's header has email twice (columns A and C) — remove or rename one of the columns`},
		{[]string{"email", "extra_15", "extra_15 Rabat"}, `the sheet's header has extra_15 twice (columns B and C)`},
	}
	for _, tc := range errTests {
		_, err := Identity(tc.header)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Identity(%q) error = %v, want prefix %q", tc.header, err, tc.want)
		}
	}
}

func TestColName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := sheet.ColumnName(i); got != want {
			t.Errorf("sheet.ColumnName(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestConcurrentApply runs one Plan from several goroutines (run with -race).
func TestConcurrentApply(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "good", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"E-mail", "Phone", "First Name", "Last Name", "Country", "Rating", "Note", "Loyalty number", "Birthday"}
	p := mustBind(t, m, header)
	row := []string{"a@b.pl", "+48 1", "Jan", "K", "Niemcy", "1", "n", "L", "b"}
	want := p.Apply(row)
	done := make(chan Result)
	for range 4 {
		go func() {
			var r Result
			for range 200 {
				r = p.Apply(row)
			}
			done <- r
		}()
	}
	for range 4 {
		if r := <-done; !reflect.DeepEqual(r, want) {
			t.Errorf("concurrent Apply = %+v, want %+v", r, want)
		}
	}
}

// TestDocs keeps docs/mapping.md and the package doc in step with the code:
// every writable API field, transform and key must be documented.
func TestDocs(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "docs", "mapping.md"))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	names = append(names, writableFields()...)
	names = append(names, TransformNames()...)
	names = append(names, topKeys()...)
	names = append(names, fieldKeys()...)
	names = append(names, baselinker.MatchKeyFields()...)
	for _, n := range names {
		if !strings.Contains(string(md), "`"+n+"`") {
			t.Errorf("docs/mapping.md does not mention `%s`", n)
		}
	}
	for _, n := range append(TransformNames(), append(topKeys(), fieldKeys()...)...) {
		if !strings.Contains(string(pkg), n) {
			t.Errorf("the package doc does not mention %s", n)
		}
	}
}

func TestEncodingNames(t *testing.T) {
	for _, n := range []string{"utf-8", "UTF8", "utf-16", "utf16le", "windows-1250", "cp1250", "win1250", "windows1250",
		"cp-1252", "latin2", "latin-1", "iso-8859-2", "iso8859-2", "ISO88592", "shift_jis"} {
		if sheet.CheckEncoding(n) != nil {
			t.Errorf("encoding %q rejected", n)
		}
	}
	for _, n := range []string{"utf-9", "windows-9999", "polish", "latin-99"} {
		if sheet.CheckEncoding(n) == nil {
			t.Errorf("encoding %q accepted", n)
		}
	}
}

// TestBindMisreadHeader: a header the mapping names but the sheet has only
// garbled (the file read in the wrong encoding) is an error that names the
// encoding to give, not a "did you mean" of the garbled name.
func TestBindMisreadHeader(t *testing.T) {
	m := mustParse(t, "columns:\n  invoice_fullname: \"Imię\"\n  invoice_city: Miejscowość\n")
	tests := []struct {
		name   string
		header []string
		want   string
	}{
		{"UTF-8 read as windows-1252", []string{"ImiÄ™", "MiejscowoÅ›Ä‡"}, "the file is in utf-8 but was read as windows-1252"},
		{"UTF-8 read as windows-1250", []string{"ImiÄ™", "MiejscowoĹ›Ä‡"}, "the file is in utf-8 but was read as windows-1250"},
		{"windows-1250 read as windows-1252", []string{"Imiê", "Miejscowoœæ"}, "the file is in windows-1250 but was read as windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Bind(tt.header)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "did you mean") {
				t.Errorf("Bind(%q) = %v; want %q and no did-you-mean", tt.header, err, tt.want)
			}
		})
	}
}

// TestYAMLErrorLine: a YAML syntax error is reported at the broken line,
// not at the start of the block it is in.
func TestYAMLErrorLine(t *testing.T) {
	body := "columns:\n  email: E-mail\n  phone: Telefon\n  invoice_company: Firma\n  invoice_nip: NIP\n  invoice_city: Miasto\n  invoice_postcode: Kod\n"
	tests := []struct {
		name, broken string
		line         int
	}{
		{"a list item among keys", "  - Uwagi\n", 8},
		{"indented too little", " notes: Uwagi\n", 8},
		{"a missing colon", "  notes Uwagi\n  star: Ocena\n", 8},
		{"a second colon", "  notes: Uwagi: x\n", 8},
		{"a tab", "\tnotes: Uwagi\n", 8},
		{"an unclosed bracket", "  notes: [Uwagi\n", 8},
		{"an unclosed quote", "  notes: \"Uwagi\n", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("map.yaml", []byte(body+tt.broken))
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.List) != 1 {
				t.Fatalf("Parse = %v, want one error", err)
			}
			if got := errs.List[0].Line; got != tt.line {
				t.Errorf("error at line %d, want %d: %v", got, tt.line, err)
			}
		})
	}
}

// TestMatchByList: match_by takes one key or a list tried in order; each
// must be a key and mapped, once.
func TestMatchByList(t *testing.T) {
	cols := "columns:\n  email: E-mail\n  invoice_tax_id: NIP\n  phone: Tel\n"
	m, err := Parse("m.yaml", []byte("match_by: [email, invoice_tax_id, phone]\n"+cols))
	if err != nil || !reflect.DeepEqual(m.MatchBy, []string{"email", "invoice_tax_id", "phone"}) {
		t.Fatalf("list: %v, %v", m, err)
	}
	for _, tt := range []struct{ text, want string }{
		{"match_by: [email, email]\n", "m.yaml:1:19: match_by names email twice"},
		{"match_by: []\n", "m.yaml:1:11: match_by is an empty list"},
		{"match_by: [email, nip]\n", `m.yaml:1:19: match_by "nip" is not a key`},
		{"match_by:\n  - email\n  - login\n", "m.yaml:3:5: match_by is login, but no column is mapped to login"},
	} {
		_, err := Parse("m.yaml", []byte(tt.text+cols))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.text, err, tt.want)
		}
	}
}

// TestRealExportForms: the forms real exports need — the first non-empty
// of several columns, the n-th of several values in one cell, a phone
// extension kept readable or dropped (never glued into the number).
func TestRealExportForms(t *testing.T) {
	header := []string{"E-mail 1 - Value", "E-mail 2 - Value", "Phone 1 - Value", "Organization Name"}
	keep := mustBind(t, mustParse(t, `columns:
  email: [E-mail 1 - Value, E-mail 2 - Value]
  phone: { column: Phone 1 - Value, split: " ::: ", transform: digits_plus }
  invoice_company: { column: Organization Name, split: " ::: ", pick: 2 }
`), header)
	drop := mustBind(t, mustParse(t, "columns:\n  phone: { column: Phone 1 - Value, transform: digits_plus, extension: drop }\n"), header)
	tests := []struct {
		name    string
		p       *Plan
		cells   []string
		want    map[string]string
		dropped string
	}{
		// The values of a split cell that are not taken are said, never dropped silently.
		{"first column, first and second value", keep, []string{"a@x.pl", "b@x.pl", "+48 601 234 567 ::: +48 22 123 45 67", "Acme ::: Acme Sp. z o.o."},
			map[string]string{"email": "a@x.pl", "phone": "+48601234567", "invoice_company": "Acme Sp. z o.o."},
			`phone (Phone 1 - Value) "+48 22 123 45 67" split " ::: "; invoice_company (Organization Name) "Acme" split " ::: "`},
		{"second column when the first is blank", keep, []string{" ", "b@x.pl", "601 234 567", "Acme"},
			map[string]string{"email": "b@x.pl", "phone": "601234567", "invoice_company": ""},
			`invoice_company (Organization Name) "Acme" split " ::: "`},
		{"an extension kept", keep, []string{"", "", "+48 22 123 45 67 wew. 15", ""},
			map[string]string{"phone": "+48221234567 wew. 15"}, ""},
		{"ext. kept", keep, []string{"", "", "+48 22 123 45 67 ext. 204", ""},
			map[string]string{"phone": "+48221234567 ext. 204"}, ""},
		{"x kept", keep, []string{"", "", "601234567x15", ""},
			map[string]string{"phone": "601234567 x 15"}, ""},
		{"Durchwahl dropped", drop, []string{"", "", "030 123456 Durchwahl 3", ""},
			map[string]string{"phone": "030123456"}, `phone (Phone 1 - Value) "Durchwahl 3" split ""`},
		{"# dropped", drop, []string{"", "", "(22) 123-45-67 #9", ""},
			map[string]string{"phone": "221234567"}, `phone (Phone 1 - Value) "# 9" split ""`},
		{"no extension", drop, []string{"", "", "+48 601-234-567", ""},
			map[string]string{"phone": "+48601234567"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.p.Apply(tt.cells)
			for f, want := range tt.want {
				if got, _ := r.Get(f); got != want {
					t.Errorf("%s = %q, want %q", f, got, want)
				}
			}
			var ds []string
			for _, d := range r.Dropped {
				ds = append(ds, fmt.Sprintf("%s (%s) %q split %q", d.Field, d.Column, d.Text, d.Split))
			}
			if dropped := strings.Join(ds, "; "); dropped != tt.dropped {
				t.Errorf("dropped %q, want %q", dropped, tt.dropped)
			}
		})
	}
	for _, bad := range []struct{ text, want string }{
		{"columns:\n  phone: { column: P, pick: 2 }\n", "pick needs split"},
		{"columns:\n  phone: { column: P, split: \"\" }\n", "split is empty"},
		{"columns:\n  phone: { column: P, extension: glue }\n", `extension "glue" is not keep or drop`},
		{"columns:\n  phone: { value: 1, split: \",\" }\n", "split does not apply to a constant"},
		{"columns:\n  phone: []\n", "is an empty list"},
	} {
		if _, err := Parse("m.yaml", []byte(bad.text)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.text, err, bad.want)
		}
	}
}

// TestNoHeaderRow: with header_row: 0 columns are named by letter or
// number, and the first row is data.
func TestNoHeaderRow(t *testing.T) {
	m := mustParse(t, "source: { header_row: 0 }\ncolumns:\n  email: c\n  phone: 2\n  invoice_fullname: { template: \"{A} {b}\" }\n")
	if !m.Source.NoHeader || !m.SheetOptions(sheet.Options{}).NoHeader {
		t.Fatal("header_row: 0 does not say the file has no header")
	}
	if m.SheetOptions(sheet.Options{HeaderRow: 2}).NoHeader {
		t.Error("--header-row given on the command line did not win")
	}
	p := mustBind(t, m, []string{"A", "B", "C"})
	r := p.Apply([]string{"Jan", "601234567", "jan@x.pl"})
	for f, want := range map[string]string{"email": "jan@x.pl", "phone": "601234567"} {
		if got, _ := r.Get(f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	if _, err := Parse("m.yaml", []byte("source: { header_row: 0 }\ncolumns:\n  email: E-mail\n")); err == nil ||
		!strings.Contains(err.Error(), "m.yaml:3:10: column \"E-mail\": with header_row: 0") {
		t.Errorf("a header name without a header: %v", err)
	}
}

// clientFields is r as addCrmClient's input: the fields by name (the
// import sends a line's changes, run.Changes.ClientFields, not a Result).
func clientFields(r Result) baselinker.ClientFields {
	f := baselinker.ClientFields{ID: r.ID, Values: make(map[string]string, len(r.Values))}
	for _, v := range r.Values {
		f.Values[v.Field] = v.Text
	}
	if len(r.Extra) > 0 {
		f.Extra = make(map[string]string, len(r.Extra))
		for _, v := range r.Extra {
			f.Extra[v.Field] = v.Text
		}
	}
	return f
}
