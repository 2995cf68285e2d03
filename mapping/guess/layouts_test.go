package guess

import (
	"testing"

	"github.com/crmbulk/crmbulk/internal/suggest"
)

// TestLayoutsFireOnlyOnTheirShape: each layout row changes its columns on
// a header of its shape, and leaves the same columns of any other file
// alone (another tool's real City/Zip/Country/Region stay an address).
func TestLayoutsFireOnlyOnTheirShape(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		col    string
		fires  bool
	}{
		{"mailchimp", []string{"Email Address", "REGION", "CC", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE"}, "REGION", true},
		{"other tool with region and timezone", []string{"Email", "City", "Zip", "Country", "REGION", "TIMEZONE"}, "REGION", false},
		{"mailchimp shape keeps a real city", []string{"Email Address", "City", "REGION", "LATITUDE", "LONGITUDE", "GMTOFF", "TIMEZONE"}, "City", false},
		{"outlook", []string{"Vorname", "Ort", "Ort geschäftlich"}, "Ort", true},
		{"plain Ort", []string{"Vorname", "Ort", "PLZ"}, "Ort", false},
	}
	for _, l := range layouts {
		fired := false
		for _, tt := range tests {
			if _, ok := l.fits(keysOf(tt.header)); ok && tt.fires {
				fired = true
			}
		}
		if !fired {
			t.Errorf("layout %q fires on no test header", l.system)
		}
	}
	for _, tt := range tests {
		r := Header(tt.header, nil)
		for _, g := range r.Columns {
			if g.Header != tt.col {
				continue
			}
			if got := g.Field == ""; got != tt.fires {
				t.Errorf("%s: %q → %q (note %q), layout fired %v, want %v", tt.name, g.Header, g.Field, g.Note, got, tt.fires)
			}
		}
	}
}

func keysOf(header []string) map[string]string {
	m := map[string]string{}
	for _, h := range header {
		m[suggest.Key(h)] = h
	}
	return m
}

// TestOnlyAddressIsInvoice: a private (home) address is the delivery
// address only beside an invoice one; alone it is the invoice address.
func TestOnlyAddressIsInvoice(t *testing.T) {
	tests := []struct {
		header []string
		col    string
		want   string
	}{
		{[]string{"Name", "Home Street", "Home City", "Business Phone"}, "Home City", "invoice_city"},
		{[]string{"Name", "Home Street", "Home City", "Business City"}, "Home City", "delivery_city"},
		{[]string{"Name", "Home Street", "Home City", "City"}, "Home City", "delivery_city"},
		{[]string{"Name", "Shipping City"}, "Shipping City", "delivery_city"},
		{[]string{"Straße privat", "Ort privat", "Telefon geschäftlich"}, "Ort privat", "invoice_city"},
	}
	for _, tt := range tests {
		for _, g := range Header(tt.header, nil).Columns {
			if g.Header == tt.col && g.Field != tt.want {
				t.Errorf("%v: %q → %q, want %q", tt.header, g.Header, g.Field, tt.want)
			}
		}
	}
}
