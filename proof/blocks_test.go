package proof

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// blockSandbox is the fault campaign's sandbox with the live API's block
// habits on: an account block after accountAfter requests, and token
// blocks that name their end and restart on every request inside them.
// Every arrival but intrude's is noted.
func blockSandbox(t *testing.T, seed int64, clients, accountAfter int, readErrors float64) (*sandbox.Server, string, *arrivalLog) {
	t.Helper()
	return loggedSandbox(t, sandbox.Config{
		Limit: campaignLimit, Window: campaignWindow, BlockFor: 3 * campaignWindow, ExtendBlock: true,
		AccountBlockAfter: accountAfter, AccountBlockFor: 2 * campaignWindow,
		Latency: 8 * time.Millisecond, Jitter: 6 * time.Millisecond,
		FaultRate: 0.05, Faults: sandbox.AllFaults(), ReadErrors: readErrors, Seed: seed, Clients: clients,
	})
}

// limiterLog is a pacer.Shared that notes when the limiter started each
// request and when it paused for a block. It shares with no one: every
// start it is asked for is granted, so the limiter decides as it would
// alone. The limiter calls it under its own lock, so the notes are in
// the order of its decisions.
type limiterLog struct {
	mu             sync.Mutex
	starts, pauses []time.Time // on the limiter's clock
}

func (l *limiterLog) Take(_ context.Context, now time.Time, _ int, _ time.Duration) (time.Time, bool, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.starts = append(l.starts, now)
	return now, true, false, nil
}

func (l *limiterLog) Pause(_ context.Context, now, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pauses = append(l.pauses, now)
	return nil
}

// notes returns the starts and the pauses so far, each in order.
func (l *limiterLog) notes() (starts, pauses []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	starts, pauses = slices.Clone(l.starts), slices.Clone(l.pauses)
	slices.SortFunc(starts, time.Time.Compare)
	slices.SortFunc(pauses, time.Time.Compare)
	return starts, pauses
}

// intrude plays another integration of the account: once the sandbox has
// seen after requests, it sends requests with the same token as fast as it
// can, intruders at a time, until one is blocked, pushing the token over
// the limit in the middle of crmbulk's run, and then stops, as a
// well-behaved integration would. One at a time, a loaded machine (load
// 20, -race) kept it and crmbulk together under the limit for a whole
// export, and the proof met no token block.
func intrude(t *testing.T, srv *sandbox.Server, endpoint string, after int) (wait func()) {
	t.Helper()
	const intruders = 8
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for srv.Stats().Requests < after {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
		blocked, stop := context.WithCancel(ctx)
		defer stop()
		var senders sync.WaitGroup
		for range intruders {
			senders.Go(func() {
				for blocked.Err() == nil {
					if intrudeOnce(blocked, endpoint) {
						stop()
					}
				}
			})
		}
		senders.Wait()
	})
	return func() { cancel(); wg.Wait() }
}

// intrudeOnce sends one request of intrude's and says whether its answer
// was ERROR_BLOCKED_TOKEN.
func intrudeOnce(ctx context.Context, endpoint string) bool {
	form := url.Values{"method": {"getCrmClientStatuses"}, "parameters": {"{}"}}.Encode()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-BLToken", sandboxtest.DefaultToken)
	req.Header.Set(notCounted, "intrude")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), "ERROR_BLOCKED_TOKEN")
}

// checkBlocks proves the run met both kinds of block and sent nothing into
// them but the requests already on their way when it learned of each:
// every request of the run that reached the sandbox before a block's end
// was started by the limiter before it paused for that block (its first
// pause after the block began). Requests a slow answer or a lost one held
// (an import's rows wait --request-timeout before they are looked up),
// and requests a busy machine held on their way, count as what they are:
// started before the limiter knew. The check counts events — the
// limiter's starts and pauses, the sandbox's arrivals and blocks — and
// bounds no delay, so a loaded machine cannot fail it, and a request the
// limiter started into a block fails it however fast the machine.
func checkBlocks(t *testing.T, srv *sandbox.Server, arrived *arrivalLog, lim *limiterLog) {
	t.Helper()
	st := srv.Stats()
	if st.TimesBlocked == 0 || st.AccountBlocks == 0 {
		t.Fatalf("the run met %d token blocks and %d account blocks; the proof needs both", st.TimesBlocked, st.AccountBlocks)
	}
	at := arrived.arrivals()
	starts, pauses := lim.notes()
	before := func(ts []time.Time, x time.Time) int {
		n, _ := slices.BinarySearchFunc(ts, x, time.Time.Compare)
		return n
	}
	for _, b := range srv.Blocks() {
		kind := "token"
		if b.Account {
			kind = "account"
		}
		inside := before(at, b.End) - before(at, b.Start)
		p := before(pauses, b.Start)
		if p == len(pauses) {
			if inside > 0 {
				t.Errorf("%d requests of the run arrived in the %s block of %s, and the limiter never paused for it", inside, kind, b.End.Sub(b.Start).Round(time.Millisecond))
			} else {
				t.Logf("%s block of %s: the run sent nothing into it and never met it", kind, b.End.Sub(b.Start).Round(time.Millisecond))
			}
			continue
		}
		learned := pauses[p]
		sent, allowed := before(at, b.End), before(starts, learned)
		if sent > allowed {
			t.Errorf("%d requests reached the sandbox before the %s block's end, %d of them inside it, but the limiter started %d before it paused for the block (%s after it began): %d went into the block after the run knew of it",
				sent, kind, inside, allowed, learned.Sub(b.Start).Round(time.Millisecond), sent-allowed)
			continue
		}
		t.Logf("%s block of %s: %d requests of the run inside it, all started before the limiter paused %s after it began",
			kind, b.End.Sub(b.Start).Round(time.Millisecond), inside, learned.Sub(b.Start).Round(time.Millisecond))
	}
	t.Logf("%d token blocks, %d account blocks, %d blocked answers, latest arrival %s into a block",
		st.TimesBlocked, st.AccountBlocks, st.Blocked, st.LatestInBlock)
}

// TestBlocksMidImport: an import of 500 rows meets an account block and,
// when another integration pushes the token over the limit, a token block
// that names its end and restarts on every request inside it. Every
// worker stops at the first blocked answer and waits the stated end out:
// nothing is lost, nothing created twice, every row has one final line.
func TestBlocksMidImport(t *testing.T) {
	const n = 500
	srv, endpoint, arrived := blockSandbox(t, 31, 20, 180, 0)
	lim := &limiterLog{}
	api := newAPI(t, endpoint, campaignLimit, campaignWindow, pacer.WithShared(lim, nil))
	dir := t.TempDir()
	rows := genInput(31, n)
	in := writeInput(t, dir, "clients.csv", rows)
	m, err := mapping.Parse("m.yaml", []byte(mappingYAML))
	if err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "clients.report.csv")
	wait := intrude(t, srv, endpoint, 360)
	defer wait()

	ctx := context.Background()
	start := time.Now()
	sum, err := importer.Run(ctx, api, in, importer.Config{Mapping: m, MatchBy: []string{"email"}, RequestTimeout: campaignTimeout, Report: report})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	t.Logf("import (%s): %v", time.Since(start).Round(time.Millisecond), sum)
	wait()
	resumeUntilDone(t, api, in, report, m, rows)
	checkOneLinePerRow(t, readReport(t, report), rows)
	checkState(t, imported(t, srv), wantState(rows))
	checkBlocks(t, srv, arrived, lim)
}

// TestBlocksMidDetailsExport: an export --with-details meets the same two
// blocks and transient read errors. It ends with every client and every
// note — or fails with yesterday's file intact and, after --resume, ends
// with all of them: never a file with less.
func TestBlocksMidDetailsExport(t *testing.T) {
	n := pick(300, 800)
	srv, endpoint, arrived := blockSandbox(t, 41, n, 120, 0.05)
	lim := &limiterLog{}
	api := newAPI(t, endpoint, campaignLimit, campaignWindow, pacer.WithShared(lim, nil))
	dir := t.TempDir()
	path := filepath.Join(dir, "clients.xlsx")
	if err := os.WriteFile(path, []byte("yesterday"), 0o600); err != nil {
		t.Fatal(err)
	}
	wait := intrude(t, srv, endpoint, 220)
	defer wait()

	export := func(resume bool) (exporter.Summary, error) {
		out, err := exporter.OpenOutput(exporter.OutputOptions{Path: path, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		e, err := exporter.New(api, exporter.Config{Notes: true, ExtraFields: true, Keep: out.DetailsPath(), Resume: resume,
			Capabilities: exporter.CapabilitiesOf(api)})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := e.Run(context.Background(), out.Opener())
		if err != nil {
			_ = out.Abort()
			return sum, err
		}
		return sum, out.Commit()
	}
	sum, err := export(false)
	for round := 1; err != nil; round++ {
		t.Logf("export failed (%v); kept %q", err, sum.Kept)
		if b, rerr := os.ReadFile(path); rerr != nil || string(b) != "yesterday" {
			t.Fatalf("a failed export touched the old file: %q, %v", b, rerr)
		}
		if round > 5 {
			t.Fatalf("still failing after %d resumes: %v", round-1, err)
		}
		sum, err = export(true)
	}
	wait()
	t.Logf("%v; sandbox faults %v", sum, srv.Stats().Faults)
	checkExport(t, path, srv.Clients())
	checkBlocks(t, srv, arrived, lim)
}
