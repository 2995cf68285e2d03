package importer

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// lateCreates stands between the client and a sandbox: the answer to each
// of the first lose creates is lost after cut — the connection closed
// unanswered — while the sandbox goes on with the request when apply is
// set (as a back end finishes a request whose client went: with the
// sandbox's CommitAfter the client lands after its answer was lost), or
// never sees it (a cut before the request reached the server).
type lateCreates struct {
	srv   *sandbox.Server
	cut   time.Duration
	apply bool
	lose  atomic.Int64 // creates still to lose
	mu    sync.Mutex
	going []chan struct{} // the sandbox's requests whose answer was lost: closed once done
}

// wait waits until the sandbox finished every request whose answer was lost.
func (h *lateCreates) wait() {
	h.mu.Lock()
	going := h.going
	h.mu.Unlock()
	for _, c := range going {
		<-c
	}
}

func (h *lateCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, method, ok := readForm(w, r)
	if !ok {
		return
	}
	if method != "addCrmClient" || h.lose.Add(-1) < 0 {
		h.srv.ServeHTTP(w, r)
		return
	}
	if h.apply { // the same request, on without its client
		on := httptest.NewRequest(http.MethodPost, "/connector.php", bytes.NewReader(body))
		on.Header = r.Header.Clone()
		done := make(chan struct{})
		h.mu.Lock()
		h.going = append(h.going, done)
		h.mu.Unlock()
		go func() { defer close(done); h.srv.ServeHTTP(httptest.NewRecorder(), on) }()
	}
	time.Sleep(h.cut)
	panic(http.ErrAbortHandler) // the server closes the connection unanswered
}

// newLateAPI starts a sandbox with CommitAfter commit behind lateCreates,
// and a client of it.
func newLateAPI(t *testing.T, commit time.Duration, apply bool, lose int64) (*sandbox.Server, *lateCreates, *baselinker.API) {
	t.Helper()
	srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 61, CommitAfter: commit})
	h := &lateCreates{srv: srv, cut: 100 * time.Millisecond, apply: apply}
	h.lose.Store(lose)
	ts := httptest.NewServer(h)
	t.Cleanup(func() { h.wait(); ts.Close() })
	return srv, h, clientOf(t, ts.URL+"/connector.php")
}

// slowSend holds each write before it goes, as the limiter does when the
// token is blocked or other workers took the minute's requests.
type slowSend struct {
	*baselinker.API
	before time.Duration
}

func (a *slowSend) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	time.Sleep(a.before)
	return a.API.AddCrmClientResult(ctx, f)
}

// TestLostCreateLandsLate: a create whose answer is lost after 100 ms
// while the server makes the client only at 600 ms is looked up once it
// can no longer land (--request-timeout after its send), not at once: the
// look-up finds the client and adopts it, and the row is not sent again (a
// look-up at once found nothing and sent the row five times: five
// clients). The wait counts from when the answer was lost, not from before
// the send: a send held by the limit longer than the timeout still waits.
// A create cut before the server saw it is found nowhere and sent again:
// one client too. Meanwhile the run says the wait.
func TestLostCreateLandsLate(t *testing.T) {
	t.Parallel()
	const timeout = 1500 * time.Millisecond
	for _, tc := range []struct {
		name    string
		matchBy []string
		apply   bool  // the lost create is made (late) by the server
		lose    int64 // creates whose answer is lost
		sends   int   // addCrmClient requests the server sees
		adopted bool
		before  time.Duration // the send waits this long before it goes (the limit, a block)
	}{
		{"lands late, --match-by email", []string{"email"}, true, 1 << 30, 1, true, 0},
		{"lands late, no match key: looked up by email", nil, true, 1 << 30, 1, true, 0},
		{"lands late after the send waited longer than the timeout to go", []string{"email"}, true, 1 << 30, 1, true, 2 * time.Second},
		{"cut before it reached the server: sent again", []string{"email"}, false, 1, 1, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, h, api := newLateAPI(t, 600*time.Millisecond, tc.apply, tc.lose)
			in := writeFile(t, t.TempDir(), "in.csv", csvOf("email,invoice_fullname,invoice_city", "late@example.com,Late Client,Gdańsk"))
			rec := &events.Recorder{}
			start := time.Now()
			sum, err := Run(context.Background(), &slowSend{API: api, before: tc.before}, in, Config{MatchBy: tc.matchBy, RequestTimeout: timeout, Events: rec})
			if err != nil {
				t.Fatal(err)
			}
			h.wait()
			if took := time.Since(start); took < timeout {
				t.Errorf("the run took %s: it did not wait %s for the lost create to land", took, timeout)
			}
			cs := srv.Clients()
			if st := srv.Stats(); len(cs) != 1 || st.Creates != 1 || st.ByMethod["addCrmClient"] != tc.sends {
				t.Fatalf("%d clients, %d creates, %d addCrmClient requests seen; want 1, 1, %d (report %v)", len(cs), st.Creates, st.ByMethod["addCrmClient"], tc.sends, sum.Counts)
			}
			l := byRow(t, readReport(t, sum.Report))["2"]
			if l["status"] != "created" || l["crm_client_id"] != itoa(int64(cs[0].CrmClientID)) {
				t.Errorf("row 2: %s %s (%s), want created, client %d", l["status"], l["crm_client_id"], l["error_message"], cs[0].CrmClientID)
			}
			if adopted := strings.Contains(l["note"], "adopted"); adopted != tc.adopted {
				t.Errorf("row 2's note %q: adopted %v, want %v", l["note"], adopted, tc.adopted)
			}
			if !rec.Said("settling 1 in-doubt row: looking it up at ") {
				t.Errorf("the run never said its wait: %q", rec.Lines())
			}
			if !slices.ContainsFunc(rec.Events(), func(e events.Event) bool {
				return e.Message != nil && strings.HasPrefix(e.Message.Text, "row 2: the create's answer was lost (")
			}) {
				t.Error("the run did not say why row 2 waits")
			}
		})
	}
}

// TestLostCreateWaitInterrupted: an import interrupted while a lost create
// waits to land leaves the row OUTCOME_UNKNOWN with its send open in the
// journal — never sent again blindly; the --resume looks it up and adopts
// the client the server made meanwhile.
func TestLostCreateWaitInterrupted(t *testing.T) {
	t.Parallel()
	const timeout = 1500 * time.Millisecond
	srv, h, base := newLateAPI(t, 600*time.Millisecond, true, 1)
	in := writeFile(t, t.TempDir(), "in.csv", csvOf("email,invoice_fullname", "cut@example.com,Cut Client", "next@example.com,Next Client"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &interruptInFlight{API: base, after: 400 * time.Millisecond, cancel: cancel}
	sum, err := Run(ctx, api, in, Config{MatchBy: []string{"email"}, Workers: 1, RequestTimeout: timeout})
	if !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("Run = %v, want the run's ErrInterrupted", err)
	}
	l := byRow(t, readReport(t, sum.Report))["2"]
	if l["status"] != "failed" || l["error_code"] != events.CodeOutcomeUnknown || !strings.Contains(l["error_message"], "the import was interrupted before the create could no longer land") {
		t.Errorf("row 2: %s %s %q, want failed OUTCOME_UNKNOWN saying the interrupt", l["status"], l["error_code"], l["error_message"])
	}
	if sum.Journal == "" {
		t.Fatal("the journal was removed although the create is unsettled")
	}
	h.wait()
	sum, err = Run(context.Background(), base, in, Config{MatchBy: []string{"email"}, RequestTimeout: timeout, Resume: sum.Report})
	if err != nil {
		t.Fatal(err)
	}
	lines := byRow(t, readReport(t, sum.Report))
	if st := srv.Stats(); st.Creates != 2 || st.ByMethod["addCrmClient"] != 2 || len(srv.Clients()) != 2 {
		t.Errorf("%d creates of %d sent, %d clients; want 2 of 2 (row 2 adopted, not sent again)", st.Creates, st.ByMethod["addCrmClient"], len(srv.Clients()))
	}
	if l := lines["2"]; l["status"] != "created" || !strings.Contains(l["note"], "adopted") {
		t.Errorf("row 2 after --resume: %v", l)
	}
	assertNoDuplicates(t, srv)
}
