package baselinker

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/internal/chars"
)

// DefaultEndpoint is the API's one endpoint.
const DefaultEndpoint = "https://api.baselinker.com/connector.php"

// PageSize is the number of clients on a full getCrmClients page (the
// documented 100); a shorter page is the last.
const PageSize = 100

// Defaults of New.
const (
	DefaultTimeout    = 90 * time.Second // one request, answer read included
	DefaultBlockRetry = 5                // pauses on ERROR_BLOCKED_TOKEN before giving up
	DefaultRateLimit  = 100              // requests per minute per token
	maxAnswerBytes    = 32 << 20
	bodySnippetLen    = 40
)

// Stats counts what an API sent.
type Stats struct {
	Requests int64 // HTTP requests sent (retries included)
}

// API is a client of the Base (BaseLinker) API. It is safe for concurrent
// use; every request, retries included, first waits for its Limiter.
type API struct {
	endpoint string
	// token is behind a pointer so that printing an API by mistake shows an
	// address, not the secret (fmt cannot call Token's methods on an
	// unexported field).
	token        *Token
	hc           *http.Client
	limiter      *pacer.Limiter
	backoff      pacer.Backoff
	blockRetries int
	log          *slog.Logger
	version      string // in the User-Agent
	timeout      time.Duration
	requests     atomic.Int64 // HTTP requests sent (retries included)

	mu      sync.Mutex
	flights map[*flight]bool // requests sent and not answered yet, for Waiting
	retryAt time.Time        // the end of the latest pause before a retry, for Waiting
	retryIs string           // what that retry is and why
}

// flight is a request on the wire.
type flight struct {
	method  string
	start   time.Time
	timeout time.Duration
}

// Option configures an API.
type Option func(*API)

// WithHTTPClient sets the HTTP client. Redirects are never followed (they
// would carry the token elsewhere), whatever the client says.
func WithHTTPClient(c *http.Client) Option { return func(a *API) { a.hc = c } }

// WithLimiter sets the request pacer (default pacer.New(100)). Share one
// Limiter between all APIs that use the same token.
func WithLimiter(l *pacer.Limiter) Option { return func(a *API) { a.limiter = l } }

// WithRetry sets the retry policy for transient failures (default
// pacer.DefaultBackoff(): 5 attempts, full jitter). Leave b.Rand nil unless
// the API is used from one goroutine only.
func WithRetry(b pacer.Backoff) Option { return func(a *API) { a.backoff = b } }

// WithBlockRetries sets how many ERROR_BLOCKED_TOKEN pauses one call sits out
// before it returns the error (default 5).
func WithBlockRetries(n int) Option { return func(a *API) { a.blockRetries = n } }

// WithLogger sets the logger (default: discard). One debug line per request.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithVersion sets the User-Agent to "crmbulk/<version> (+Go)".
func WithVersion(version string) Option { return func(a *API) { a.version = version } }

// WithTimeout bounds one request, reading the answer included (default 90 s).
func WithTimeout(d time.Duration) Option { return func(a *API) { a.timeout = d } }

// New returns a client of the API at endpoint ("" is DefaultEndpoint).
// Plain http:// is refused unless the host is loopback (a local emulator):
// the token would travel in clear text.
func New(endpoint string, token Token, opts ...Option) (*API, error) {
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("API endpoint: %w; give a full https:// address", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("API endpoint %s: plain http would send the token unencrypted; use https "+
				"(http is accepted only for localhost, 127.0.0.0/8 and ::1)", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("API endpoint %s: scheme %q not supported; use https://", u.Redacted(), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("API endpoint %s: no host; give a full https:// address", u.Redacted())
	}
	if token == "" {
		return nil, fmt.Errorf("%w: set %s or give a token file", ErrNoToken, TokenEnv)
	}
	if err := checkToken(token.Reveal()); err != nil {
		return nil, err
	}
	a := &API{
		endpoint:     u.String(),
		token:        &token,
		backoff:      pacer.DefaultBackoff(),
		blockRetries: DefaultBlockRetry,
		version:      "dev",
		timeout:      DefaultTimeout,
		flights:      map[*flight]bool{},
	}
	for _, o := range opts {
		o(a)
	}
	hc := *cmp.Or(a.hc, DefaultHTTPClient()) // a copy: never follow redirects with the token
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	a.hc = &hc
	a.limiter = cmp.Or(a.limiter, pacer.New(DefaultRateLimit))
	a.log = cmp.Or(a.log, slog.New(slog.DiscardHandler))
	a.timeout = cmp.Or(max(a.timeout, 0), DefaultTimeout)
	a.blockRetries = max(a.blockRetries, 0)
	return a, nil
}

// DefaultHTTPClient returns the client New uses by default. It sets no
// overall timeout: WithTimeout's duration (default 90 s) bounds each
// request through its context, so that option is the one knob.
func DefaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

func isLoopback(host string) bool {
	return strings.EqualFold(host, "localhost") || net.ParseIP(host).IsLoopback() // not an IP: nil, not loopback
}

// String describes the API without its token.
func (a *API) String() string { return "baselinker.API{" + a.endpoint + "}" }

// Format implements fmt.Formatter: every verb, %#v included, prints String.
func (a *API) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, a.String()) }

// LogValue implements slog.LogValuer.
func (a *API) LogValue() slog.Value { return slog.StringValue(a.String()) }

// Account names the account this client talks to by its token — a hash,
// never the token — so that files kept by one run (an export's details, an
// import's report) are not resumed or undone with another token.
func (a *API) Account() string {
	sum := sha256.Sum256([]byte("crmbulk account\x00" + a.token.Reveal()))
	return hex.EncodeToString(sum[:8])
}

// Limiter returns the pacer every request waits for.
func (a *API) Limiter() *pacer.Limiter { return a.limiter }

// Stats returns the count of requests sent so far.
func (a *API) Stats() Stats { return Stats{Requests: a.requests.Load()} }

// GetCrmClients returns page (from 1) of the clients matching f; a page
// holds up to 100 clients, a shorter page is the last one.
func (a *API) GetCrmClients(ctx context.Context, page int, f Filters) ([]Client, error) {
	return a.listClients(ctx, page, f, false)
}

// GetCrmClientsWithExtraFields is GetCrmClients asking the list for each
// client's custom extra fields (include_custom_extra_fields), which one
// vendor page says the list takes and the list's own page does not name.
// An API that ignores the parameter answers without them: a client's
// CustomExtraFields is then nil, where an answer that carries them gives a
// non-nil map, empty for a client with none.
func (a *API) GetCrmClientsWithExtraFields(ctx context.Context, page int, f Filters) ([]Client, error) {
	return a.listClients(ctx, page, f, true)
}

func (a *API) listClients(ctx context.Context, page int, f Filters, extra bool) ([]Client, error) {
	if page < 1 {
		return nil, fmt.Errorf("baselinker: getCrmClients: page %d; pages are numbered from 1", page)
	}
	p := map[string]any{"page": page}
	if extra {
		p["include_custom_extra_fields"] = true
	}
	f.params(p)
	var out struct {
		Clients json.RawMessage `json:"clients"`
	}
	if err := a.call(ctx, "getCrmClients", p, true, &out); err != nil {
		return nil, err
	}
	// The documented answer always has the list ([] or {} when empty): an
	// answer without it says nothing of which clients exist, and must not
	// pass for "none" (a look-up would take it as proof a create was lost).
	if raw := bytes.TrimSpace(out.Clients); len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, badAnswer("getCrmClients", http.StatusOK, errors.New("the answer has no clients list"))
	}
	clients, err := decodeList[Client](out.Clients, func(c Client) int64 { return int64(c.CrmClientID) })
	if err != nil {
		return nil, badAnswer("getCrmClients", http.StatusOK, fmt.Errorf("clients: %w", a.scrubErr(err)))
	}
	return clients, nil
}

// AddCrmClient creates (f.ID == 0) or updates (f.ID > 0) a client and
// returns its ID. An update is retried on transient failures; a create only
// when the request certainly never reached the server — otherwise an
// *OutcomeUnknownError (errors.Is(err, ErrOutcomeUnknown)) is returned and
// the caller must look the client up before sending it again.
func (a *API) AddCrmClient(ctx context.Context, f ClientFields) (int64, error) {
	r, err := a.AddCrmClientResult(ctx, f)
	return r.ID, err
}

// Added is addCrmClient's answer: the client's ID and the warnings a
// SUCCESS may carry (verbatim, in the account's language).
type Added struct {
	ID       int64
	Warnings []string
}

// AddCrmClientResult is AddCrmClient with the whole answer.
func (a *API) AddCrmClientResult(ctx context.Context, f ClientFields) (Added, error) {
	params, err := f.Params()
	if err != nil {
		return Added{}, err
	}
	var out struct {
		ID       Int      `json:"crm_client_id"`
		Warnings Warnings `json:"warnings"`
	}
	if err := a.call(ctx, "addCrmClient", params, f.ID > 0, &out); err != nil {
		return Added{}, err
	}
	var w []string // nil when there are none
	for _, s := range out.Warnings {
		w = append(w, a.scrub(s))
	}
	if out.ID <= 0 {
		if f.ID > 0 {
			return Added{ID: f.ID, Warnings: w}, nil // an update: the ID is known
		}
		return Added{}, &OutcomeUnknownError{Method: "addCrmClient", Cause: badAnswer("addCrmClient", http.StatusOK, ErrNoClientID),
			Answered: true} // the server answered: it is done with the create
	}
	return Added{ID: int64(out.ID), Warnings: w}, nil
}

// ExtraFieldDef is one custom extra field of the account
// (getCrmClientExtraFields). Its JSON is the one of an Account's list.
type ExtraFieldDef struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	EditorType string   `json:"type"`              // text, number, select, checkbox, radio, date, file
	Options    []string `json:"options,omitempty"` // the allowed values, for select, checkbox and radio
}

// GetCrmClientExtraFields returns the account's custom extra fields, by ID.
func (a *API) GetCrmClientExtraFields(ctx context.Context) ([]ExtraFieldDef, error) {
	var out struct {
		Fields map[string]struct {
			ID         Int               `json:"extra_field_id"`
			Name       lenientString     `json:"name"`
			EditorType lenientString     `json:"editor_type"`
			Options    []json.RawMessage `json:"options"`
		} `json:"extra_fields"`
	}
	if err := a.call(ctx, "getCrmClientExtraFields", map[string]any{}, true, &out); err != nil {
		return nil, err
	}
	defs := make([]ExtraFieldDef, 0, len(out.Fields))
	for k, f := range out.Fields {
		d := ExtraFieldDef{ID: int64(f.ID), Name: string(f.Name), EditorType: string(f.EditorType)}
		if d.ID == 0 {
			d.ID, _ = strconv.ParseInt(k, 10, 64)
		}
		for _, o := range f.Options {
			d.Options = append(d.Options, textOf(o))
		}
		defs = append(defs, d)
	}
	slices.SortFunc(defs, func(a, b ExtraFieldDef) int { return cmp.Compare(a.ID, b.ID) })
	return defs, nil
}

// DeleteCrmClient removes the client with id (orders linked to it stay).
// It is not idempotent from the caller's side: a lost answer may have
// deleted the client, so a retry after a cut connection is not sent; the
// error then matches ErrOutcomeUnknown.
func (a *API) DeleteCrmClient(ctx context.Context, id int64) error {
	if id <= 0 {
		return fmt.Errorf("baselinker: deleteCrmClient: crm_client_id %d is not a client ID", id)
	}
	return a.call(ctx, "deleteCrmClient", map[string]any{"crm_client_id": id}, false, nil)
}

// GetCrmClientData returns one client with its notes and, if asked, its
// custom extra fields.
func (a *API) GetCrmClientData(ctx context.Context, id int64, includeCustomExtraFields bool) (Client, error) {
	p := map[string]any{"crm_client_id": id}
	if includeCustomExtraFields {
		p["include_custom_extra_fields"] = true
	}
	var raw json.RawMessage
	if err := a.call(ctx, "getCrmClientData", p, true, &raw); err != nil {
		return Client{}, err
	}
	c, err := decodeClientData(raw)
	if err != nil {
		return Client{}, badAnswer("getCrmClientData", http.StatusOK, a.scrubErr(err))
	}
	return c, nil
}

// decodeClientData accepts the client's fields at the top level of the
// answer (as the emulator answers) or under "client" (unverified
// alternative).
func decodeClientData(raw []byte) (Client, error) {
	var probe struct {
		Client json.RawMessage `json:"client"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Client{}, err
	}
	if b := bytes.TrimSpace(probe.Client); len(b) > 0 && b[0] == '{' {
		raw = b
	}
	var c Client
	if err := json.Unmarshal(raw, &c); err != nil {
		return Client{}, err
	}
	return c, nil
}

// Status is one CRM client status.
type Status struct {
	ID        Int    `json:"id"`
	Name      string `json:"name"`
	Color     string `json:"color"`
	GroupID   Int    `json:"group_id"`
	IsPrimary bool   `json:"is_primary"`
}

// UnmarshalJSON decodes is_primary leniently: true/false, 0/1, "0"/"1".
func (s *Status) UnmarshalJSON(b []byte) error {
	type plain Status
	var aux struct {
		plain
		IsPrimary lenientBool `json:"is_primary"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*s = Status(aux.plain)
	s.IsPrimary = bool(aux.IsPrimary)
	return nil
}

// GetCrmClientStatuses returns the account's client statuses.
func (a *API) GetCrmClientStatuses(ctx context.Context) ([]Status, error) {
	var out struct {
		Statuses json.RawMessage `json:"statuses"`
	}
	if err := a.call(ctx, "getCrmClientStatuses", map[string]any{}, true, &out); err != nil {
		return nil, err
	}
	st, err := decodeList[Status](out.Statuses, func(s Status) int64 { return int64(s.ID) })
	if err != nil {
		return nil, badAnswer("getCrmClientStatuses", http.StatusOK, fmt.Errorf("statuses: %w", a.scrubErr(err)))
	}
	return st, nil
}

// call sends method with params, retrying as shouldRetry decides, and
// decodes a SUCCESS answer into out. idempotent says whether a request that
// reached the server may be sent again. Each try is: wait for the limiter,
// tell ctx's OnTry hook, send, and on a failure tell the limiter of a block, decide, and follow
// the verdict.
func (a *API) call(ctx context.Context, method string, params any, idempotent bool, out any) error {
	pj, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("baselinker: %s: encoding the parameters: %w", method, err)
	}
	form := url.Values{"method": {method}, "parameters": {string(pj)}}.Encode()
	c := attempt{tries: tries{method: method, idempotent: idempotent, attempts: max(a.backoff.Attempts, 1),
		starts: startsOf(ctx)}, blockRetries: a.blockRetries} // no request starts once ctx ends (InFlight)
	for try := 1; ; try++ {
		if err := a.limiter.Wait(c.starts); err != nil {
			return fmt.Errorf("baselinker: %s: %w", method, err)
		}
		if err := tryStarts(ctx); err != nil {
			return fmt.Errorf("baselinker: %s: not sent: %w", method, err)
		}
		if c.sent = a.send(ctx, method, form, try, out); c.err == nil {
			return nil
		}
		c.ending = ctx.Err() != nil || c.starts.Err() != nil
		if c.class.Pauses() && !c.ending {
			a.block(ctx, method, c.class, c.err)
		}
		c.backoff = a.backoff.Delay(c.failures + 1)
		c.budget, c.bounded = a.limiter.Budget()
		if err := a.follow(ctx, &c, shouldRetry(c)); err != nil {
			return err
		}
	}
}

// tries is what one call keeps between its tries.
type tries struct {
	method     string
	idempotent bool            // a request that reached the server may be sent again
	attempts   int             // tries allowed for transient failures (≥ 1)
	failures   int             // transient failures so far
	blocks     int             // blocks sat out so far
	starts     context.Context // when a try may still start
}

// sent is the outcome of one try.
type sent struct {
	err     error
	class   Class
	timeout time.Duration // the time the try was given
	at      time.Time     // when it went out
	back    time.Time     // when its answer (or failure) came
}

// send makes one try: it counts it, sends it within the request timeout
// (cut to what --max-wait leaves), logs it, and tells the limiter whether
// the API answered.
func (a *API) send(ctx context.Context, method, form string, try int, out any) sent {
	a.requests.Add(1)
	start := time.Now()
	timeout := a.timeout
	if left, bounded := a.limiter.Budget(); bounded && left < timeout {
		timeout = max(left, time.Millisecond) // a dead server ends the run within --max-wait
	}
	done := a.fly(method, start, timeout)
	err := a.once(ctx, method, form, timeout, out)
	done()
	back := time.Now()
	class := Classify(err)
	a.logRequest(ctx, method, try, time.Since(start), err, class)
	a.heard(ctx, method, err, class, start)
	return sent{err: err, class: class, timeout: timeout, at: start, back: back}
}

// heard tells the limiter how a try ended: no answer counts toward
// --max-wait; an answer that is not a block lets the others go on after a
// block (said once per block, not once per worker). A try its caller cut
// (ctx ended: Ctrl-C, or a page the walk read ahead of the last) says
// nothing of the API: it is neither an answer nor a silence.
func (a *API) heard(ctx context.Context, method string, err error, class Class, start time.Time) {
	switch te := (*TransportError)(nil); {
	case errors.As(err, &te) && ctx.Err() != nil: // cut by the caller, not unanswered
	case te != nil:
		a.limiter.Failing(time.Since(start)) // no answer: the API's silence counts toward --max-wait
	default:
		a.limiter.Heard()
	}
	if class.Pauses() {
		return
	}
	// A probe after a block with no stated end came back: the others may go.
	if now, full, resumed := a.limiter.Answered(); resumed {
		a.log.LogAttrs(ctx, slog.LevelInfo, fmt.Sprintf("the block is over: requests go on at %d per %s, back to %d step by step",
			now, a.limiter.Window(), full), slog.String("method", method))
	}
}

// ResendAt is when a caller may send a write again, for the k-th time
// (k ≥ 1), after the try that went out at sent (zero: now) was answered
// without doing it (a create answered HTTP 500, which a look-up proved was
// not made): sent plus the pause of the API's own retries (WithRetry's
// Backoff). A pause that has passed by now (a look-up that sat out a
// block, say) is never refused; only the part still to wait counts: when
// it would pass what --max-wait leaves, the error wraps
// pacer.ErrWaitedTooLong.
func (a *API) ResendAt(k int, sent time.Time) (time.Time, error) {
	now := time.Now()
	if sent.IsZero() {
		sent = now
	}
	until := sent.Add(a.backoff.Delay(k))
	left := until.Sub(now) // ≤ 0: the pause has passed, never refused
	if budget, bounded := a.limiter.Budget(); left > 0 && bounded && left >= budget {
		return until, fmt.Errorf("a pause of %s more before sending it again, with %s of --max-wait left: %w",
			roundWait(left), roundWait(max(budget, 0)), pacer.ErrWaitedTooLong)
	}
	return until, nil
}

// follow carries out shouldRetry's verdict on a failed try: stop with its
// error, count a block (the limiter holds the next start until its end),
// or say why and when the request goes again and sleep until then.
func (a *API) follow(ctx context.Context, c *attempt, v verdict) error {
	switch v.action {
	case retryStop:
		return v.err
	case retryPause:
		c.blocks++
	case retryLater:
		c.failures++
		why := retryWhy(c.err, c.timeout)
		// Why and when a request is sent again: a run that waits for an API that does not answer is never silent.
		a.log.LogAttrs(ctx, slog.LevelWarn, fmt.Sprintf("%s: %s, retrying %d/%d in %s", c.method, why, c.failures+1, c.attempts, roundWait(v.wait)),
			slog.String("method", c.method))
		a.mu.Lock()
		a.retryAt, a.retryIs = time.Now().Add(v.wait), fmt.Sprintf("%s (try %d/%d) after %s", c.method, c.failures+1, c.attempts, why)
		a.mu.Unlock()
		if serr := a.backoff.Sleep(c.starts, v.wait); serr != nil {
			return fmt.Errorf("baselinker: %s: stopped while waiting to retry: %w; last error: %w", c.method, serr, c.err)
		}
	}
	return nil
}

// block tells the limiter of a block the API answered: every start pauses
// until its stated end, or a backoff when it stated none; said once per
// block, not once per worker.
func (a *API) block(ctx context.Context, method string, class Class, err error) {
	end, _ := BlockedUntil(err, a.limiter.Now()) // zero: none stated; the limiter's clock: one time for the block and the wait
	if until, started := a.limiter.Blocked(end); started {
		a.log.LogAttrs(ctx, slog.LevelWarn, fmt.Sprintf("the %s is blocked until %s (%s): every request waits", blockedWhat(class),
			until.Local().Format("15:04:05"), until.Sub(a.limiter.Now()).Round(time.Second)),
			slog.String("method", method), slog.String("code", codeOf(err)), slog.Int("limit_after", a.limiter.Stats().Limit))
	}
}

// retryWhy is why a request failed, in a few words.
func retryWhy(err error, timeout time.Duration) string {
	te, _ := errors.AsType[*TransportError](err)
	switch {
	case te != nil && te.NoAnswer:
		return fmt.Sprintf("no answer in %s", roundWait(timeout))
	case te != nil && te.RetryAfter > 0:
		return fmt.Sprintf("HTTP %d, the server asked to wait %s (Retry-After)", te.Status, roundWait(te.RetryAfter))
	case te != nil && te.Status != 0:
		return fmt.Sprintf("HTTP %d", te.Status)
	}
	return "it failed"
}

// fly records a request on the wire until the returned func is called.
func (a *API) fly(method string, start time.Time, timeout time.Duration) (landed func()) {
	f := &flight{method, start, timeout}
	a.mu.Lock()
	a.flights[f] = true
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		delete(a.flights, f)
		a.mu.Unlock()
	}
}

// slowAnswer is how long a request goes unanswered before Waiting says so.
const slowAnswer = 3 * time.Second

// Waiting says what the run's requests wait for now, for the progress
// line and the log — "" when nothing holds them: a block and its end, or
// another run's lock on the shared window (the limiter's words); else a
// pause before a retry and why ("retrying in 3s (14:05:12): getCrmClients
// (try 2/5) after no answer in 1s"); else an answer that is slow to come
// ("waiting for the answer to getCrmClients: 12s so far, cut at 1m30s");
// else the limit ("waiting for the limit: next request in 42s (100/1m0s)").
func (a *API) Waiting() string {
	w := a.limiter.Waiting()
	if strings.HasPrefix(w, "blocked") || strings.HasPrefix(w, "waiting for another run") {
		return w
	}
	now := time.Now()
	a.mu.Lock()
	retryAt, retryIs := a.retryAt, a.retryIs
	var oldest flight
	for f := range a.flights {
		if oldest.start.IsZero() || f.start.Before(oldest.start) {
			oldest = *f
		}
	}
	a.mu.Unlock()
	switch {
	case retryAt.After(now):
		return fmt.Sprintf("retrying in %s (%s): %s", retryAt.Sub(now).Round(time.Second), retryAt.Local().Format("15:04:05"), retryIs)
	case !oldest.start.IsZero() && now.Sub(oldest.start) > slowAnswer:
		return fmt.Sprintf("waiting for the answer to %s: %s so far, cut at %s", oldest.method,
			now.Sub(oldest.start).Round(time.Second), roundWait(oldest.timeout))
	}
	return w
}

// roundWait shows a wait to the second, or to the millisecond below one.
func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

// isRead reports whether method only reads (getCrmClients, getCrmClientData, …).
func isRead(method string) bool { return strings.HasPrefix(method, "get") }

func blockedWhat(c Class) string {
	if c == ClassAccountBlocked {
		return "account"
	}
	return "token"
}

func codeOf(err error) string {
	if ae, ok := errors.AsType[*APIError](err); ok {
		return ae.Code
	}
	return ""
}

func (a *API) logRequest(ctx context.Context, method string, try int, d time.Duration, err error, class Class) {
	if !a.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("method", method), slog.Int("attempt", try), slog.Duration("duration", d)}
	if err == nil {
		attrs = append(attrs, slog.String("outcome", "ok"))
	} else {
		attrs = append(attrs, slog.String("outcome", class.String()))
		if ae, ok := errors.AsType[*APIError](err); ok {
			attrs = append(attrs, slog.String("error_code", ae.Code))
		} else if te, ok := errors.AsType[*TransportError](err); ok {
			if te.Status != 0 {
				attrs = append(attrs, slog.Int("http_status", te.Status))
			}
			attrs = append(attrs, slog.Bool("written", te.Written))
		}
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	a.log.LogAttrs(ctx, slog.LevelDebug, "api request", attrs...)
}

// once sends one request and decodes its answer.
func (a *API) once(ctx context.Context, method, form string, timeout time.Duration, out any) error {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(actx, trace), http.MethodPost, a.endpoint, strings.NewReader(form))
	if err != nil {
		return &TransportError{Method: method, Cause: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "crmbulk/"+a.version+" (+Go)")
	req.Header.Set("X-BLToken", a.token.Reveal())
	resp, err := a.hc.Do(req)
	if err != nil {
		return &TransportError{Method: method, Written: wrote.Load(), Cause: a.scrubErr(err), NoAnswer: isTimeout(ctx, err)}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return &TransportError{Method: method, Status: resp.StatusCode, Written: true, NoAnswer: isTimeout(ctx, err),
			Cause: fmt.Errorf("reading the answer: %w", a.scrubErr(err))}
	}
	if s := resp.StatusCode; s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &TransportError{Method: method, Status: s, Written: true, RetryAfter: d}
		}
	}
	if len(body) > maxAnswerBytes {
		return badAnswer(method, resp.StatusCode, fmt.Errorf("answer larger than %d bytes", maxAnswerBytes))
	}
	return a.decode(method, resp.StatusCode, body, out)
}

// envelope is the part every answer shares.
type envelope struct {
	Status       string        `json:"status"`
	ErrorCode    lenientString `json:"error_code"`
	ErrorMessage lenientString `json:"error_message"`
}

// decode turns an HTTP answer into nil (SUCCESS, out filled), an *APIError
// or a *TransportError.
func (a *API) decode(method string, status int, body []byte, out any) error {
	var env envelope
	jerr := json.Unmarshal(body, &env)
	if jerr == nil && env.Status == "ERROR" {
		return &APIError{Method: method, Code: a.scrub(string(env.ErrorCode)), Message: a.scrub(string(env.ErrorMessage))}
	}
	if status < 200 || status > 299 {
		return &TransportError{Method: method, Status: status, Written: true, Replied: jerr == nil && env.Status == "SUCCESS"} // the API's own reply (its ERROR is an *APIError above); a proxy's {"status":"error"} is not
	}
	if jerr != nil || env.Status != "SUCCESS" {
		why := "no status field"
		if jerr != nil {
			why = jerr.Error()
		} else if env.Status != "" {
			why = fmt.Sprintf("status %q", chars.Cut(a.scrub(env.Status), bodySnippetLen)) // scrubbed whole, then cut: a cut token would not be found
		}
		return &TransportError{Method: method, Status: status, Written: true,
			Cause: fmt.Errorf("%w (%s; %d bytes starting %q)", ErrBadResponse, why, len(body), chars.Cut(a.scrub(string(body)), bodySnippetLen))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return badAnswer(method, status, a.scrubErr(err))
	}
	return nil
}

// badAnswer is the error of an answer (with HTTP status) that is not the
// API's JSON, and why.
func badAnswer(method string, status int, why error) *TransportError {
	return &TransportError{Method: method, Status: status, Written: true, Cause: fmt.Errorf("%w: %w", ErrBadResponse, why)}
}

// scrub removes the token from text that came from outside (an answer that
// echoes it, say), in every form it may come back in (see ScrubToken).
func (a *API) scrub(s string) string { return ScrubToken(s, a.token.Reveal()) }

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	}
	return "another value"
}

func (a *API) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	if msg := a.scrub(err.Error()); msg != err.Error() {
		return &scrubbedError{msg: msg, err: err}
	}
	return err
}

// scrubbedError hides the token in err's text but keeps errors.Is/As working.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// decodeList decodes a JSON list of T, or an object whose values are T (how
// PHP encodes a keyed array), ordered by id then. null and "" are empty.
func decodeList[T any](raw json.RawMessage, id func(T) int64) ([]T, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, nil
	}
	switch raw[0] {
	case '[':
		var out []T
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, err
		}
		return out, nil
	case '{':
		var m map[string]T
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		out := slices.AppendSeq(make([]T, 0, len(m)), maps.Values(m))
		slices.SortStableFunc(out, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
		return out, nil
	}
	return nil, fmt.Errorf("want a list, got %s", jsonKind(raw[0])) // (not quoted: an answer's bytes may echo the token)
}

// lenientString decodes a JSON string, or keeps any other value's JSON text.
type lenientString string

func (s *lenientString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var v string // JSON null leaves it "", with no error
	if json.Unmarshal(b, &v) != nil {
		v = string(b)
	}
	*s = lenientString(v)
	return nil
}

// lenientBool decodes true/false, 0/1, "0"/"1", "true"/"false", "" and null.
type lenientBool bool

func (v *lenientBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decoding a boolean: %w", err)
		}
		s = strings.TrimSpace(s)
	}
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*v = true
		return nil
	case "false", "0", "", "null", "no":
		*v = false
		return nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		*v = n != 0
		return nil
	}
	return errors.New("decoding a boolean: a value that is not true/false or 0/1")
}

// isTimeout reports whether err is a request cut at its own timeout (the
// run's ctx still going): the API did not answer in time.
func isTimeout(ctx context.Context, err error) bool {
	var ne net.Error
	return ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h) // "" is neither form
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
