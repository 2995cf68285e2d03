package run

import (
	"log/slog"
	"reflect"
	"testing"
)

// record is a Printer that keeps what it was given, as words, in order.
type record struct{ got []string }

func (r *record) Update(u Update)   { r.got = append(r.got, "update "+u.Phase) }
func (r *record) Item(i Item)       { r.got = append(r.got, "item "+i.Status) }
func (r *record) Message(m Message) { r.got = append(r.got, "message "+m.Text) }
func (r *record) Summary(s Summary) { r.got = append(r.got, "summary "+s.Text) }

func TestTee(t *testing.T) {
	want := []string{"update importing rows", "item created", "message note", "summary done"}
	tests := []struct {
		name string
		nils int
	}{
		{"two printers", 0},
		{"nil printers skipped", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := &record{}, &record{}
			ps := []Printer{a, Nop{}}
			for range tt.nils {
				ps = append(ps, nil)
			}
			p := Tee(append(ps, b)...)
			p.Update(Update{Phase: "importing rows"})
			p.Item(Item{Status: "created"})
			p.Message(Message{Level: slog.LevelInfo, Text: "note"})
			p.Summary(Summary{Text: "done"})
			for _, r := range []*record{a, b} {
				if !reflect.DeepEqual(r.got, want) {
					t.Errorf("got %q, want %q", r.got, want)
				}
			}
		})
	}
}

func TestTeeOfNothing(t *testing.T) {
	p := Tee(nil, nil)
	p.Update(Update{})
	p.Item(Item{})
	p.Message(Message{})
	p.Summary(Summary{})
}
