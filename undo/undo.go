// Package undo reverses what an import did, from the import's report: a
// client the import created is deleted, and a client it updated gets back
// the values it had — each only while it still holds exactly what the
// import wrote. A field someone changed since is a conflict: it is left as
// it is and reported. An undo writes a report of the same columns, so an
// undo can itself be undone (the import is then applied again).
//
// An undo reads the current state in as few requests as it can (the list,
// 100 clients a request; getCrmClientData only for clients whose notes or
// extra fields the import changed), writes through the same limiter as
// every run, keeps a journal of the writes it sends, and can be resumed
// from its own report: nothing is deleted twice, no field restored twice,
// no client re-created twice.
package undo

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
)

// API is what an undo needs of the Base API; *baselinker.API has it.
type API interface {
	GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error)
	GetCrmClientData(ctx context.Context, id int64, includeCustomExtraFields bool) (baselinker.Client, error)
	AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error)
	DeleteCrmClient(ctx context.Context, id int64) error
	// Account names the account (a hash of the token): an undo runs only
	// on the account its report was written on.
	Account() string
	Stats() baselinker.Stats
}

// The statuses an undo's lines have, besides importer's created (a client
// deleted by an undo, made again when that undo is undone), unchanged
// (nothing to do), failed and skipped.
const (
	StatusDeleted  events.Status = "deleted"  // the client the import created was deleted
	StatusRestored events.Status = "restored" // the fields the import changed hold their values from before it again
	StatusConflict events.Status = "conflict" // someone changed the client since: what they changed was left (see column)
)

// Codes an undo writes, besides run's (CodeOutcomeUnknown, CodeInterrupted,
// CodeNotAttempted).
const (
	CodeChanged       = "CHANGED_SINCE"  // the client no longer holds what the import wrote
	CodeBeforeUnknown = "BEFORE_UNKNOWN" // the import did not read the value it replaced (notes, extra fields without --compare-notes)
	CodeExists        = "EXISTS"         // re-creating: a client with the match key exists already
)

// The outcomes of an undo are the run's (package run), checked with
// errors.Is: ErrBadInput (a report that cannot be undone — a dry run's,
// another account's, an older crmbulk's, an edited one: nothing was sent),
// ErrFatal (an API error stopped the undo: the lines not done are skipped;
// --resume goes on) and ErrInterrupted (ctx was cancelled: likewise).

// DefaultWorkers is the default size of the request pool.
const DefaultWorkers = 4

// Config is one undo.
type Config struct {
	// Report is the undo's own report (CSV); default SOURCE.undo.csv.
	Report string
	// Resume is an earlier undo's report of the same source: its finished
	// lines are kept and the rest is done (it may be Report itself).
	Resume string
	// DryRun reads the state and writes the plan, sending nothing.
	DryRun bool
	// Workers is the size of the request pool (default DefaultWorkers).
	Workers int
	// Events receives the undo's typed events (nil: nothing): its phases,
	// counts by status and waits as Updates, each line of its report as an
	// Item in the order written, the Summary at the end.
	Events events.Printer
	// Waiting says what the requests wait for (the API's Waiting): the
	// Updates say it.
	Waiting func() string
	// Log receives the undo's log lines (default: discard).
	Log *slog.Logger
	// StateDir is the state directory (sharedwindow.Dir), which keeps the
	// account's record key: with it every line of the report undone (and
	// of the undo resumed) must pass its proof, and the undo's own lines
	// carry theirs. "" = no proofs (a library caller's tests).
	StateDir string
	// Command describes this run in its locks (the command as typed).
	Command string
	// RequestTimeout is the API's request timeout (default
	// baselinker.DefaultTimeout): a create an interrupted undo sent may
	// land until this long after its send, so a resume looks it up only
	// then.
	RequestTimeout time.Duration
	// MaxClients bounds the walk that reads the account's clients before
	// anything is changed (< 1: baselinker.DefaultMaxClients): an API whose
	// pages never end stops there (--max-clients).
	MaxClients int
	// Rerun, if set, is how the user runs this undo again with other
	// flags: the messages that say what to run next print it.
	Rerun shellquote.Rerun
}

// DefaultReportPath is the undo's report of the import report source.
func DefaultReportPath(source string) string { return strings.TrimSuffix(source, ".csv") + ".undo.csv" }

func (c Config) withDefaults(source string) Config {
	c.Report = cmp.Or(c.Report, DefaultReportPath(source))
	c.Log = cmp.Or(c.Log, slog.New(slog.DiscardHandler))
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = baselinker.DefaultTimeout
	}
	return c
}

// Summary is what an undo did.
type Summary struct {
	Counts   map[events.Status]int
	Lines    int
	Requests int64
	Elapsed  time.Duration
	Report   string
	DryRun   bool
	// Kept is where an earlier undo's record at Report was kept ("" if none).
	Kept string
	// Examples holds up to 10 conflict and failure lines, for the summary.
	Examples []string
}

// Problems counts the lines that need a person: conflicts and failures.
func (s Summary) Problems() int { return s.Counts[StatusConflict] + s.Counts[events.StatusFailed] }

// String is the summary a person reads.
func (s Summary) String() string {
	var parts []string
	for _, st := range Statuses() {
		if n := s.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	what := "undo"
	if s.DryRun {
		what = "undo plan (dry run, nothing sent)"
	}
	msg := fmt.Sprintf("%s: %d lines: %s; %d requests in %s; report %s", what, s.Lines, strings.Join(parts, ", "),
		s.Requests, s.Elapsed.Round(time.Millisecond), s.Report)
	if s.Kept != "" {
		msg += fmt.Sprintf("\n  the earlier undo's record that was at %s is kept as %s", s.Report, s.Kept)
	}
	for _, e := range s.Examples {
		msg += "\n  " + e
	}
	return msg
}
