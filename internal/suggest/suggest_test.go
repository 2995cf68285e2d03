package suggest

import "testing"

func TestClosest(t *testing.T) {
	fields := []string{"email", "phone", "invoice_postcode", "invoice_city", "delivery_city", "status_id"}
	tests := []struct{ in, want string }{
		{"emial", "email"},  // transposition
		{"EMAIL ", "email"}, // case and spaces
		{"invoice_postocde", "invoice_postcode"},
		{"postcode", "invoice_postcode"}, // contained
		{"status", "status_id"},
		{"xyz", ""}, // nothing close
		{"", ""},
		{"ab", ""}, // too short to guess
	}
	for _, tt := range tests {
		if got := Closest(tt.in, fields); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOrList(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""}, {[]string{"csv"}, "csv"}, {[]string{"csv", "xlsx"}, "csv or xlsx"}, {[]string{"csv", "xlsx", "jsonl"}, "csv, xlsx or jsonl"},
	}
	for _, tt := range tests {
		if got := OrList(tt.in); got != tt.want {
			t.Errorf("OrList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"ab", "ba", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}, {"łódź", "lodz", 3}, {"same", "same", 0},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
