package mapping

import (
	"strings"
	"testing"
)

// TestFieldHintAgreesWithMappingInit: an unknown field's did-you-mean
// reads the name with the vocabulary `mapping init` reads headers with,
// so the two never disagree: another system's ID is not crm_client_id,
// a rating is not the star, komorka is a phone.
func TestFieldHintAgreesWithMappingInit(t *testing.T) {
	tests := []struct{ field, want, not string }{
		{"customer_id", "an ID of another system", "crm_client_id\"?"},
		{"client_id", "an ID of another system", "crm_client_id\"?"},
		{"id", "an ID of another system", "crm_client_id\"?"},
		{"rating", "crmbulk fields", "star"},
		{"komorka", `"phone"`, ""},
		{"kod_pocztowy", `"invoice_postcode"`, ""},
		{"shipping_zip", `"delivery_postcode"`, ""},
		{"Ulica i nr", `"invoice_address"`, ""},
	}
	for _, tt := range tests {
		_, err := Parse("map.yaml", []byte("columns:\n  "+tt.field+": A\n"))
		if err == nil {
			t.Fatalf("%s: accepted", tt.field)
		}
		if !strings.Contains(err.Error(), tt.want) || tt.not != "" && strings.Contains(err.Error(), tt.not) {
			t.Errorf("%s: %v; want it to say %s", tt.field, err, tt.want)
		}
	}
}
