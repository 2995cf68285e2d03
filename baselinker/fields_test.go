package baselinker

import "testing"

// TestMappable: a column may feed every writable field by name but the
// custom_extra_fields object (extra fields are columns by ID), and not a
// field addCrmClient does not accept.
func TestMappable(t *testing.T) {
	for _, c := range []struct {
		f    Field
		want bool
	}{
		{Field{Name: "email", Kind: KindText, Writable: true}, true},
		{Field{Name: "star", Kind: KindInt, Writable: true}, true},
		{Field{Name: "custom_extra_fields", Kind: KindExtra, Writable: true}, false},
		{Field{Name: "date_add", Kind: KindInt, Listed: true}, false},
		{Field{Name: "x", Kind: KindExtra}, false},
	} {
		if got := c.f.Mappable(); got != c.want {
			t.Errorf("%s (kind %s, writable %t): Mappable() = %t, want %t", c.f.Name, c.f.Kind, c.f.Writable, got, c.want)
		}
	}
	// The table: every field but the extra-field object.
	for _, f := range Fields() {
		if want := f.Name != "custom_extra_fields"; f.Mappable() != want {
			t.Errorf("table field %s: Mappable() = %t, want %t", f.Name, f.Mappable(), want)
		}
	}
}
