package importer

import (
	"strings"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
)

// TestChangesForPeople: the plan people read names the statuses of a
// status_id change, while the report's changes column (String, read back
// by ParseChanges for undo and covered by line_mac) keeps the IDs alone.
func TestChangesForPeople(t *testing.T) {
	names := map[string]string{"3": "Nowy", "5": "Stały klient"}
	tests := []struct {
		name    string
		changes events.Changes
		names   map[string]string
		want    string
	}{
		{"update", events.Changes{{Field: "status_id", Before: "3", After: "5", Known: true}}, names,
			`status_id: "3" (Nowy) → "5" (Stały klient)`},
		{"create", events.Changes{{Field: "status_id", After: "5", Create: true}, {Field: "email", After: "a@example.com", Create: true}}, names,
			`status_id: "5" (Stały klient); email: "a@example.com"`},
		{"not compared", events.Changes{{Field: "status_id", After: "3", Why: notRead}}, names,
			`status_id: not compared (no read) → "3" (Nowy)`},
		{"an ID the account lacks", events.Changes{{Field: "status_id", Before: "3", After: "99", Known: true}}, names,
			`status_id: "3" (Nowy) → "99"`},
		{"another field with the same value", events.Changes{{Field: "star", Before: "3", After: "5", Known: true}}, names,
			`star: "3" → "5"`},
		{"statuses not read", events.Changes{{Field: "status_id", Before: "3", After: "5", Known: true}}, nil,
			`status_id: "3" → "5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := events.Line{Changes: tt.changes, StatusNames: tt.names}
			if got := l.ChangesForPeople(); got != tt.want {
				t.Errorf("ChangesForPeople = %s, want %s", got, tt.want)
			}
			text := l.ChangesText()
			back, err := events.ParseChanges(text)
			if err != nil || back.String() != text {
				t.Errorf("the report's changes %q read back as %q, %v", text, back.String(), err)
			}
			if strings.Contains(text, "(Nowy)") || strings.Contains(text, "(Stały klient)") {
				t.Errorf("the report's changes carry names: %q", text)
			}
		})
	}
}

// TestStatusLabel: the summary counts a status by its name and ID, marks
// an ID the account does not list, and keeps the bare ID when the
// statuses were not read.
func TestStatusLabel(t *testing.T) {
	names := map[string]string{"5": "Stały klient"}
	for _, tt := range []struct {
		id    string
		names map[string]string
		want  string
	}{
		{"5", names, "Stały klient (5)"},
		{"99", names, "99 (not a status of the account)"},
		{"5", map[string]string{}, "5 (not a status of the account)"},
		{"5", nil, "5"},
	} {
		if got := statusLabel(tt.id, tt.names); got != tt.want {
			t.Errorf("statusLabel(%q, %v) = %q, want %q", tt.id, tt.names, got, tt.want)
		}
	}
}
