package run

import "sync"

// Recorder is a Printer that keeps every event in the order it came, for
// tests that check a run's typed stream.
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
func (r *Recorder) Updates() []Update {
	var out []Update
	for _, e := range r.Events() {
		if e.Update != nil {
			out = append(out, *e.Update)
		}
	}
	return out
}

// Items returns the Items so far, in order.
func (r *Recorder) Items() []Item {
	var out []Item
	for _, e := range r.Events() {
		if e.Item != nil {
			out = append(out, *e.Item)
		}
	}
	return out
}

// Summaries returns the Summaries so far (a run sends one).
func (r *Recorder) Summaries() []Summary {
	var out []Summary
	for _, e := range r.Events() {
		if e.Summary != nil {
			out = append(out, *e.Summary)
		}
	}
	return out
}
