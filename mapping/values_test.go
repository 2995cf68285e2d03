package mapping

import (
	"reflect"
	"testing"
)

// TestValuesInMappingOrder: values come in the mapping's order.
func TestValuesInMappingOrder(t *testing.T) {
	m := mustParse(t, "columns:\n  phone: Phone\n  email: E-mail\ncustom_extra_fields:\n  \"7\": Note\n")
	p := mustBind(t, m, []string{"E-mail", "Phone", "Note"})
	r := p.Apply([]string{"a@b.pl", "+48 1", "n"})
	want := []Value{{Field: "phone", Text: "+48 1"}, {Field: "email", Text: "a@b.pl"}}
	if !reflect.DeepEqual(r.Values, want) {
		t.Errorf("Values = %+v, want %+v", r.Values, want)
	}
	if !reflect.DeepEqual(r.Extra, []Value{{Field: "7", Text: "n"}}) {
		t.Errorf("Extra = %+v", r.Extra)
	}
	if v, ok := r.Get("email"); !ok || v != "a@b.pl" {
		t.Errorf("Get(email) = %q, %v", v, ok)
	}
	if _, ok := r.Get("login"); ok {
		t.Error("Get(login) found a field the row does not send")
	}
}
