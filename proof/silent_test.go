package proof

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSilentServer (issue 14, part 6): a server that accepts requests and
// never answers. Each request is cut at --request-timeout, each retry is
// said, and --max-wait ends the run cleanly (exit 2) in a bounded time —
// an export and a one-row import alike.
func TestSilentServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		select {
		case <-done:
		case <-time.After(time.Minute):
		}
	}))
	defer srv.Close()
	defer close(done)
	dir := noKeyDir(t, uniqueRows(genInput(6, 1)))
	for _, args := range [][]string{
		{"export", "--out", "x.csv", "--no-progress"},
		{"import", "data.csv", "--mapping", "m.yaml", "--no-progress"},
	} {
		t.Run(args[0], func(t *testing.T) {
			start := time.Now()
			res := runBin(t, dir, srv.URL, append(args, "--request-timeout", "1s", "--max-wait", "3s")...)
			took := time.Since(start)
			if res.code != 2 && !(args[0] == "import" && res.code == 1) {
				t.Errorf("exit %d, want 2 (or 1 with the row failed)\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, "no answer in 1s, retrying") {
				t.Errorf("the retries were not said:\n%s", res.stderr)
			}
			if took > 30*time.Second {
				t.Errorf("took %s with --max-wait 3s", took)
			}
			t.Logf("%s: exit %d after %s\n%s", args[0], res.code, took.Round(100*time.Millisecond), res.stderr)
		})
	}
}
