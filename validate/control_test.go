package validate

import (
	"strings"
	"testing"
)

// TestControlCharacters: a NUL or another C0 control character makes the
// value invalid in every field (issue 20); tab and line breaks stay.
func TestControlCharacters(t *testing.T) {
	tests := []struct {
		field, value string
		bad          bool
	}{
		{"invoice_fullname", "Nul\x00Name", true},
		{"notes", "line 1\nline 2\r\n\tindented", false},
		{"notes", "bell\x07", true},
		{"email", "a@b.pl\x1f", true},
		{"star", "3\x00", true},
		{"invoice_address", "ul. Długa 1\n00-950 Warszawa", false},
		{"phone", "+48 600\x0b100 200", true},
	}
	for _, tt := range tests {
		ps := Value(tt.field, tt.value)
		got := false
		for _, p := range ps {
			if p.Rule == RuleControl {
				got = true
				if p.Severity != Error || !strings.Contains(p.Message, "U+00") || p.Fix == "" {
					t.Errorf("%s %q: %+v", tt.field, tt.value, p)
				}
			}
		}
		if got != tt.bad {
			t.Errorf("%s %q: problems %v, want a control-character problem: %v", tt.field, tt.value, ps, tt.bad)
		}
	}
	if ps := Extra("15", "x\x00y", nil); len(ps) != 1 || ps[0].Rule != RuleControl || ps[0].Field != "custom_extra_fields[15]" {
		t.Errorf("extra field: %v", ps)
	}
}
