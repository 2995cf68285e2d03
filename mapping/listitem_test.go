package mapping

import (
	"errors"
	"strings"
	"testing"
)

// TestMatchByErrorAtItsItem: when an item of a match_by list is refused
// (not a key, given twice, no value, a list), a later item whose key no
// column is mapped to is still reported at its own line and column, with
// its own key.
func TestMatchByErrorAtItsItem(t *testing.T) {
	cols := "columns:\n  email: E-mail\n"
	tests := []struct {
		name      string
		matchBy   string
		key       string // the unmapped key
		line, col int    // where it is written
	}{
		{"not a key first, flow list", "match_by: [nip, login]\n", "login", 1, 17},
		{"not a key first, block list", "match_by:\n  - nip\n  - login\n", "login", 3, 5},
		{"given twice before", "match_by: [email, email, login]\n", "login", 1, 26},
		{"no value first", "match_by:\n  -\n  - phone\n", "phone", 3, 5},
		{"a list first", "match_by: [[email], invoice_tax_id]\n", "invoice_tax_id", 1, 21},
		{"two refused, then two unmapped", "match_by:\n  - nip\n  - ~\n  - login\n  - phone\n", "phone", 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tt.matchBy+cols))
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse: %v, want *Errors", err)
			}
			want := "match_by is " + tt.key + ", but no column is mapped to " + tt.key
			var found *Error
			for _, e := range errs.List {
				if e.Msg == want {
					found = e
				}
				if strings.Contains(e.Msg, "no column is mapped to") && e.Line == tt.line && e.Column == tt.col && e.Msg != want {
					t.Errorf("another key's error at %d:%d: %v", tt.line, tt.col, e)
				}
			}
			if found == nil {
				t.Fatalf("no error %q in:\n%v", want, err)
			}
			if found.Line != tt.line || found.Column != tt.col {
				t.Errorf("%q at %d:%d, want %d:%d (its own item)\n%v", want, found.Line, found.Column, tt.line, tt.col, err)
			}
		})
	}
}

// TestAliasListItem: an alias (*name) as an item of a list — match_by,
// a field's columns, transform — is read as the value it names, as an
// alias given as a field's value is, and a problem with it is reported
// where the alias is written.
func TestAliasListItem(t *testing.T) {
	header := []string{"E-mail", "Tel"}
	tests := []struct {
		name, yaml string
		want       string // "" = parses and binds; else the error at that position
	}{
		{"column list", "columns:\n  email: &h E-mail\n  phone: [Tel, *h]\n", ""},
		{"match_by", "match_by: [&k email, phone]\ncolumns:\n  email: E-mail\n  phone: { column: [Tel, *k] }\n", `m.yaml:4:26: column "email" (for phone) is not in the sheet's header`},
		{"match_by twice", "match_by: [&k email, *k]\ncolumns:\n  email: E-mail\n", "m.yaml:1:22: match_by names email twice"},
		{"unknown header", "columns:\n  email: &h Mail\n  phone: [Tel, *h]\n", `m.yaml:3:16: column "Mail" (for phone) is not in the sheet's header`},
		{"transform", "columns:\n  email: { column: E-mail, transform: [&t trimm, *t] }\n", `m.yaml:2:50: unknown transform "trimm"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(tt.yaml))
			if err == nil {
				_, err = m.Bind(header)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	p := mustBind(t, mustParse(t, tests[0].yaml), header)
	if got := clientFields(p.Apply([]string{"a@b.pl", ""})).Values["phone"]; got != "a@b.pl" {
		t.Errorf("phone = %q, want the E-mail cell the alias names", got)
	}
}
