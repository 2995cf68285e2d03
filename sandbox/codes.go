package sandbox

// Error codes the sandbox answers with. Only ERROR_BLOCKED_TOKEN is seen in
// the vendor's public material; ERROR_EMPTY_TOKEN and ERROR_BAD_TOKEN are
// named by public clients; every other code is the sandbox's choice,
// unverified against the real API (see docs/sandbox.md). A client should key
// its behaviour on the class of an error, never on these exact strings.
const (
	CodeEmptyToken       = "ERROR_EMPTY_TOKEN"           // no X-BLToken header; not counted against the limit
	CodeBadToken         = "ERROR_BAD_TOKEN"             // not the configured token; not counted
	CodeBlockedToken     = "ERROR_BLOCKED_TOKEN"         // more than Limit requests in a Window: blocked for BlockFor
	CodeBadRequest       = "ERROR_BAD_REQUEST"           // not a POST, or a body that is not a form
	CodeUnknownMethod    = "ERROR_UNKNOWN_METHOD"        // the method field is empty or names no method
	CodeParseJSON        = "ERROR_PARSE_JSON_PARAMETERS" // parameters is not one JSON object (the live API's code)
	CodeAccountBlocked   = "ERROR_USER_ACCOUNT_BLOCKED"  // the whole account is blocked (AccountBlockAfter)
	CodeInternal         = "ERROR_INTERNAL"              // a transient error on a read (ReadErrors); nothing applied
	CodeUnknownParameter = "ERROR_UNKNOWN_PARAMETER"     // a parameter the method does not document
	CodeParameterType    = "ERROR_PARAMETER_TYPE"        // a parameter of the wrong JSON type
	CodeMissingParameter = "ERROR_MISSING_PARAMETER"     // a required parameter is absent
	CodeInvalidValue     = "ERROR_INVALID_VALUE"         // addCrmClient refused a value; nothing stored
	CodeClientNotFound   = "ERROR_CRM_CLIENT_NOT_FOUND"  // no CRM client has the given crm_client_id
)

// Fault is a kind of transport failure the sandbox injects.
type Fault string

// The four fault kinds (docs/sandbox.md, "Faults").
const (
	FaultHTTP500   Fault = "http500"    // an HTTP 500 with a non-JSON body; nothing applied
	FaultCutBefore Fault = "cut_before" // the connection closes before the request is applied
	FaultCutAfter  Fault = "cut_after"  // the request is applied, then the connection closes unanswered
	FaultTruncated Fault = "truncated"  // the request is applied; the answer is the first half of its JSON
)

// AllFaults returns the four fault kinds, the default of Config.Faults.
func AllFaults() []Fault {
	return []Fault{FaultHTTP500, FaultCutBefore, FaultCutAfter, FaultTruncated}
}
