package baselinker

import "testing"

func TestFindStatus(t *testing.T) {
	st := []Status{{ID: 1, Name: "Nowy klient"}, {ID: 2, Name: "Stały klient"}, {ID: 3, Name: "VIP"}}
	tests := []struct {
		name string
		want Int
		ok   bool
	}{
		{"Stały klient", 2, true},
		{"  stały   KLIENT ", 2, true},
		{"Stal\u0322y klient", 0, false},
		{"Stała\u0301", 0, false},
		{"vip", 3, true},
		{"Sta\u0142y klient", 2, true},
		{"Staly klient", 0, false}, // no ł: another name (the did-you-mean finds it)
		{"", 0, false},
	}
	for _, tt := range tests {
		s, ok := FindStatus(st, tt.name)
		if ok != tt.ok || s.ID != tt.want {
			t.Errorf("FindStatus(%q) = %d, %v; want %d, %v", tt.name, s.ID, ok, tt.want, tt.ok)
		}
	}
	// NFC: a name typed with a combining accent is the same name.
	st = append(st, Status{ID: 4, Name: "Zażółć"})
	if s, ok := FindStatus(st, "Zaz\u0307o\u0301łc\u0301"); !ok || s.ID != 4 {
		t.Errorf("a decomposed name: %d, %v", s.ID, ok)
	}
}
