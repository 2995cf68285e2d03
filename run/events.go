package run

import (
	"log/slog"
	"slices"
	"time"
)

// Printer receives a run's typed events; the terminal bar, the log lines,
// --format json and the web UI are Printers. Implementations are safe for
// concurrent use and return quickly.
type Printer interface {
	Update(Update)   // the run's state, at most a few times a second and whenever a wait begins/ends
	Item(Item)       // one settled line, in input order
	Message(Message) // a note or warning in words
	Summary(Summary) // once, at the end
}

// Update is the run's state at one moment.
type Update struct {
	Command  string         // "import", "undo", "export"
	Phase    string         // what it does now, in words ("reading the account's clients", "importing rows", …)
	Unit     string         // "rows", "clients", "pages"
	Done     int64          // units done in this phase
	Total    int64          // -1: unknown
	Counts   map[string]int // settled lines by status (created, updated, unchanged, invalid, failed, …)
	Requests int64          // requests sent so far, retries included
	Waiting  string         // what the run waits for now, in words ("" = nothing)
	Until    time.Time      // when that wait ends (zero: unknown)
	ETA      time.Duration  // time left at the limit (0: unknown)
	Elapsed  time.Duration  // time since the run began

	// What a printer needs to say the run as crmbulk's bar and log do.
	Statuses  []string // the order Counts are said in (the command's statuses)
	Settles   bool     // the phase settles lines: Counts say how far it is
	Paced     bool     // the phase's units go at the request limit: PerMinute and ETA mean something
	PerMinute int64    // units of a paced phase done in the last minute (never a burst stretched to a minute)
	ETAWhy    string   // what decides the ETA ("limit", "limit 100/1m0s", "in-doubt rows settle")
	Walk      bool     // the phase walks the account's clients page by page
	Pages     int64    // pages of that walk read so far
	Ended     bool     // the phase's last Update: it is over
}

// Item is one settled line.
type Item struct {
	Row    int    // the input row (export: the client's ordinal)
	Status string // the line's status
	Reason string // the error/skip reason in words, "" when none
	Line   any    // the full line (importer's report line) for printers that show it; may be nil
}

// Message is a note or a warning in words.
type Message struct {
	Level slog.Level
	Text  string
	// Key, when set, names the same note in a page's own texts, Vars its
	// facts (Keyed): Text speaks the command line's flags, which a page
	// has not.
	Key  string
	Vars map[string]string
}

// Summary is the run's end: what it did, said once.
type Summary struct {
	Command  string
	Counts   map[string]int
	Requests int64
	Elapsed  time.Duration
	Text     string
}

// Tee returns a Printer that hands every event to each of p in turn; nil
// printers are skipped.
func Tee(p ...Printer) Printer {
	return tee(slices.DeleteFunc(slices.Clone(p), func(q Printer) bool { return q == nil }))
}

type tee []Printer

func (t tee) Update(u Update)   { each(t, u, Printer.Update) }
func (t tee) Item(i Item)       { each(t, i, Printer.Item) }
func (t tee) Message(m Message) { each(t, m, Printer.Message) }
func (t tee) Summary(s Summary) { each(t, s, Printer.Summary) }

// each hands v to every printer of t, in turn.
func each[T any](t tee, v T, hand func(Printer, T)) {
	for _, p := range t {
		hand(p, v)
	}
}

// Nop is a Printer that discards everything.
type Nop struct{}

// Update discards u.
func (Nop) Update(Update) {}

// Item discards i.
func (Nop) Item(Item) {}

// Message discards m.
func (Nop) Message(Message) {}

// Summary discards s.
func (Nop) Summary(Summary) {}
