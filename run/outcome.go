package run

import (
	"errors"
	"time"
)

// The outcomes a run ends with besides "done", shared by import and undo.
// Check them with errors.Is; the run's own error says which command it was
// and what to do next ("the import was interrupted; …", "the undo stopped on a fatal API
// error: …").
var (
	// ErrInterrupted: ctx was cancelled; requests in flight were let finish
	// (Pool's Drain) and the lines not done are skipped with CodeInterrupted.
	ErrInterrupted = errors.New("interrupted")
	// ErrFatal: the API refused a request in a way no later request can
	// succeed (the token, a block past --max-wait): the run stopped and the
	// lines not done are skipped with CodeNotAttempted.
	ErrFatal = errors.New("stopped on a fatal API error")
	// ErrBadInput: the input, its mapping, a report to undo or resume, or
	// the options are not usable; it is found before anything is sent.
	ErrBadInput = errors.New("bad input")
)

// The codes of the lines a run did not finish, in a report's error_code.
const (
	CodeInterrupted    = "INTERRUPTED"     // ctx ended before the line was sent
	CodeNotAttempted   = "NOT_ATTEMPTED"   // a fatal API error stopped the run before the line
	CodeOutcomeUnknown = "OUTCOME_UNKNOWN" // a write was sent, got no usable answer, and a look-up could not settle it
)

// DefaultDrain is how long requests in flight may finish after an
// interrupt (Pool's Drain when not set).
const DefaultDrain = 30 * time.Second
