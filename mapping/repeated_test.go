package mapping

import (
	"strings"
	"testing"
)

// TestRepeatedHeaderNobodyReads: a header name the sheet repeats is a
// warning when no field reads it, and an error when one does.
func TestRepeatedHeaderNobodyReads(t *testing.T) {
	header := []string{"Email", "Pole", "Name", "pole", "Pole"}
	m, err := Parse("map.yaml", []byte("columns:\n  email: Email\n  invoice_fullname: Name\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Bind(header)
	if err != nil {
		t.Fatalf("Bind refused a repeated header no field reads: %v", err)
	}
	notes := strings.Join(p.Notes(), "\n")
	if !strings.Contains(notes, `header "Pole" appears 3 times (columns B, D, E); no field reads it`) {
		t.Errorf("notes %q do not warn of the repeated header", notes)
	}
	m, err = Parse("map.yaml", []byte("columns:\n  email: Email\n  notes: Pole\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Bind(header); err == nil || !strings.Contains(err.Error(), "appears 2 times") {
		t.Errorf("Bind of a repeated header a field reads: %v", err)
	}
}
