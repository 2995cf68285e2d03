package baselinker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Warsaw for "blocked until", on every system

	"github.com/crmbulk/crmbulk/baselinker/pacer"
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
	// RetryAfter is the wait a 429 or 503 answer asked for (its
	// Retry-After header), 0 if none.
	RetryAfter time.Duration
	// NoAnswer: the request was cut at its timeout without an answer.
	NoAnswer bool
	// Replied: the body of an error status was the API's JSON reply (an
	// object with its status field), so the API's back end answered — not
	// a proxy, CDN or firewall in front of it with a page of its own.
	Replied bool
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

// ErrNoClientID is matched (with ErrOutcomeUnknown) by a create the API
// answered SUCCESS without a usable crm_client_id: the client was most
// likely made, only its ID is not known. Sending it again would make a
// second one; the caller looks it up once and otherwise leaves it unknown.
var ErrNoClientID = errors.New("SUCCESS without a usable crm_client_id")

// OutcomeUnknownError is returned when a create (addCrmClient without an ID)
// reached the server but no valid answer came back: the client may or may
// not exist now. It is not retried; look the client up by its key before
// sending it again.
type OutcomeUnknownError struct {
	Method string
	Cause  error
	// Sent is when the try whose answer was lost went out (zero: not
	// known): a create the server is still making may land until its own
	// time limit after it, so the caller looks it up only then.
	Sent time.Time
	// Answered: a whole answer came back that says the server is done with
	// the request — HTTP 500 with the API's JSON reply, or 429/503 with a
	// Retry-After — so whatever the create did, it did before that answer
	// (see answered in retry.go) and a look-up may go at once. When false
	// the create may still land after its error came back: no answer came
	// (a cut connection, a timeout, a body cut short) or a gateway answered
	// (502, 504: the back end may still run), so a look-up waits until the
	// server's own time limit after Sent has passed.
	Answered bool
	// RetryAt is when the server said the request may be sent again: its
	// Retry-After counted from its answer, bounded as a retry bounds it
	// (zero: it said nothing). A look-up and a new send wait until then.
	RetryAt time.Time
}

// NoUsableAnswer is what a write whose outcome is unknown got back, said
// when no more is known of it (a send an earlier run's journal left
// open): "the create was sent but " + NoUsableAnswer.
const NoUsableAnswer = "got no usable answer"

// Got says what the create got back, in the words of the lines of every
// command ("the create was sent but " + Got()): NoUsableAnswer when an
// HTTP answer came that it cannot use — the server's own (Answered: a 500
// with the API's JSON, a 429/503 with Retry-After, SUCCESS without an ID)
// or one from in front of it (a gateway's 502/504, a page that is not the
// API's JSON, a body cut short) — and "its answer never came" when none
// came at all (a connection cut, a timeout). A nil e (the error is not an
// OutcomeUnknownError) says NoUsableAnswer.
func (e *OutcomeUnknownError) Got() string {
	var te *TransportError
	if e == nil || e.Answered || errors.As(e.Cause, &te) && te.Status != 0 {
		return NoUsableAnswer
	}
	return "its answer never came"
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("baselinker: %s: the request reached the server but no valid answer came back (%v); "+
		"it may or may not have taken effect — look the client up before sending it again", e.Method, e.Cause)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Class says what a caller should do about an error.
//
// The taxonomy, from the vendor's pages and what public clients and live
// tests show (shared/api/README.md); what the client, the importer and the
// exporter do with each class:
//
//	class            evidence                                   client (call)                    importer / exporter
//	ClassBlocked     ERROR_BLOCKED_TOKEN, "blocked until T"      every worker pauses until T (+1 s) or a backoff; retried   the row waits; nothing is lost
//	ClassAccount…    ERROR_USER_ACCOUNT_BLOCKED, or any message  the same pause as a token block                        the same
//	                 naming a query limit or "blocked until"
//	ClassFatal       ERROR_EMPTY_TOKEN, ERROR_BAD_TOKEN, *TOKEN*, returned at once                                   the run stops; rows not done are skipped
//	                 HTTP 401/403, a wrong endpoint; a read the
//	                 API keeps refusing with an unknown code;
//	                 blocks longer than --max-wait in all
//	ClassBug         ERROR_PARSE_JSON_PARAMETERS,                returned at once, never retried                       the run stops: a crmbulk bug to report
//	                 ERROR_UNKNOWN_METHOD
//	ClassRetryable   5xx, a cut connection, a body that is not   retried with backoff (a create only when nothing     the row fails after the retries
//	                 the API's JSON, timeouts; an unknown code    was written); a read's unknown code a few times
//	                 on a read
//	ClassRow         any other code on a write (a refused value) returned verbatim                                 the row's report line keeps it
//	ClassRow         a code naming a PARAMETER on a read         returned at once, never retried                       the exporter's probe of
//	(IsRefusedParameter) (ERROR_UNKNOWN_PARAMETER: the request                                                     include_custom_extra_fields falls
//	                 itself was refused)                                                                           back; elsewhere the run stops
//
// A client is "gone" (deleted during an export) only on a not-found code
// (IsNotFound), which the exporter then checks with the list.
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
	// cancelled run, a read the API keeps refusing): stop the whole run.
	ClassFatal
	// ClassAccountBlocked: the whole account is blocked (its panel too);
	// pause everything as for ClassBlocked, never a row error.
	ClassAccountBlocked
	// ClassBug: the API could not read the request (its JSON, its method):
	// a bug of crmbulk's. Stop; retrying row after row cannot help.
	ClassBug
)

func (c Class) String() string {
	names := [...]string{ClassRow: "row", ClassRetryable: "retryable", ClassBlocked: "blocked",
		ClassFatal: "fatal", ClassAccountBlocked: "account blocked", ClassBug: "bug"}
	if c >= 0 && int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Pauses reports whether the class pauses every worker (a block).
func (c Class) Pauses() bool { return c == ClassBlocked || c == ClassAccountBlocked }

// Stops reports whether the class ends the whole run.
func (c Class) Stops() bool { return c == ClassFatal || c == ClassBug }

// codeClass is the table of API error codes with a class other than
// ClassRow. The codes are partly unverified (see shared/api/README.md):
// a wrong guess is a one-line change here.
func codeClass(code, message string) Class {
	switch code {
	case "ERROR_BLOCKED_TOKEN":
		return ClassBlocked
	case "ERROR_USER_ACCOUNT_BLOCKED":
		return ClassAccountBlocked
	case "ERROR_PARSE_JSON_PARAMETERS", "ERROR_UNKNOWN_METHOD":
		return ClassBug
	}
	if strings.Contains(code, "TOKEN") { // ERROR_EMPTY_TOKEN, ERROR_BAD_TOKEN, any other: authentication
		return ClassFatal
	}
	if m := strings.ToLower(message); strings.Contains(m, "limit exceeded") || strings.Contains(m, "blocked until") {
		return ClassAccountBlocked // whatever its code: a block, never a row error
	}
	return ClassRow
}

// IsNotFound reports whether err is the API saying the client does not
// exist (a code naming NOT_FOUND): the one answer that may mean a client
// was deleted.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && strings.Contains(ae.Code, "NOT_FOUND")
}

// IsRefusedParameter reports whether err is the API refusing a parameter
// of the request (a code naming a PARAMETER, ERROR_UNKNOWN_PARAMETER and
// kin, other than unreadable JSON): sending the same request again cannot
// help, so it is not retried.
func IsRefusedParameter(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && strings.Contains(ae.Code, "PARAMETER") && codeClass(ae.Code, ae.Message) == ClassRow
}

// IsAuth reports whether err is the API refusing the token (a token code
// other than a block, HTTP 401 or 403): the one fatal error that is the
// token's fault.
func IsAuth(err error) bool {
	if ae, ok := errors.AsType[*APIError](err); ok {
		return strings.Contains(ae.Code, "TOKEN") && codeClass(ae.Code, ae.Message) == ClassFatal
	}
	te, ok := errors.AsType[*TransportError](err)
	return ok && (te.Status == http.StatusUnauthorized || te.Status == http.StatusForbidden)
}

// ReadError is a read the API kept refusing with a code that says nothing
// of the client, after the retries: the run cannot go on without it, and
// the client is not to be taken for deleted.
type ReadError struct {
	Method string
	Err    error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("baselinker: %s kept failing (%v); the run stops rather than go on without the answer — try again later", e.Method, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// warsaw is the zone of the API's "blocked until" times (the vendor is
// Polish; public clients read them as local time).
var warsaw = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil { // time/tzdata is linked in, so this does not happen
		return time.FixedZone("CET", 3600)
	}
	return loc
})

var untilRE = regexp.MustCompile(`(?i)until\s+(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})`)

// maxStatedBlock bounds a stated end: one further away than this (or in
// the past) is not believed, and the block is waited out by backoff.
const maxStatedBlock = time.Hour

// BlockedUntil returns the end of a block that err states ("… token blocked
// until 2022-05-03 17:15:34", Europe/Warsaw), when it is in the future and
// at most an hour ahead of now.
func BlockedUntil(err error, now time.Time) (time.Time, bool) {
	ae, ok := errors.AsType[*APIError](err)
	if !ok {
		return time.Time{}, false
	}
	m := untilRE.FindStringSubmatch(ae.Message)
	if m == nil {
		return time.Time{}, false
	}
	t, perr := time.ParseInLocation("2006-01-02 15:04:05", strings.Replace(m[1], "T", " ", 1), warsaw())
	if perr != nil || !t.After(now) || t.Sub(now) > maxStatedBlock {
		return time.Time{}, false
	}
	return t, true
}

// Classify returns the class of an error returned by API methods (see the
// table on Class). A nil or unrecognised error, and an OutcomeUnknownError
// (it needs a look-up, not a blind retry), are ClassRow.
func Classify(err error) Class {
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		return ClassRow
	}
	if _, ok := errors.AsType[*ReadError](err); ok || errors.Is(err, pacer.ErrWaitedTooLong) {
		return ClassFatal
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		return codeClass(ae.Code, ae.Message)
	}
	if errors.Is(err, context.Canceled) {
		return ClassFatal
	}
	if te, ok := errors.AsType[*TransportError](err); ok {
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
	if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrBadResponse) {
		return ClassRetryable
	}
	return ClassRow
}
