package baselinker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

// silent accepts the request and never answers (until the test ends).
func silent(done <-chan struct{}) func(http.ResponseWriter, *http.Request, int, seen) {
	return func(http.ResponseWriter, *http.Request, int, seen) {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
	}
}

// TestNoAnswerIsCutAndSaid: a server that never answers costs each
// request its timeout, every retry is logged with why, and --max-wait
// bounds the whole: the call ends with ErrWaitedTooLong once the API's
// silence fills --max-wait, not before and not after every retry of every
// row. How many tries fit depends on how late the machine wakes the
// client (under load a 50ms timeout can fire 100ms late), so the test
// checks the bounds that hold whatever the load: at least one retry, never
// more tries than the budget holds at 50ms each, and no giving up before
// the silence filled --max-wait.
func TestNoAnswerIsCutAndSaid(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	f := newFakeAPI(t, silent(done))
	const timeout, maxWait = 50 * time.Millisecond, 250 * time.Millisecond
	lim := pacer.New(1000, pacer.WithMaxWait(maxWait))
	a, logs := testAPI(t, f.srv.URL, WithTimeout(timeout), WithLimiter(lim),
		WithRetry(pacer.Backoff{Attempts: 10, Base: time.Millisecond, Max: time.Millisecond}))
	start := time.Now()
	_, err := a.GetCrmClients(context.Background(), 1, Filters{})
	took := time.Since(start)
	if !errors.Is(err, pacer.ErrWaitedTooLong) {
		t.Fatalf("err = %v, want ErrWaitedTooLong once the unanswered time passed --max-wait", err)
	}
	// Each try lasts at least the time it was given, and none is given
	// more than the budget left: at most 4 whole 50ms tries and one cut
	// to what is left fit in 250ms. The first try ends long before 250ms
	// unless the machine is 200ms late, so a retry follows it.
	n := len(f.requests())
	if most := int((maxWait + timeout - 1) / timeout); n < 2 || n > most {
		t.Errorf("%d requests, want 2 to %d (a retry, and no more tries than %s of silence holds at %s each)", n, most, maxWait, timeout)
	}
	// The call gives up when the wait before the next try (1ms at most)
	// reaches what --max-wait has left: not before the silence filled it.
	if took < maxWait-time.Millisecond || took > 2*time.Second {
		t.Errorf("took %s, want the whole --max-wait of %s and not much more", took, maxWait)
	}
	for try := 2; try <= n; try++ {
		if said := fmt.Sprintf("no answer in 50ms, retrying %d/10", try); !strings.Contains(logs.String(), said) {
			t.Errorf("the retry was not said (%q):\n%s", said, logs)
		}
	}
	// A create with no answer is never sent again blind.
	a, _ = testAPI(t, f.srv.URL, WithTimeout(100*time.Millisecond))
	_, err = a.AddCrmClient(context.Background(), ClientFields{Values: map[string]string{"email": "a@b.pl"}})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("create: err = %v, want ErrOutcomeUnknown", err)
	}
}

// TestACutTryIsNoSilence: a request its caller cut — the walk cuts the
// pages it read ahead of the last one — says nothing of the API, so it
// takes nothing of --max-wait: the next call (the export's re-read of the
// last page) has the whole budget, however long after the cut it starts.
// Counted as the API's silence from the cut try's start, it stopped the
// resume of cmd/crmbulk's TestExportPastMaxWaitResumes now and then.
func TestACutTryIsNoSilence(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	f := newFakeAPI(t, sequence(silent(done), reply(`{"status":"SUCCESS","clients":[]}`)))
	const maxWait = 300 * time.Millisecond
	lim := pacer.New(1000, pacer.WithMaxWait(maxWait))
	a, _ := testAPI(t, f.srv.URL, WithLimiter(lim))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // cut the try once the server has it
		for len(f.requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := a.GetCrmClients(ctx, 3, Filters{}); err == nil {
		t.Fatal("the cut call succeeded")
	}
	time.Sleep(maxWait) // a silence counted from the cut try's start would now fill the budget
	if left, _ := lim.Budget(); left != maxWait {
		t.Errorf("budget left %s after a cut try, want the whole %s", left, maxWait)
	}
	if _, err := a.GetCrmClients(context.Background(), 2, Filters{}); err != nil {
		t.Errorf("the call after a cut try: %v", err)
	}
}

// TestRetryAfterIsHonoured: a 503 (or 429) with Retry-After is retried no
// sooner than it asks, and the wait is said.
func TestRetryAfterIsHonoured(t *testing.T) {
	var first atomic.Int64
	f := newFakeAPI(t, sequence(func(w http.ResponseWriter, _ *http.Request, _ int, _ seen) {
		first.Store(time.Now().UnixNano())
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	}, reply(`{"status":"SUCCESS","clients":[]}`)))
	a, logs := testAPI(t, f.srv.URL)
	if _, err := a.GetCrmClients(context.Background(), 1, Filters{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(time.Unix(0, first.Load())); d < 950*time.Millisecond {
		t.Errorf("retried %s after a Retry-After of 1s", d)
	}
	if !strings.Contains(logs.String(), "asked to wait 1s (Retry-After)") {
		t.Errorf("the wait was not said:\n%s", logs)
	}
	for _, tc := range []struct {
		h    string
		want time.Duration
		ok   bool
	}{{"120", 2 * time.Minute, true}, {"", 0, false}, {"soon", 0, false},
		{time.Unix(1000, 0).UTC().Format(http.TimeFormat), 40 * time.Second, true}} {
		d, ok := retryAfter(tc.h, time.Unix(960, 0))
		if d != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tc.h, d, ok, tc.want, tc.ok)
		}
	}
}

// TestNoStartAfterTheEnd: requests waiting for the limiter when the run
// ends (an interrupt) never start, however the timer and the end race.
func TestNoStartAfterTheEnd(t *testing.T) {
	f := newFakeAPI(t, reply(`{"status":"SUCCESS","clients":[]}`))
	lim := pacer.New(2, pacer.WithWindow(400*time.Millisecond), pacer.WithMargin(time.Millisecond))
	a, _ := testAPI(t, f.srv.URL, WithLimiter(lim))
	starts, stop := context.WithCancel(context.Background())
	ctx := InFlight(context.Background(), starts)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := a.GetCrmClients(ctx, 1, Filters{})
			errs <- err
		}()
	}
	time.Sleep(100 * time.Millisecond) // two went, six wait for the window
	stop()
	at := len(f.requests())
	for range 8 {
		<-errs
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(f.requests()); n != at || n != 2 {
		t.Errorf("%d requests at the end, %d after it; want 2 and no more", at, n)
	}
}

// TestWaitingSaysRetryAndSlowAnswer (issue 20, item 8): while a request
// waits to be retried, and while an answer is slow to come, the API says
// what it waits for and until when.
func TestWaitingSaysRetryAndSlowAnswer(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	f := newFakeAPI(t, sequence(func(w http.ResponseWriter, _ *http.Request, _ int, _ seen) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	}, silent(done)))
	a, _ := testAPI(t, f.srv.URL, WithTimeout(10*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _ = a.GetCrmClients(ctx, 1, Filters{}) }()
	said := func(a *API, want string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if strings.Contains(a.Waiting(), want) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("Waiting() = %q, want it to say %q", a.Waiting(), want)
	}
	said(a, "(Retry-After)", 2*time.Second)
	if w := a.Waiting(); !strings.HasPrefix(w, "retrying in ") || !strings.Contains(w, "): getCrmClients (try 2/4) after HTTP 503, the server asked to wait 30s") {
		t.Errorf("Waiting() = %q, want the retry, its time and why", w)
	}
	cancel()

	b, _ := testAPI(t, f.srv.URL, WithTimeout(10*time.Second))
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() { _, _ = b.GetCrmClients(ctx2, 1, Filters{}) }() // the silent answer: the fake's second
	said(b, "waiting for the answer to getCrmClients: 4s so far, cut at 10s", 5*time.Second)
}
