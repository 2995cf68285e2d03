package sheet

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONLWriterGolden: one object a line, keys in the header's order,
// every value the cell's text (quotes, line breaks, HTML characters, marks
// and formulas untouched), plain integers of numeric columns as numbers.
func TestJSONLWriterGolden(t *testing.T) {
	var b strings.Builder
	w := NewJSONLWriter(&b, map[int]bool{0: true, 3: true})
	rows := [][]string{
		{"crm_client_id", "email", "notes", "star", "extra_1 Typ klienta"},
		{"17", "a@example.com", "line one\r\nline \"two\"", "5", "hurt"},
		{"18", "b&c <x>@example.com", "=1+1", "", "Łódź \u2028 tab\t"},
		{"007", "'+48600700800", "", "-3", "00-950"},
		{"1234567890123456", "", "\x00", "1e5", ""},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("line %d is not JSON: %s", i+1, line)
		}
	}
	golden(t, "jsonl_writer", b.String())
}

// TestJSONLWriterEdges: a header alone writes nothing; a row of another
// width than the header is refused, not written under the wrong keys.
func TestJSONLWriterEdges(t *testing.T) {
	var b strings.Builder
	w := NewJSONLWriter(&b, nil)
	if err := w.Write([]string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil || b.Len() != 0 {
		t.Errorf("a header alone wrote %q (%v)", b.String(), err)
	}
	if err := w.Write([]string{"1"}); err == nil || !strings.Contains(err.Error(), "header of 2") {
		t.Errorf("a short row: %v", err)
	}
	if err := w.Write([]string{"1", "2"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || b.String() != `{"a":"1","b":"2"}`+"\n" {
		t.Errorf("got %q (%v)", b.String(), err)
	}
}
