package importer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestResendFailedSaysTheSendsBefore: a create resent after a look-up
// proved its first send made nothing, whose resend the API refuses, is
// reported with the API's code and says it was sent before — not only the
// refusal, as if the row had never gone out.
func TestResendFailedSaysTheSendsBefore(t *testing.T) {
	t.Parallel()
	srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 61})
	// the first create answered 500 with the API's JSON (done, nothing made), every later one refused
	h := &answerCreates{srv: srv, status: http.StatusInternalServerError, body: `{"status":"SUCCESS"}`,
		later: `{"status":"ERROR","error_code":"ERROR_TEST_REFUSED","error_message":"refused by the test"}`}
	ts := httptest.NewServer(h)
	defer ts.Close()
	api := clientOf(t, ts.URL+"/connector.php")
	in := writeFile(t, t.TempDir(), "in.csv", genRows("q", 1))
	sum, _ := Run(context.Background(), api, in, Config{MatchBy: []string{"email"}, Workers: 1})
	if n := h.creates.Load(); n != 2 || len(srv.Clients()) != 0 {
		t.Fatalf("%d creates sent, %d clients; want 2 sent, none made", n, len(srv.Clients()))
	}
	l := byRow(t, readReport(t, sum.Report))["2"]
	want := "the create was sent once and each time a look-up proved no client was made (the last time the create was sent but got no usable answer"
	if l["status"] != "failed" || l["error_code"] != "ERROR_TEST_REFUSED" || !strings.Contains(l["error_message"], want) ||
		!strings.Contains(l["error_message"], "refused by the test") {
		t.Errorf("row 2: %s %s %q; want failed ERROR_TEST_REFUSED saying %q and the API's words", l["status"], l["error_code"], l["error_message"], want)
	}
}
