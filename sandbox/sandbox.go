// Package sandbox is an in-process emulator of the Base (BaseLinker) CRM API
// as the vendor's pages document it: the form-POST transport with the
// X-BLToken header, getCrmClients (pages of 100, every documented filter),
// addCrmClient (create or update only the fields sent, validated with the
// same rules as the importer), getCrmClientData and getCrmClientStatuses.
//
// It also emulates what makes the real API hard: the per-token request limit
// over a sliding window that blocks the token when crossed, latency with
// jitter, and transport faults (HTTP 500, a connection cut before or after a
// write is applied, a truncated answer), all deterministic under a seed. It
// records every arrival so tests can prove a client never crossed the limit.
//
// It serves crmbulk's demo (`crmbulk sandbox`), tests and benchmarks. Where
// the vendor's pages are silent the sandbox makes a choice; docs/sandbox.md
// lists every such choice.
package sandbox

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
)

// maxBody bounds a request body: a 2 MB file in an extra field is about
// 2.7 MB of base64, a few of them fit.
const maxBody = 32 << 20

// Config configures a Server. The zero value of every field but Token is
// usable.
type Config struct {
	// Token is the only X-BLToken accepted. Required.
	Token string
	// Limit is the number of requests allowed in any sliding Window; one
	// more blocks the token for BlockFor. 0 = unlimited.
	Limit int
	// Window is the sliding window of the limit (default 60 s).
	Window time.Duration
	// BlockFor is how long the token stays blocked (default 10 min, as the
	// live API is reported to block); the answer names the end (Europe/Warsaw).
	BlockFor time.Duration
	// BlockNoEnd leaves the end out of a blocked answer's message.
	BlockNoEnd bool
	// ExtendBlock makes a request during a block restart it (one public
	// report says the live API may do so).
	ExtendBlock bool
	// AccountBlockAfter > 0 blocks the whole account after that many
	// requests with a valid token, for AccountBlockFor (default 5 min):
	// ERROR_USER_ACCOUNT_BLOCKED to every request meanwhile.
	AccountBlockAfter int
	AccountBlockFor   time.Duration
	// DriftTypes sends integers as strings ("31675", "" for 0) and
	// digit-only texts (phones, postcodes) as JSON numbers, as recorded
	// answers of other methods show the live API doing.
	DriftTypes bool
	// HTMLLabel labels answers text/html, as the live API does.
	HTMLLabel bool
	// WarnEvery > 0 adds "warnings" to every WarnEvery-th successful
	// addCrmClient answer (seen on other methods).
	WarnEvery int
	// ReadErrors is the probability (0..1) that a read (get…) answers
	// ERROR_INTERNAL: a transient error a client must not take for "not found".
	ReadErrors float64
	// ListExtraFields makes getCrmClients accept include_custom_extra_fields
	// (the vendor's two pages disagree; off, the parameter is unknown).
	ListExtraFields bool
	// CommitAfter > 0 applies an addCrmClient this long after it arrives,
	// even when its client has gone, as a PHP back end finishes a request.
	CommitAfter time.Duration
	// IgnorePage answers getCrmClients' page 1 whatever page is asked (a
	// hostile endpoint: a client must stop, not read page 1 for ever).
	IgnorePage bool
	// EndlessPages answers every page past the last with 100 new clients (a
	// hostile endpoint: a client must stop at a bound).
	EndlessPages bool
	// Latency delays every answer, ± a uniform Jitter.
	Latency, Jitter time.Duration
	// FaultRate is the probability (0..1) that a request fails with one of
	// Faults (default: all four kinds).
	FaultRate float64
	Faults    []Fault
	// Seed makes the seeded clients, the faults and the jitter reproducible.
	Seed int64
	// Clients is the number of clients to seed when no state is loaded.
	Clients int
	// StatePath, when set, is loaded at start if it exists and saved
	// atomically on Close and every SaveEvery while there are changes.
	StatePath string
	// SaveEvery is the autosave period (default 3 s).
	SaveEvery time.Duration
	// Logger receives one debug line per request (never the token).
	// nil = discard.
	Logger *slog.Logger
	// Now is the clock of arrivals and blocks; nil = time.Now.
	Now func() time.Time
}

// Stats counts what the sandbox has seen.
type Stats struct {
	// Requests is every arrival with a valid token: the requests counted
	// against the limit, blocked and faulted ones included.
	Requests int
	// AuthFailures counts requests refused for a missing or wrong token.
	AuthFailures int
	// ByMethod counts Requests by API method; methods the sandbox does not
	// know are counted under "other".
	ByMethod map[string]int
	// Blocked counts ERROR_BLOCKED_TOKEN answers.
	Blocked int
	// Faults counts injected faults by kind.
	Faults map[Fault]int
	// Creates and Updates count applied addCrmClient calls.
	Creates, Updates int
	// Deletes counts deleteCrmClient calls that removed a client.
	Deletes int
	// TimesBlocked counts how often the token was blocked.
	TimesBlocked int
	// AccountBlocks counts account blocks (AccountBlockAfter).
	AccountBlocks int
	// LatestInBlock is how long after a block (token or account) began the
	// latest request arrived inside it (about one Latency + Jitter for a
	// client that stops at the first blocked answer).
	LatestInBlock time.Duration
}

// Status is one CRM client status as getCrmClientStatuses returns it.
type Status struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Color     string `json:"color"`
	GroupID   int64  `json:"group_id"`
	IsPrimary int    `json:"is_primary"`
}

// Server is the emulator; it is an http.Handler. Its methods are safe for
// concurrent use.
type Server struct {
	cfg    Config // withDefaults; its FaultRate is guarded by mu (SetFaultRate)
	listed []baselinker.Field
	// handlers maps each method the API has to its handler: the one list
	// of methods, for dispatch and the counters.
	handlers map[string]func(map[string]json.RawMessage) ([]byte, *apiError)

	// mu guards the limiter, the statistics and the random source.
	mu           sync.Mutex
	epoch        time.Time
	arrivals     []time.Duration // since epoch, in arrival order
	winStart     int             // first arrival inside the current window
	blockedUntil time.Time
	spans        []BlockSpan
	tokenSpan    int       // the running token block's index in spans
	accountUntil time.Time // the account block's end (once per server: stats.AccountBlocks)
	accountStart time.Time
	rng          *rand.Rand
	stats        Stats

	// data guards the store and changes.
	data    sync.RWMutex
	store   store
	changes uint64 // incremented by every write

	saved      uint64        // changes at the last save; the autosave's, then Close's: no lock
	stop, done chan struct{} // autosave: asked to stop, stopped
	closeOnce  sync.Once
	closeErr   error
}

// New makes a Server: it loads StatePath if the file exists, otherwise seeds
// Clients clients, and starts the autosave when StatePath is set.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		listed: baselinker.ListedFields(),
		rng:    rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Seed)^0x9e3779b97f4a7c15)),
		stats:  Stats{ByMethod: map[string]int{}, Faults: map[Fault]int{}},
		epoch:  cfg.Now(),
	}
	s.handlers = map[string]func(map[string]json.RawMessage) ([]byte, *apiError){
		"getCrmClients": s.getCrmClients, "addCrmClient": s.addCrmClient,
		"getCrmClientData": s.getCrmClientData, "getCrmClientStatuses": s.getCrmClientStatuses,
		"getCrmClientExtraFields": s.getCrmClientExtraFields, "deleteCrmClient": s.deleteCrmClient,
	}
	var loaded bool
	if s.store, loaded, err = loadState(cfg.StatePath); err != nil {
		return nil, err
	}
	if !loaded {
		s.store = seedStore(cfg.Seed, cfg.Clients)
	}
	if cfg.StatePath != "" {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.autosave()
	}
	return s, nil
}

// withDefaults checks cfg and fills what it leaves unset: every fault, a
// 60-second window, a 10-minute token block, a 5-minute account block, a
// save every 3 seconds, the wall clock, a logger that discards.
func (cfg Config) withDefaults() (Config, error) {
	if err := cfg.Check(); err != nil {
		return cfg, err
	}
	cfg.Faults = slices.Clone(cfg.Faults)
	if len(cfg.Faults) == 0 {
		cfg.Faults = AllFaults()
	}
	cfg.Window = cmp.Or(cfg.Window, 60*time.Second)
	cfg.AccountBlockFor = cmp.Or(cfg.AccountBlockFor, 5*time.Minute)
	cfg.BlockFor = cmp.Or(cfg.BlockFor, 10*time.Minute)
	cfg.SaveEvery = cmp.Or(cfg.SaveEvery, 3*time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// FieldError is the one field of a Config the sandbox cannot run with
// (Check): a command that sets the field from a flag finds it with
// errors.As and says it in the flag's words.
type FieldError struct {
	Field   string // the Config field, e.g. "FaultRate"
	Value   any    // its value
	Problem string // what is wrong with it, e.g. "is outside 0..1"
	Want    string // what it must be, e.g. "between 0 and 1"
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("sandbox: Config.%s %v %s", e.Field, e.Value, e.Problem)
}

// Check refuses a Config the sandbox cannot run (New and Serve check it
// too); a value out of its field's range is a *FieldError.
func (cfg Config) Check() error {
	if cfg.Token == "" {
		return errors.New("sandbox: Config.Token is empty; set the token clients must send")
	}
	const negative, noLess, outside, within = "is negative", "0 or more", "is outside 0..1", "between 0 and 1"
	for _, c := range []struct {
		bad bool
		FieldError
	}{
		{cfg.FaultRate < 0 || cfg.FaultRate > 1, FieldError{"FaultRate", cfg.FaultRate, outside, within}},
		{cfg.ReadErrors < 0 || cfg.ReadErrors > 1, FieldError{"ReadErrors", cfg.ReadErrors, outside, within}},
		{cfg.Limit < 0, FieldError{"Limit", cfg.Limit, "is negative; use 0 for unlimited",
			"0 or more (0: no limit)"}},
		{cfg.Latency < 0, FieldError{"Latency", cfg.Latency, negative, noLess}},
		{cfg.Jitter < 0, FieldError{"Jitter", cfg.Jitter, negative, noLess}},
		{cfg.Window < 0, FieldError{"Window", cfg.Window, negative, noLess}},
		{cfg.BlockFor < 0, FieldError{"BlockFor", cfg.BlockFor, negative, noLess}},
		{cfg.AccountBlockFor < 0, FieldError{"AccountBlockFor", cfg.AccountBlockFor, negative, noLess}},
		{cfg.CommitAfter < 0, FieldError{"CommitAfter", cfg.CommitAfter, negative, noLess}},
		{cfg.SaveEvery < 0, FieldError{"SaveEvery", cfg.SaveEvery, negative, noLess}},
		{cfg.Clients < 0, FieldError{"Clients", cfg.Clients, negative, noLess}},
		{cfg.AccountBlockAfter < 0, FieldError{"AccountBlockAfter", cfg.AccountBlockAfter, negative, noLess}},
		{cfg.WarnEvery < 0, FieldError{"WarnEvery", cfg.WarnEvery, negative, noLess}},
	} {
		if c.bad { // the first in this order
			return &c.FieldError
		}
	}
	for _, f := range cfg.Faults {
		if !slices.Contains(AllFaults(), f) {
			return fmt.Errorf("sandbox: unknown fault kind %q; use one of http500, cut_before, cut_after, truncated", f)
		}
	}
	return nil
}

// Statuses returns the seeded client statuses.
func (s *Server) Statuses() []Status { return seedStatuses() }

// apiError is an ERROR answer.
type apiError struct {
	code, msg string
}

func errorBody(code, msg string) []byte {
	b, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Code    string `json:"error_code"`
		Message string `json:"error_message"`
	}{"ERROR", code, msg})
	return b
}

// arrival is what the limiter and the random source decided for a request.
type arrival struct {
	blocked bool
	account bool      // blocked is an account block
	until   time.Time // the block's end
	readErr bool      // a read answered with a transient unknown code (ReadErrors)
	fault   Fault
	delay   time.Duration
}

// arrive records a request with a valid token and decides its fate, in
// arrival order under the mutex.
func (s *Server) arrive(method string) arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	t := now.Sub(s.epoch)
	s.arrivals = append(s.arrivals, t)
	s.stats.Requests++
	if s.handlers[method] != nil {
		s.stats.ByMethod[method]++
	} else {
		s.stats.ByMethod["other"]++
	}
	var a arrival
	if n := s.cfg.AccountBlockAfter; n > 0 && s.stats.AccountBlocks == 0 && s.stats.Requests > n {
		s.accountUntil, s.accountStart = now.Add(s.cfg.AccountBlockFor), now
		s.stats.AccountBlocks++
		s.spans = append(s.spans, BlockSpan{Account: true, Start: now, End: s.accountUntil})
	}
	s.noteFirstAfterLocked(now)
	switch {
	case now.Before(s.accountUntil):
		a.blocked, a.account, a.until = true, true, s.accountUntil
		s.stats.LatestInBlock = max(s.stats.LatestInBlock, now.Sub(s.accountStart))
	case s.cfg.Limit > 0 && now.Before(s.blockedUntil):
		if s.cfg.ExtendBlock {
			s.blockedUntil = now.Add(s.cfg.BlockFor)
			s.spans[s.tokenSpan].End = s.blockedUntil
		}
		a.blocked, a.until = true, s.blockedUntil
		s.stats.LatestInBlock = max(s.stats.LatestInBlock, now.Sub(s.spans[s.tokenSpan].Start)) // an extension keeps the start
	case s.cfg.Limit > 0:
		for s.winStart < len(s.arrivals) && t-s.arrivals[s.winStart] >= s.cfg.Window {
			s.winStart++
		}
		if len(s.arrivals)-s.winStart > s.cfg.Limit {
			s.blockedUntil = now.Add(s.cfg.BlockFor)
			s.stats.TimesBlocked++
			s.tokenSpan, s.spans = len(s.spans), append(s.spans, BlockSpan{Start: now, End: s.blockedUntil})
			a.blocked, a.until = true, s.blockedUntil
		}
	}
	// One draw per arrival, whatever the outcome, so the sequence of faults
	// depends only on the seed and the order of arrivals.
	if s.rng.Float64() < s.cfg.FaultRate && !a.blocked {
		a.fault = s.cfg.Faults[s.rng.IntN(len(s.cfg.Faults))]
		s.stats.Faults[a.fault]++
	}
	if s.cfg.ReadErrors > 0 && strings.HasPrefix(method, "get") && !a.blocked && a.fault == "" {
		a.readErr = s.rng.Float64() < s.cfg.ReadErrors // drawn only when asked: other seeds' sequences stay
	}
	a.delay = s.cfg.Latency
	if s.cfg.Jitter > 0 {
		a.delay = max(0, a.delay+time.Duration((s.rng.Float64()*2-1)*float64(s.cfg.Jitter)))
	}
	if a.blocked {
		s.stats.Blocked++
	}
	return a
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	tok := r.Header.Get("X-BLToken")
	switch {
	case tok == "":
		s.authFailure(w, CodeEmptyToken, "No API token: send it in the X-BLToken header.")
		return
	case subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) != 1:
		s.authFailure(w, CodeBadToken, "Invalid API token: check the X-BLToken header.")
		return
	}
	var formErr error
	if r.Method != http.MethodPost {
		formErr = fmt.Errorf("HTTP method %s; send a POST", r.Method)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			formErr = fmt.Errorf("the body is not a form: %w", err)
		}
	}
	method := ""
	if formErr == nil {
		method = r.PostForm.Get("method")
	}
	a := s.arrive(method)
	if d := s.cfg.CommitAfter; d > 0 && method == "addCrmClient" && !a.blocked && formErr == nil {
		time.Sleep(max(d, a.delay)) // not cut short when the client goes: the back end finishes the request
	} else if a.delay > 0 {
		select {
		case <-time.After(a.delay): // collected when the client goes first
		case <-r.Context().Done():
			return
		}
	}
	logAnswer := func(answer string) {
		s.cfg.Logger.Debug("sandbox request", "method", method, "answer", answer,
			"fault", string(a.fault), "took", time.Since(start))
	}
	switch a.fault {
	case FaultHTTP500:
		logAnswer("http 500")
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	case FaultCutBefore:
		logAnswer("cut before")
		cut(w)
		return
	}
	var body []byte
	var aerr *apiError
	switch {
	case a.blocked:
		aerr = s.blockedAnswer(a)
	case a.readErr:
		aerr = &apiError{CodeInternal, "Wystąpił błąd wewnętrzny. Spróbuj ponownie."}
	case formErr != nil:
		aerr = &apiError{CodeBadRequest, formErr.Error()}
	default:
		body, aerr = s.dispatch(method, r.PostForm.Get("parameters"))
	}
	answer := "SUCCESS"
	if aerr != nil {
		body, answer = errorBody(aerr.code, aerr.msg), aerr.code
	}
	switch a.fault {
	case FaultCutAfter:
		logAnswer("cut after")
		cut(w)
		return
	case FaultTruncated:
		answer, body = "truncated", body[:len(body)/2]
	}
	logAnswer(answer)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if s.cfg.HTMLLabel {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// blockedAnswer is the answer to a request during a block: the live API's
// words ("Query limit exceeded, token blocked until …", in Polish time), or
// without the end when BlockNoEnd.
func (s *Server) blockedAnswer(a arrival) *apiError {
	until := ""
	if !s.cfg.BlockNoEnd {
		until = " until " + a.until.In(warsaw()).Format("2006-01-02 15:04:05")
	}
	if a.account {
		return &apiError{CodeAccountBlocked, "User account blocked" + until + "."}
	}
	return &apiError{CodeBlockedToken, fmt.Sprintf("Query limit exceeded, token blocked%s (more than %d requests in %v).",
		until, s.cfg.Limit, s.cfg.Window)}
}

// warsaw is the zone the API states block ends in.
var warsaw = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
})

func (s *Server) authFailure(w http.ResponseWriter, code, msg string) {
	s.mu.Lock()
	s.stats.AuthFailures++
	s.mu.Unlock()
	s.cfg.Logger.Debug("sandbox request", "answer", code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(errorBody(code, msg))
}

// cut closes the connection without writing an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or a recorder: abort the handler; the server resets the stream.
	panic(http.ErrAbortHandler)
}

func (s *Server) dispatch(method, parameters string) ([]byte, *apiError) {
	h := s.handlers[method]
	switch {
	case method == "":
		return nil, &apiError{CodeUnknownMethod, "No method: send the method field, e.g. getCrmClients."}
	case h == nil:
		return nil, &apiError{CodeUnknownMethod, fmt.Sprintf("Unknown method %.100q.", method)}
	}
	params := map[string]json.RawMessage{}
	if strings.TrimSpace(parameters) != "" {
		dec := json.NewDecoder(strings.NewReader(parameters))
		if err := dec.Decode(&params); err != nil || params == nil { // null makes it nil
			return nil, &apiError{CodeParseJSON, "The parameters field is not a JSON object; send e.g. {\"page\":1}."}
		}
		if _, err := dec.Token(); err == nil {
			return nil, &apiError{CodeParseJSON, ""}
		}
	}
	return h(params)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.ByMethod, out.Faults = maps.Clone(s.stats.ByMethod), maps.Clone(s.stats.Faults) // made in New: never nil
	return out
}

// BlockSpan is one block as the sandbox applied it: when it began, when it
// ended (an ExtendBlock extension included) and when the first request
// after it arrived (zero: none yet).
type BlockSpan struct {
	Account    bool // an account block, else a token block
	Start, End time.Time
	FirstAfter time.Time
}

// Blocks returns every block so far, in order.
func (s *Server) Blocks() []BlockSpan {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BlockSpan(nil), s.spans...)
}

// noteFirstAfterLocked records now as the first arrival after every block
// that has ended and has none yet.
func (s *Server) noteFirstAfterLocked(now time.Time) {
	for i := len(s.spans) - 1; i >= 0; i-- {
		sp := &s.spans[i]
		if !sp.FirstAfter.IsZero() {
			break
		}
		if !now.Before(sp.End) {
			sp.FirstAfter = now
		}
	}
}

// MaxInWindow returns the largest number of arrivals (valid token) that
// fall in any sliding window of the given length: two arrivals share a
// window when they are less than window apart.
func (s *Server) MaxInWindow(window time.Duration) int {
	s.mu.Lock()
	a := append([]time.Duration(nil), s.arrivals...)
	s.mu.Unlock()
	return maxInWindow(a, window)
}

func maxInWindow(a []time.Duration, window time.Duration) int {
	slices.Sort(a)
	best, i := 0, 0
	for j := range a {
		for a[j]-a[i] >= window {
			i++
		}
		best = max(best, j-i+1)
	}
	return best
}

// SetFaultRate changes the fault probability (clamped to 0..1).
func (s *Server) SetFaultRate(p float64) {
	p = min(max(p, 0), 1)
	s.mu.Lock()
	s.cfg.FaultRate = p
	s.mu.Unlock()
}

// Clients returns a snapshot of every client, ordered by id, with notes and
// extra fields.
func (s *Server) Clients() []baselinker.Client {
	s.data.RLock()
	defer s.data.RUnlock()
	out := make([]baselinker.Client, len(s.store.clients))
	for i := range s.store.clients {
		out[i] = cloneClient(&s.store.clients[i])
	}
	return out
}

// Client returns a copy of the client with the given id.
func (s *Server) Client(id int64) (baselinker.Client, bool) {
	s.data.RLock()
	defer s.data.RUnlock()
	c := s.store.get(id)
	if c == nil {
		return baselinker.Client{}, false
	}
	return cloneClient(c), true
}
