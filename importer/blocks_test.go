package importer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestBlockUntilIsWaitedOut: the sandbox's block names its end and a
// request during it restarts it (ExtendBlock). The client waits until the
// stated end: only the requests already in flight when the block began are
// answered "blocked", the block is never extended, and every row ends once.
func TestBlockUntilIsWaitedOut(t *testing.T) {
	window := 2 * time.Second
	// The block (5 s) outlasts the client's own backoff guess (2–2.5 s): a
	// client that guessed would send into it, and extend it.
	srv, api := newAPI(t, sandbox.Config{Seed: 9, Limit: 10, Window: window, BlockFor: 5 * time.Second, ExtendBlock: true}, 14, window)
	in := writeFile(t, t.TempDir(), "in.csv", genRows("u", 24))
	start := time.Now()
	sum, err := Run(context.Background(), api, in, Config{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if sum.Counts[events.StatusCreated] != 24 || st.Creates != 24 {
		t.Errorf("summary %v, %d creates; want 24", sum.Counts, st.Creates)
	}
	if st.TimesBlocked == 0 {
		t.Fatalf("the token was never blocked (sandbox %+v); the test proves nothing", st)
	}
	if st.Blocked > 4*st.TimesBlocked {
		t.Errorf("%d blocked answers for %d blocks with 4 workers: requests were sent during a block", st.Blocked, st.TimesBlocked)
	}
	t.Logf("%d blocks, %d blocked answers, %s", st.TimesBlocked, st.Blocked, time.Since(start).Round(time.Millisecond))
	assertNoDuplicates(t, srv)
}

// TestAccountBlockPausesTheRun: ERROR_USER_ACCOUNT_BLOCKED in the middle of
// an import pauses every worker until the block's end, as a token block
// does; no row fails for it and nothing is sent meanwhile.
func TestAccountBlockPausesTheRun(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 9, AccountBlockAfter: 10, AccountBlockFor: 2 * time.Second}, 0, 0)
	in := writeFile(t, t.TempDir(), "in.csv", genRows("a", 20))
	start := time.Now()
	sum, err := Run(context.Background(), api, in, Config{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("the import took %s for a 2 s block: it did not wait for the stated end", took.Round(time.Millisecond))
	}
	st := srv.Stats()
	if sum.Counts[events.StatusCreated] != 20 || sum.Counts[events.StatusFailed] != 0 || st.Creates != 20 {
		t.Errorf("summary %v, %d creates; want 20 created, none failed", sum.Counts, st.Creates)
	}
	if st.Blocked == 0 || st.Blocked > 4 {
		t.Errorf("%d answers during the account block, want 1..4 (the requests in flight)", st.Blocked)
	}
	assertNoDuplicates(t, srv)
}

// TestDriftingAPI: integers as strings, digit-only texts as numbers, answers
// labelled text/html, warnings on every third write and transient unknown
// codes on reads: the import reads every client (retrying the reads),
// creates every row once, and puts each warning verbatim in its row's
// warnings column and the count in the summary.
func TestDriftingAPI(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 12, Clients: 150, DriftTypes: true, HTMLLabel: true, WarnEvery: 3, ReadErrors: 0.2}, 0, 0)
	in := writeFile(t, t.TempDir(), "in.csv", genRows("d", 12))
	sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[events.StatusCreated] != 12 || srv.Stats().Creates != 12 {
		t.Fatalf("summary %v; want 12 created", sum.Counts)
	}
	warned := 0
	for _, l := range byRow(t, readReport(t, sum.Report)) {
		if strings.Contains(l["warnings"], "the API warned: Klient") {
			warned++
		}
	}
	if warned != 4 || sum.Warned != 4 || !strings.Contains(sum.String(), "4 rows were written with warnings from the API") {
		t.Errorf("%d rows with the API's warnings in the report, %d in the summary; want 4\n%s", warned, sum.Warned, sum)
	}
	assertNoDuplicates(t, srv)
}

// TestMaxWaitStopsCleanly: a block longer than --max-wait ends the run at
// once: the rows not done are skipped WAITED_TOO_LONG (or NOT_ATTEMPTED),
// every row has its line, the run says so, and --resume after the block
// finishes the work with no client twice.
func TestMaxWaitStopsCleanly(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 9, Limit: 6, Window: 2 * time.Second, BlockFor: 4 * time.Second})
	client := func(maxWait time.Duration) *baselinker.API {
		api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken),
			baselinker.WithLimiter(pacer.New(20, pacer.WithWindow(2*time.Second), pacer.WithMargin(time.Millisecond), pacer.WithMaxWait(maxWait))),
			baselinker.WithRetry(pacer.Backoff{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		return api
	}
	in := writeFile(t, t.TempDir(), "in.csv", genRows("w", 20))
	sum, err := Run(context.Background(), client(time.Second), in, Config{Workers: 3})
	if !errors.Is(err, events.ErrFatal) || !strings.Contains(err.Error(), "max-wait") && !strings.Contains(err.Error(), "waited too long") {
		t.Fatalf("err = %v, want the run stopped on --max-wait", err)
	}
	if sum.Rows != 20 || sum.Counts[events.StatusSkipped] == 0 {
		t.Fatalf("summary %v: want a line for all 20 rows, some skipped", sum.Counts)
	}
	waited := 0
	for _, l := range byRow(t, readReport(t, sum.Report)) {
		if l["error_code"] == CodeWaitedTooLong {
			waited++
		}
	}
	if waited == 0 {
		t.Error("no row says WAITED_TOO_LONG")
	}
	time.Sleep(4*time.Second + 500*time.Millisecond) // the block ends
	sum2, err := Run(context.Background(), client(0), in, Config{Workers: 3, Resume: sum.Report})
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Counts[events.StatusCreated] != 20 || srv.Stats().Creates != 20 {
		t.Errorf("after --resume: %v, %d creates; want 20", sum2.Counts, srv.Stats().Creates)
	}
	assertNoDuplicates(t, srv)
}

// TestProgressSaysBlocked: during a block the progress line says until
// when, also while no row is written.
func TestProgressSaysBlocked(t *testing.T) {
	window := 2 * time.Second
	_, api := newAPI(t, sandbox.Config{Seed: 9, Limit: 6, Window: window, BlockFor: 4 * time.Second}, 20, window)
	in := writeFile(t, t.TempDir(), "in.csv", genRows("p", 14))
	rec := &events.Recorder{}
	if _, err := Run(context.Background(), api, in, Config{Workers: 3, Events: rec, Waiting: api.Limiter().Waiting}); err != nil {
		t.Fatal(err)
	}
	// Which rows are written before the first block depends on the order
	// the workers' requests arrive in, so the block and the rate are
	// looked for apart.
	if !rec.Said("blocked until ") || !rec.Said("rows/min") {
		t.Errorf("no progress line said the block, or none the rate: %q", rec.Lines())
	}
}
