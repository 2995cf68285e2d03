package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
)

func TestLimitBlocksThenRecovers(t *testing.T) {
	clock := newFakeClock()
	const window, blockFor = 300 * time.Millisecond, 500 * time.Millisecond
	s, u := newSandbox(t, sandbox.Config{Limit: 5, Window: window, BlockFor: blockFor, Now: clock.Now, Clients: 1})
	status := func() string {
		t.Helper()
		m := call(t, u, "getCrmClientStatuses", "{}")
		if m["status"] == "SUCCESS" {
			return "OK"
		}
		return m["error_code"].(string)
	}
	for i := range 5 {
		if got := status(); got != "OK" {
			t.Fatalf("request %d within the limit: %s", i+1, got)
		}
		// Auth failures in between are not counted.
		if _, body, _ := post(u, "", "getCrmClientStatuses", "{}"); !strings.Contains(string(body), sandbox.CodeEmptyToken) {
			t.Fatalf("no token: %s", body)
		}
		clock.Advance(10 * time.Millisecond)
	}
	if got := status(); got != sandbox.CodeBlockedToken {
		t.Fatalf("request 6 in the window: %s, want %s", got, sandbox.CodeBlockedToken)
	}
	// Blocked for everything, for BlockFor, even once the window has passed.
	clock.Advance(window)
	if m := call(t, u, "getCrmClients", "{}"); m["error_code"] != sandbox.CodeBlockedToken {
		t.Fatalf("during the block: %v", m)
	}
	clock.Advance(blockFor - window - time.Millisecond)
	if got := status(); got != sandbox.CodeBlockedToken {
		t.Fatalf("1 ms before the block ends: %s", got)
	}
	clock.Advance(time.Millisecond + window) // the block is over and the window is clear
	if got := status(); got != "OK" {
		t.Fatalf("after the block: %s", got)
	}
	st := s.Stats()
	if st.TimesBlocked != 1 || st.Blocked != 3 || st.Requests != 9 || st.AuthFailures != 5 ||
		st.ByMethod["getCrmClientStatuses"] != 8 || st.ByMethod["getCrmClients"] != 1 {
		t.Errorf("stats %+v", st)
	}
	if got := s.MaxInWindow(window); got != 6 {
		t.Errorf("MaxInWindow = %d, want 6 (5 allowed + the one that tripped the block)", got)
	}
}

func TestLimitZeroIsUnlimited(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{Clients: 1})
	for range 150 {
		mustOK(t, call(t, u, "getCrmClientStatuses", "{}"))
	}
	if st := s.Stats(); st.Blocked != 0 || s.MaxInWindow(time.Minute) != 150 {
		t.Errorf("stats %+v, max %d", st, s.MaxInWindow(time.Minute))
	}
}

// A real-time run: concurrent clients blast the sandbox; MaxInWindow sees
// every arrival.
func TestConcurrentRequests(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{Latency: 5 * time.Millisecond, Jitter: 3 * time.Millisecond})
	var wg sync.WaitGroup
	ids := make(chan int64, 64)
	for i := range 64 {
		wg.Go(func() { // no t.Fatal off the test goroutine
			_, body, err := post(u, token, "addCrmClient", fmt.Sprintf(`{"login":"u%d"}`, i))
			var m struct {
				Status string `json:"status"`
				ID     int64  `json:"crm_client_id"`
			}
			if err != nil || json.Unmarshal(body, &m) != nil || m.Status != "SUCCESS" {
				t.Errorf("create %d: %v %s", i, err, body)
			}
			ids <- m.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given twice", id)
		}
		seen[id] = true
	}
	if len(s.Clients()) != 64 || s.Stats().Creates != 64 || s.MaxInWindow(time.Minute) != 64 {
		t.Errorf("%d clients, stats %+v", len(s.Clients()), s.Stats())
	}
}

func TestLatencyHonoursContext(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{Latency: 80 * time.Millisecond, Jitter: 20 * time.Millisecond})
	start := time.Now()
	mustOK(t, call(t, u, "getCrmClientStatuses", "{}"))
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered after %v, want ≥ 60 ms (80 ± 20)", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	form := url.Values{"method": {"addCrmClient"}, "parameters": {`{"login":"late"}`}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-BLToken", token)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline, got %v", err)
	}
}

// outcome classifies an answer as a plain net/http client sees it.
func outcome(endpoint, params string) string {
	code, body, err := post(endpoint, token, "addCrmClient", params)
	switch {
	case err != nil && code == 0:
		return "conn-error"
	case err != nil:
		return "body-error"
	case code != http.StatusOK:
		return fmt.Sprintf("http-%d", code)
	case !json.Valid(body):
		return "bad-json"
	}
	return "ok"
}

func TestFaultKinds(t *testing.T) {
	tests := []struct {
		fault   sandbox.Fault
		want    string
		applied bool
	}{
		{sandbox.FaultHTTP500, "http-500", false},
		{sandbox.FaultCutBefore, "conn-error", false},
		{sandbox.FaultCutAfter, "conn-error", true},
		{sandbox.FaultTruncated, "bad-json", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			s, u := newSandbox(t, sandbox.Config{FaultRate: 1, Faults: []sandbox.Fault{tt.fault}})
			if got := outcome(u, `{"login":"faulted"}`); got != tt.want {
				t.Errorf("outcome %s, want %s", got, tt.want)
			}
			if n := len(s.Clients()); (n == 1) != tt.applied {
				t.Errorf("%d clients stored, applied=%v expected", n, tt.applied)
			}
			if st := s.Stats(); st.Faults[tt.fault] != 1 || st.Requests != 1 {
				t.Errorf("stats %+v", st)
			}
			// Faults off: the same request goes through.
			s.SetFaultRate(0)
			if got := outcome(u, `{"login":"clean"}`); got != "ok" {
				t.Errorf("without faults: %s", got)
			}
			// Auth failures are never faulted.
			s.SetFaultRate(1)
			if code, body, err := post(u, "bad", "getCrmClients", "{}"); err != nil || code != 200 || !strings.Contains(string(body), sandbox.CodeBadToken) {
				t.Errorf("auth failure faulted: %d %s %v", code, body, err)
			}
		})
	}
}

func TestTruncatedIsCutMidJSON(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{FaultRate: 1, Faults: []sandbox.Fault{sandbox.FaultTruncated}, Clients: 3})
	_, body, err := post(u, token, "getCrmClients", "{}")
	if err != nil || !strings.HasPrefix(string(body), `{"status":"SUCCESS"`) || json.Valid(body) {
		t.Errorf("want a prefix of a SUCCESS answer: %v %.80s", err, body)
	}
}

func faultSequence(t *testing.T, seed int64) []string {
	s, u := newSandbox(t, sandbox.Config{Seed: seed, FaultRate: 0.5})
	var seq []string
	for i := range 40 {
		seq = append(seq, outcome(u, fmt.Sprintf(`{"login":"n%d"}`, i)))
	}
	kinds := 0
	for _, n := range s.Stats().Faults {
		if n > 0 {
			kinds++
		}
	}
	if kinds != 4 {
		t.Errorf("seed %d: %d fault kinds in 40 requests at rate 0.5, want all 4: %v", seed, kinds, s.Stats().Faults)
	}
	return seq
}

func TestFaultsDeterministic(t *testing.T) {
	a, b, c := faultSequence(t, 7), faultSequence(t, 7), faultSequence(t, 8)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("seeds 7 and 8 gave the same 40 outcomes: %v", a)
	}
}
