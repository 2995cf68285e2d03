package run

import (
	"slices"
	"strings"
	"sync"
)

// Recorder is a Printer that keeps every event in the order it came, for
// tests that check a run's typed stream and what its progress line said.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Event is one event a Recorder kept: exactly one of its fields is set.
type Event struct {
	Update  *Update
	Item    *Item
	Message *Message
	Summary *Summary
}

func (r *Recorder) keep(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Update keeps u.
func (r *Recorder) Update(u Update) { r.keep(Event{Update: &u}) }

// Item keeps i.
func (r *Recorder) Item(i Item) { r.keep(Event{Item: &i}) }

// Message keeps m.
func (r *Recorder) Message(m Message) { r.keep(Event{Message: &m}) }

// Summary keeps s.
func (r *Recorder) Summary(s Summary) { r.keep(Event{Summary: &s}) }

// Events returns the events so far, in order.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Updates returns the Updates so far, in order.
func (r *Recorder) Updates() []Update { return pick(r, func(e Event) *Update { return e.Update }) }

// Items returns the Items so far, in order.
func (r *Recorder) Items() []Item { return pick(r, func(e Event) *Item { return e.Item }) }

// Summaries returns the Summaries so far (a run sends one).
func (r *Recorder) Summaries() []Summary { return pick(r, func(e Event) *Summary { return e.Summary }) }

// pick is the events of one kind, in order.
func pick[T any](r *Recorder, of func(Event) *T) []T {
	var out []T
	for _, e := range r.Events() {
		if v := of(e); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// Phases are the phases of the Updates so far, in the order they began
// (one name each time a phase begins), and whether the last one is still
// open (its last Update not Ended).
func (r *Recorder) Phases() (names []string, open bool) {
	for _, u := range r.Updates() {
		if !open {
			names = append(names, u.Phase)
		}
		open = !u.Ended
	}
	return names, open
}

// Final is the run's Summary when the run sent exactly one, as its last
// event.
func (r *Recorder) Final() (Summary, bool) {
	evs := r.Events()
	s := r.Summaries()
	if len(s) != 1 || len(evs) == 0 || evs[len(evs)-1].Summary == nil {
		return Summary{}, false
	}
	return s[0], true
}

// Lines are the Updates' words so far, as a progress line says them: the
// Detail, then what the run waits for.
func (r *Recorder) Lines() []string {
	var out []string
	for _, u := range r.Updates() {
		l := Detail(u)
		if u.Waiting != "" {
			l = strings.TrimPrefix(l+" · "+u.Waiting, " · ")
		}
		out = append(out, l)
	}
	return out
}

// Said reports whether one of the Lines held every one of parts.
func (r *Recorder) Said(parts ...string) bool {
	return slices.ContainsFunc(r.Lines(), func(l string) bool {
		return !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(l, p) })
	})
}
