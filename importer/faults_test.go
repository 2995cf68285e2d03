package importer

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/validate"
)

// lostWait is the --request-timeout of the runs whose creates' answers the
// sandbox loses: a lost create is looked up only this long after its send
// (process.go); the sandbox (no latency) answers far sooner, and applies
// a create before it loses its answer.
const lostWait = 100 * time.Millisecond

// genRows makes n rows with distinct emails (prefix-i@example.com).
func genRows(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("email,invoice_fullname,invoice_city\n")
	for i := range n {
		fmt.Fprintf(&b, "%s-%d@example.com,Client %d,City %d\n", prefix, i, i, i%7)
	}
	return b.String()
}

// TestFaultsNeverDuplicate imports with every fault kind injected and
// proves no client was created twice and every row has exactly one line.
func TestFaultsNeverDuplicate(t *testing.T) {
	for _, f := range sandbox.AllFaults() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			srv, api := newAPI(t, sandbox.Config{Seed: 7, Clients: 40, FaultRate: 0.3, Faults: []sandbox.Fault{f}}, 0, 0)
			dir := t.TempDir()
			// 150 rows: 120 new, 30 of them a second time (same key, later in the file).
			body := genRows("n", 120)
			var extra strings.Builder
			for i := range 30 {
				fmt.Fprintf(&extra, "N-%d@example.com,Again %d,\n", i*3, i)
			}
			in := writeFile(t, dir, "in.csv", body+extra.String())
			var said events.Recorder
			sum, err := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 8, RequestTimeout: lostWait, Events: &said})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range said.Events() { // a page says these in its own words
				if m := e.Message; m != nil && strings.Contains(m.Text, "--") && m.Key == "" {
					t.Errorf("a note names a flag and has no key for a page: %s", m.Text)
				}
			}
			recs := readReport(t, sum.Report)
			lines := byRow(t, recs)
			if len(recs)-1 != 150 || sum.Rows != 150 {
				t.Fatalf("%d report lines, want 150", len(recs)-1)
			}
			for i := 2; i <= 151; i++ {
				if lines[fmt.Sprint(i)] == nil {
					t.Fatalf("no line for row %d", i)
				}
				if recs[i-1][0] != fmt.Sprint(i) {
					t.Fatalf("line %d is row %s: not in input order", i-1, recs[i-1][0])
				}
			}
			assertNoDuplicates(t, srv)
			if st := srv.Stats(); st.Faults[f] == 0 {
				t.Errorf("no %s fault was injected: %+v", f, st)
			}
			t.Logf("%s: %v; sandbox %+v", f, sum, srv.Stats().Faults)
			for _, r := range recs[1:] {
				if r[1] == "failed" {
					t.Logf("failed: %v", r[3:5])
				}
			}
		})
	}
}

func assertNoDuplicates(t *testing.T, srv *sandbox.Server) {
	t.Helper()
	seen := map[string]int64{}
	for _, c := range srv.Clients() {
		k := validate.MatchKey("email", c.Email)
		if k == "" {
			continue
		}
		if id, dup := seen[k]; dup {
			t.Errorf("duplicate clients %d and %d for %s", id, c.CrmClientID, k)
		}
		seen[k] = int64(c.CrmClientID)
	}
}

// TestOutcomeUnknownWithoutMatchBy: without --match-by a lost create is
// settled by the row's email; rows without email fail OUTCOME_UNKNOWN
// rather than risk a second client.
func TestOutcomeUnknownWithoutMatchBy(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 8, FaultRate: 0.3, Faults: []sandbox.Fault{sandbox.FaultCutAfter}}, 0, 0)
	var b strings.Builder
	b.WriteString("email,login\n")
	for i := range 40 {
		fmt.Fprintf(&b, "w-%d@example.com,\n", i)
	}
	for i := range 20 {
		fmt.Fprintf(&b, ",login%d\n", i)
	}
	in := writeFile(t, t.TempDir(), "in.csv", b.String())
	sum, err := Run(context.Background(), api, in, Config{RequestTimeout: lostWait})
	if err != nil {
		t.Fatal(err)
	}
	assertNoDuplicates(t, srv)
	logins := map[string]int{}
	for _, c := range srv.Clients() {
		if c.Login != "" {
			logins[c.Login]++
		}
	}
	for l, n := range logins {
		if n > 1 {
			t.Errorf("login %s created %d times", l, n)
		}
	}
	lines := byRow(t, readReport(t, sum.Report))
	unknown := 0
	for row := 2; row <= 61; row++ {
		l := lines[fmt.Sprint(row)]
		switch {
		case l["status"] == "created":
		case l["status"] == "failed" && l["error_code"] == events.CodeOutcomeUnknown:
			unknown++
			if row <= 41 {
				t.Errorf("row %d has an email but was not settled: %s", row, l["error_message"])
			}
		default:
			t.Errorf("row %d: %v", row, l)
		}
	}
	if unknown == 0 {
		t.Error("no row without email hit OUTCOME_UNKNOWN; the fault rate should make some")
	}
	if sum.Journal == "" {
		t.Error("the journal was removed although writes are unsettled")
	}
	if _, err := os.Stat(sum.Report + ".journal"); err != nil {
		t.Errorf("journal: %v", err)
	}
}

// TestBlockedTokenPauses: a client limiter set higher than the server's
// limit gets the token blocked; the limiter pauses and every row still ends.
func TestBlockedTokenPauses(t *testing.T) {
	window := 400 * time.Millisecond
	srv, api := newAPI(t, sandbox.Config{Seed: 9, Limit: 10, Window: window, BlockFor: window}, 25, window)
	in := writeFile(t, t.TempDir(), "in.csv", genRows("b", 30))
	sum, err := Run(context.Background(), api, in, Config{Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[events.StatusCreated] != 30 {
		t.Errorf("summary %v", sum)
	}
	st := srv.Stats()
	if st.Blocked == 0 || api.Limiter().Stats().Blocks == 0 {
		t.Errorf("the token was never blocked (sandbox %+v); the test proves nothing", st)
	}
	assertNoDuplicates(t, srv)
	if st.Creates != 30 {
		t.Errorf("%d creates, want 30", st.Creates)
	}
}
