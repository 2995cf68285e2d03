package sandbox

// Error codes the sandbox answers with. Only ERROR_BLOCKED_TOKEN is seen in
// the vendor's public material; ERROR_EMPTY_TOKEN and ERROR_BAD_TOKEN are
// named by public clients; every other code is the sandbox's choice,
// unverified against the real API (see docs/sandbox.md). A client should key
// its behaviour on the class of an error, never on these exact strings.
const (
	// CodeEmptyToken: the X-BLToken header is missing or empty. Not counted
	// against the limit.
	CodeEmptyToken = "ERROR_EMPTY_TOKEN"
	// CodeBadToken: the token is not the configured one. Not counted.
	CodeBadToken = "ERROR_BAD_TOKEN"
	// CodeBlockedToken: more than Limit requests in a Window; the token is
	// blocked for BlockFor.
	CodeBlockedToken = "ERROR_BLOCKED_TOKEN"
	// CodeBadRequest: not a POST, or a body that is not a form.
	CodeBadRequest = "ERROR_BAD_REQUEST"
	// CodeUnknownMethod: the method field is empty or names no method.
	CodeUnknownMethod = "ERROR_UNKNOWN_METHOD"
	// CodeParseJSON: the parameters field is not a JSON object (the live
	// API's code, sometimes with an empty message).
	CodeParseJSON = "ERROR_PARSE_JSON_PARAMETERS"
	// CodeAccountBlocked: the whole account is blocked (AccountBlockAfter).
	CodeAccountBlocked = "ERROR_USER_ACCOUNT_BLOCKED"
	// CodeInternal: a transient error on a read (ReadErrors), a code a
	// client does not know; nothing was applied.
	CodeInternal = "ERROR_INTERNAL"
	// CodeUnknownParameter: a parameter the method does not document.
	CodeUnknownParameter = "ERROR_UNKNOWN_PARAMETER"
	// CodeParameterType: a parameter of the wrong JSON type (e.g. an object
	// where an int or a text is expected, a non-numeric string for an int).
	CodeParameterType = "ERROR_PARAMETER_TYPE"
	// CodeMissingParameter: a required parameter is absent.
	CodeMissingParameter = "ERROR_MISSING_PARAMETER"
	// CodeInvalidValue: addCrmClient refused a value (length, country code,
	// range, integer); nothing was stored.
	CodeInvalidValue = "ERROR_INVALID_VALUE"
	// CodeClientNotFound: no CRM client has the given crm_client_id.
	CodeClientNotFound = "ERROR_CRM_CLIENT_NOT_FOUND"
)

// Fault is a kind of transport failure the sandbox injects.
type Fault string

// The four fault kinds.
const (
	// FaultHTTP500: an HTTP 500 with a non-JSON body; nothing applied.
	FaultHTTP500 Fault = "http500"
	// FaultCutBefore: the connection is closed before the request is
	// applied and before any answer byte is written.
	FaultCutBefore Fault = "cut_before"
	// FaultCutAfter: the request is applied (a write is stored), then the
	// connection is closed without an answer: the client never learns it
	// succeeded.
	FaultCutAfter Fault = "cut_after"
	// FaultTruncated: the request is applied, the answer is cut mid-JSON
	// (a well-formed HTTP 200 whose body is the first half of the JSON).
	FaultTruncated Fault = "truncated"
)

// AllFaults returns the four fault kinds, the default of Config.Faults.
func AllFaults() []Fault {
	return []Fault{FaultHTTP500, FaultCutBefore, FaultCutAfter, FaultTruncated}
}
