package baselinker

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

// retryAction is what call does after a failed try.
type retryAction int

const (
	retryStop  retryAction = iota // return the verdict's error
	retryPause                    // a block: the limiter holds every start; try again after it
	retryLater                    // a transient failure: try again after the verdict's wait
)

// attempt is everything call knows after a failed try — the client's
// state, no clock — so that whether and when to send again is one pure
// function (shouldRetry), in the spirit of rclone's shouldRetry.
type attempt struct {
	tries                      // the call's tries before this one
	sent                       // this one's outcome
	ending       bool          // the run is ending (interrupt): no more tries
	blockRetries int           // blocks one call may sit out
	backoff      time.Duration // the pause drawn for the next try
	budget       time.Duration // what --max-wait has left, the API's silence so far counted
	bounded      bool          // --max-wait bounds the run
}

// maxRetryAfter caps the pause a Retry-After header may ask for.
const maxRetryAfter = 10 * time.Minute

// verdict is shouldRetry's answer.
type verdict struct {
	action retryAction
	wait   time.Duration // retryLater: the pause before the next try
	err    error         // retryStop: the error call returns
}

// shouldRetry decides what follows a failed try. A block pauses (the API
// refused: nothing happened, safe even for a create) up to blockRetries
// times. A transient failure is tried again after a backoff (or the
// server's Retry-After), at most attempts times in all, unless it is a
// write that reached the server (its outcome is unknown: the caller looks
// it up) or the pause would take the run past --max-wait (what is left of
// it after the API's silence so far): a dead server ends the run within
// --max-wait, its timeouts included.
func shouldRetry(a attempt) verdict {
	var te *TransportError
	written := errors.As(a.err, &te) && te.Written
	if a.ending {
		if !a.idempotent && written {
			return verdict{err: outcomeUnknown(a, a.err)}
		}
		return verdict{err: a.err}
	}
	class := a.class
	if isRead(a.method) && class == ClassRow && !IsNotFound(a.err) && !IsRefusedParameter(a.err) {
		class = ClassRetryable // an unknown code on a read says nothing of the client: try again, then stop
	}
	switch {
	case class.Pauses():
		if a.blocks+1 > a.blockRetries {
			return verdict{err: fmt.Errorf("baselinker: %s: the %s stayed blocked through %d pauses; "+
				"wait a few minutes, lower the request rate, and check other integrations using the token: %w",
				a.method, blockedWhat(class), a.blockRetries, a.err)}
		}
		return verdict{action: retryPause}
	case class != ClassRetryable:
		return verdict{err: a.err}
	}
	wait := a.backoff
	if te != nil && te.RetryAfter > 0 {
		wait = max(wait, min(te.RetryAfter, maxRetryAfter)) // the server said how long
	}
	var tooLong error // the pause would take the run past --max-wait
	if a.bounded && wait >= a.budget {
		tooLong = fmt.Errorf("baselinker: %s: %w; last error: %w", a.method, pacer.ErrWaitedTooLong, a.err)
	}
	switch {
	case !a.idempotent && written:
		return verdict{err: outcomeUnknown(a, cmp.Or(tooLong, a.err))}
	case tooLong != nil:
		return verdict{err: tooLong}
	case a.failures+1 >= a.attempts:
		if isRead(a.method) && a.class == ClassRow {
			return verdict{err: &ReadError{Method: a.method, Err: a.err}}
		}
		return verdict{err: fmt.Errorf("baselinker: %s: gave up after %d attempts: %w", a.method, a.attempts, a.err)}
	}
	return verdict{action: retryLater, wait: wait}
}

// outcomeUnknown is the error of a create whose try a failed after it was
// written, with cause: when it went out, whether the server answered it
// was done with it, and when the server said it may come again.
func outcomeUnknown(a attempt, cause error) *OutcomeUnknownError {
	e := &OutcomeUnknownError{Method: a.method, Cause: cause, Sent: a.at, Answered: answered(a.err)}
	if te, ok := errors.AsType[*TransportError](a.err); ok && te.RetryAfter > 0 {
		from := cmp.Or(a.back, a.at) // counted from the answer, as a retry's pause is
		e.RetryAt = from.Add(min(te.RetryAfter, maxRetryAfter))
	}
	return e
}

// answered reports whether the failed try err got a whole answer that
// says the server is done with the request, so a write it carried cannot
// land later: HTTP 500 whose body is the API's JSON reply (the back end
// itself failed the request), or 429 or 503 with a Retry-After (refused,
// come back later). Not an answer: no status (a cut, a timeout), a body
// that could not be read whole or is not the API's JSON (a 200 cut short —
// the sandbox's "truncated" — shows only that the connection broke
// mid-answer, not where the back end was; a 500 page of HTML or text comes
// from a proxy, CDN or firewall in front, while the back end may go on),
// and a gateway's 502 or 504 (it gave up waiting; the back end may go on).
func answered(err error) bool {
	var te *TransportError
	if !errors.As(err, &te) || te.NoAnswer || te.Cause != nil {
		return false
	}
	switch te.Status {
	case http.StatusInternalServerError:
		return te.Replied
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return te.RetryAfter > 0
	}
	return false
}
