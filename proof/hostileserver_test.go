package proof

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestHostileServerPages (issue 20, item 1): against a server that ignores
// `page` and one whose pages never end, an export and an import's
// --match-by walk end by themselves with exit 2, a message that names why,
// the old export untouched and nothing written; the requests each cost
// are logged for the note.
func TestHostileServerPages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	for _, tc := range []struct {
		name   string
		cfg    sandbox.Config
		extra  []string
		says   string
		maxReq int
	}{
		{name: "ignores page", cfg: sandbox.Config{Clients: 250, IgnorePage: true},
			says: "the API is not paging", maxReq: 8},
		{name: "pages never end", cfg: sandbox.Config{Clients: 250, EndlessPages: true},
			extra: []string{"--max-clients", "3000"}, says: "--max-clients 3000", maxReq: 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range []string{"export", "import"} {
				srv, url := sandboxtest.New(t, tc.cfg)
				dir := crashDir(t, uniqueRows(genInput(20, 3)))
				old := writeFile(t, dir, "out.csv", "the old export\n")
				args := []string{"export", "--out", "out.csv", "--force", "--rate", crashRate, "--no-progress"}
				if cmd == "import" {
					args = importArgs("r.csv")
				}
				start := time.Now()
				res := runBin(t, dir, url, append(args, tc.extra...)...)
				took := time.Since(start)
				st := srv.Stats()
				t.Logf("%s, %s: exit %d after %s, %d requests (getCrmClients %d, writes %d)",
					tc.name, cmd, res.code, took.Round(10*time.Millisecond), st.Requests, st.ByMethod["getCrmClients"], st.Creates+st.Updates)
				if res.code != 2 || !strings.Contains(res.stderr, tc.says) {
					t.Errorf("%s: exit %d, want 2 and a message saying %q:\n%s", cmd, res.code, tc.says, res.stderr)
				}
				if st.Requests > tc.maxReq || st.Creates+st.Updates != 0 {
					t.Errorf("%s: %d requests (want at most %d), %d writes (want none)", cmd, st.Requests, tc.maxReq, st.Creates+st.Updates)
				}
				if b, _ := os.ReadFile(old); string(b) != "the old export\n" {
					t.Errorf("%s: the old export was changed: %q", cmd, b[:min(len(b), 40)])
				}
			}
		})
	}
}

// TestHostileServerSilentAndIDless (issue 20, items 6 and 7): a server that
// never answers ends an export and a one-row import within --max-wait, its
// request timeouts and retry pauses included; a create answered SUCCESS
// without an ID is OUTCOME_UNKNOWN after one look-up, never sent again.
func TestHostileServerSilentAndIDless(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin(t) // built before the clock starts
	var requests atomic.Int64
	done := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		requests.Add(1)
		select {
		case <-done:
		case <-time.After(time.Minute):
		}
	}))
	defer silent.Close()
	defer close(done)
	const maxWait = 3 * time.Second
	for _, args := range [][]string{
		{"export", "--out", "x.csv", "--no-progress"},
		{"import", "data.csv", "--mapping", "m.yaml", "--no-progress"},
	} {
		requests.Store(0)
		dir := noKeyDir(t, uniqueRows(genInput(6, 1)))
		start := time.Now()
		res := runBin(t, dir, silent.URL, append(args, "--request-timeout", "1s", "--max-wait", maxWait.String())...)
		took := time.Since(start)
		t.Logf("silent, %s: exit %d after %s, %d requests", args[0], res.code, took.Round(10*time.Millisecond), requests.Load())
		if res.code == 0 || took > maxWait+1500*time.Millisecond { // the process's own start and end
			t.Errorf("silent, %s: exit %d after %s with --max-wait %s\n%s", args[0], res.code, took, maxWait, res.stderr)
		}
	}

	var adds, lists atomic.Int64
	idless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch r.PostForm.Get("method") {
		case "addCrmClient":
			adds.Add(1)
			fmt.Fprint(w, `{"status":"SUCCESS"}`)
		case "getCrmClients":
			lists.Add(1)
			fmt.Fprint(w, `{"status":"SUCCESS","clients":[]}`)
		default:
			fmt.Fprint(w, `{"status":"SUCCESS","statuses":[],"extra_fields":{}}`)
		}
	}))
	defer idless.Close()
	dir := noKeyDir(t, uniqueRows(genInput(7, 1)))
	res := runBin(t, dir, idless.URL, noKeyArgs()...)
	t.Logf("ID-less create: exit %d, addCrmClient %d, getCrmClients %d", res.code, adds.Load(), lists.Load())
	lines := readReport(t, filepath.Join(dir, "r.csv"))
	if res.code != 1 || adds.Load() != 1 || lists.Load() != 1 || len(lines) != 1 || lines[0]["error_code"] != "OUTCOME_UNKNOWN" {
		t.Errorf("exit %d, %d creates, %d look-ups, report %+v; want exit 1, one create, one look-up, OUTCOME_UNKNOWN\n%s",
			res.code, adds.Load(), lists.Load(), lines, res.stderr)
	}
}
