package mapping

import (
	"errors"
	"strings"
	"testing"
)

// TestSecondYAMLDocument: a second document in a mapping file is an error
// naming the line of its --- (issue 20: it was ignored silently); a ---
// before the only document, or one with nothing after it, is not.
func TestSecondYAMLDocument(t *testing.T) {
	body := "columns:\n  email: E-mail\n  phone: Telefon\n"
	tests := []struct {
		name, text string
		line       int // 0: no error
	}{
		{"one document", body, 0},
		{"a leading ---", "---\n" + body, 0},
		{"a trailing ---", body + "---\n", 0},
		{"a second mapping", body + "---\ncolumns:\n  notes: Uwagi\n", 4},
		{"a second after a leading ---", "---\n" + body + "# the other one\n---\ncolumns:\n  notes: Uwagi\n", 6},
		{"a second that cannot be read", body + "---\ncolumns: [\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("map.yaml", []byte(tt.text))
			if tt.line == 0 {
				if err != nil {
					t.Fatalf("Parse = %v", err)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.List) != 1 || errs.List[0].Line != tt.line || !strings.Contains(err.Error(), "second YAML document") {
				t.Fatalf("Parse = %v, want one error at line %d about a second document", err, tt.line)
			}
		})
	}
}
