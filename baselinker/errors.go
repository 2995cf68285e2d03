package baselinker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// APIError is an answer with "status": "ERROR". Code and Message are kept
// verbatim for reports.
type APIError struct {
	Method  string // API method, e.g. "addCrmClient"
	Code    string // error_code, verbatim
	Message string // error_message, verbatim
}

func (e *APIError) Error() string {
	return fmt.Sprintf("baselinker: %s: the API answered %s: %s", e.Method, e.Code, e.Message)
}

// ErrBadResponse is the cause of a TransportError whose answer was not the
// JSON the API documents (an HTML error page, a truncated body, …).
var ErrBadResponse = errors.New("the answer is not the API's JSON")

// TransportError is a failure to get an answer: the connection, the HTTP
// status, or a body that is not the API's JSON.
type TransportError struct {
	Method string
	// Status is the HTTP status code, 0 if no response came.
	Status int
	// Written reports that the whole request was written to the connection,
	// so the server may have acted on it.
	Written bool
	Cause   error
}

func (e *TransportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "baselinker: %s: ", e.Method)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
		if e.Cause != nil {
			b.WriteString(": ")
		}
	} else if e.Written {
		b.WriteString("request sent, no answer: ")
	} else {
		b.WriteString("request not sent: ")
	}
	if e.Cause != nil {
		b.WriteString(e.Cause.Error())
	}
	switch s := e.Status; {
	case s == http.StatusUnauthorized, s == http.StatusForbidden:
		b.WriteString(" (check the API token)")
	case s >= 300 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests:
		b.WriteString(" (check the API endpoint address)")
	case s >= 500:
		b.WriteString(" (the API is having trouble; try again later)")
	}
	return b.String()
}

func (e *TransportError) Unwrap() error { return e.Cause }

// ErrOutcomeUnknown is matched (errors.Is) by an OutcomeUnknownError.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// OutcomeUnknownError is returned when a create (addCrmClient without an ID)
// reached the server but no valid answer came back: the client may or may
// not exist now. It is not retried; look the client up by its key before
// sending it again.
type OutcomeUnknownError struct {
	Method string
	Cause  error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("baselinker: %s: the request reached the server but no valid answer came back (%v); "+
		"it may or may not have taken effect — look the client up before sending it again", e.Method, e.Cause)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Class says what a caller should do about an error.
type Class int

const (
	// ClassRow: this request failed (bad data, unknown client, …); report it
	// for the row and go on with the next one.
	ClassRow Class = iota
	// ClassRetryable: a transient failure; the same request may succeed later.
	ClassRetryable
	// ClassBlocked: the token is blocked for exceeding the request limit;
	// pause everything, then retry.
	ClassBlocked
	// ClassFatal: no request can succeed (authentication, wrong endpoint,
	// cancelled run): stop the whole run.
	ClassFatal
)

func (c Class) String() string {
	switch c {
	case ClassRow:
		return "row"
	case ClassRetryable:
		return "retryable"
	case ClassBlocked:
		return "blocked"
	case ClassFatal:
		return "fatal"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// codeClass is the table of API error codes with a class other than
// ClassRow. The codes are partly unverified (see shared/api/README.md):
// a wrong guess is a one-line change here.
func codeClass(code string) Class {
	switch code {
	case "ERROR_BLOCKED_TOKEN":
		return ClassBlocked
	}
	if strings.Contains(code, "TOKEN") { // ERROR_EMPTY_TOKEN, ERROR_BAD_TOKEN, any other: authentication
		return ClassFatal
	}
	return ClassRow
}

// Classify returns the class of an error returned by API methods:
// authentication failures (token codes, HTTP 401/403) and cancellation are
// ClassFatal; ERROR_BLOCKED_TOKEN is ClassBlocked; transport failures, 5xx,
// broken JSON and timeouts are ClassRetryable; any other API error, an
// OutcomeUnknownError (it needs a look-up, not a blind retry) and a nil or
// unrecognised error are ClassRow.
func Classify(err error) Class {
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		return ClassRow
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return codeClass(ae.Code)
	}
	if errors.Is(err, context.Canceled) {
		return ClassFatal
	}
	var te *TransportError
	if errors.As(err, &te) {
		switch s := te.Status; {
		case s == http.StatusUnauthorized, s == http.StatusForbidden:
			return ClassFatal
		case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s >= 500:
			return ClassRetryable
		case s >= 300: // redirects, 404 and the like: a wrong endpoint, every request fails alike
			return ClassFatal
		}
		return ClassRetryable
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || errors.Is(err, ErrBadResponse) {
		return ClassRetryable
	}
	return ClassRow
}
