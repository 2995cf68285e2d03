package baselinker

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestIntUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    Int
		wantErr bool
	}{
		{`5`, 5, false}, {`"5"`, 5, false}, {`" 7 "`, 7, false}, {`""`, 0, false}, {`null`, 0, false},
		{`5.0`, 5, false}, {`"-3"`, -3, false}, {`5.5`, 0, true}, {`"abc"`, 0, true}, {`true`, 0, true},
	}
	for _, tc := range tests {
		var n Int
		err := json.Unmarshal([]byte(tc.in), &n)
		if (err != nil) != tc.wantErr || (err == nil && n != tc.want) {
			t.Errorf("%s: got %d, %v; want %d, error %v", tc.in, n, err, tc.want, tc.wantErr)
		}
	}
}

func TestExtraFieldsUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    ExtraFields
		wantErr bool
	}{
		{`[]`, ExtraFields{}, false},
		{`null`, nil, false},
		{`{"1":"a","2":null,"3":5,"4":{"title":"f.pdf"}}`, ExtraFields{"1": "a", "2": "", "3": "5", "4": `{"title":"f.pdf"}`}, false},
		{`["x"]`, nil, true},
		{`"x"`, nil, true},
	}
	for _, tc := range tests {
		var e ExtraFields
		err := json.Unmarshal([]byte(tc.in), &e)
		if (err != nil) != tc.wantErr || (err == nil && !reflect.DeepEqual(e, tc.want)) {
			t.Errorf("%s: got %#v, %v; want %#v, error %v", tc.in, e, err, tc.want, tc.wantErr)
		}
	}
}

func FuzzClientUnmarshal(f *testing.F) {
	for _, s := range []string{`{"crm_client_id":"1","star":5,"custom_extra_fields":[]}`, `{"custom_extra_fields":{"1":{"a":1}}}`, `{"status_id":"x"}`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c Client
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return
		}
		// What decodes must encode again.
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("re-encoding %q: %v", s, err)
		}
	})
}

func TestCompareExtraIDs(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"10", "2", "1"}, []string{"1", "2", "10"}},
		{[]string{"b", "7", "a", "07"}, []string{"07", "7", "a", "b"}}, // equal numbers: as text
		{[]string{"x"}, []string{"x"}},
		{nil, nil},
	} {
		got := slices.Clone(tc.in)
		slices.SortFunc(got, CompareExtraIDs)
		if !slices.Equal(got, tc.want) {
			t.Errorf("sorted by CompareExtraIDs %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExtraColumn(t *testing.T) {
	tests := []struct {
		header string
		id     string
		ok     bool
	}{
		{"extra_15", "15", true},
		{"extra_15 Rabat", "15", true},
		{"EXTRA_18  Zgoda marketingowa", "18", true},
		{" extra_015\tx", "15", true},
		{"extra_", "", false},
		{"extra_x", "", false},
		{"extra_0", "", false},
		{"extra_15a Rabat", "", false},
		{"extra15", "", false},
		{"extra_99999999999999999999", "", false},
	}
	for _, tt := range tests {
		id, ok := ParseExtraColumn(tt.header)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ParseExtraColumn(%q) = %q, %v; want %q, %v", tt.header, id, ok, tt.id, tt.ok)
		}
	}
	for _, name := range []string{"", "Rabat", " Zgoda\n marketingowa ", "Typ klienta"} {
		h := ExtraColumn("15", name)
		if id, ok := ParseExtraColumn(h); id != "15" || !ok {
			t.Errorf("ExtraColumn(15, %q) = %q does not read back", name, h)
		}
	}
	if h := ExtraColumn("18", " Zgoda\n marketingowa "); h != "extra_18 Zgoda marketingowa" {
		t.Errorf("ExtraColumn folds spaces: %q", h)
	}
}

// FuzzExtraColumn: any header either is not an extra field's column or
// names a positive ID, and a header made by ExtraColumn reads back.
func FuzzExtraColumn(f *testing.F) {
	for _, s := range []string{"extra_15", "extra_15 Rabat", "EXTRA_0", "extra_1\u00a0x", "extra_9223372036854775808", "extra_ 1"} {
		f.Add(s, "Rabat")
	}
	f.Fuzz(func(t *testing.T, header, name string) {
		if id, ok := ParseExtraColumn(header); ok {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
				t.Errorf("ParseExtraColumn(%q) = %q", header, id)
			}
			if back, ok := ParseExtraColumn(ExtraColumn(id, name)); !ok || back != id {
				t.Errorf("ExtraColumn(%q, %q) = %q reads back as %q, %v", id, name, ExtraColumn(id, name), back, ok)
			}
		}
	})
}

// TestClientIsTheFieldTable: Client holds the table's fields, by their
// JSON names, in the table's order — Get, Set and the decoding find a
// field by its position in the table.
func TestClientIsTheFieldTable(t *testing.T) {
	typ := reflect.TypeFor[Client]()
	if typ.NumField() != len(Fields()) {
		t.Fatalf("Client has %d fields, the table %d", typ.NumField(), len(Fields()))
	}
	for i, f := range Fields() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != f.Name {
			t.Errorf("Client's field %d is %q, the table's %q", i, name, f.Name)
		}
	}
}
