package importer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// failLookups answers every create as answerCreates does, and every read
// of clients (the look-up of a create) with HTTP 500.
type failLookups struct{ answerCreates }

func (h *failLookups) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, method, ok := readForm(w, r)
	if !ok {
		return
	}
	if method == "getCrmClients" {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	h.answerCreates.ServeHTTP(w, r)
}

// TestUnsettledWordsAfterAnAnswer: a create the server answered HTTP 500,
// whose look-up then fails, stays unsettled; its message says it got no
// usable answer and names the 500 — not that its answer never came. A
// resume's carried create (its answer lost or a 500: the journal cannot
// say) whose look-up fails says the same, and so does a create a gateway
// answered 502 (it may still land) whose wait the user interrupts.
func TestUnsettledWordsAfterAnAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		resume    bool
		interrupt bool
		want      []string
	}{
		{"this run's create answered 500", http.StatusInternalServerError, false, false, []string{"the create was sent but got no usable answer", "HTTP 500"}},
		{"a resumed run's create", http.StatusInternalServerError, true, false, []string{"an earlier run sent this row's create and got no usable answer"}},
		{"a 502 interrupted in its wait", http.StatusBadGateway, false, true, []string{"the create was sent but got no usable answer", "HTTP 502", "the import was interrupted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 62})
			h := &failLookups{answerCreates{srv: srv, status: tc.status}}
			ts := httptest.NewServer(h)
			defer ts.Close()
			api := clientOf(t, ts.URL+"/connector.php")
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("w", 1))
			cfg := Config{Workers: 1, RequestTimeout: time.Second, Report: filepath.Join(dir, "in.report.csv")}
			if tc.resume {
				sha, err := FileSHA(in)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, "in.report.csv.journal", fmt.Sprintf(`{"ev":"start","sha":%q,"window":16,"timeout_ms":1000}`, sha)+"\n"+
					fmt.Sprintf(`{"ev":"send","row":2,"op":"create","at_ms":%d}`, time.Now().Add(-time.Minute).UnixMilli())+"\n")
				writeFile(t, dir, "in.report.csv", strings.Join(events.Columns(), ",")+"\n")
				cfg.Resume = cfg.Report
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.interrupt {
				rec := &events.Recorder{}
				cfg.RequestTimeout, cfg.Events = time.Minute, rec // the wait the interrupt cuts
				waits := func() bool {
					return slices.ContainsFunc(rec.Events(), func(e events.Event) bool {
						return e.Message != nil && strings.HasPrefix(e.Message.Text, "row 2: the create's answer was lost (")
					})
				}
				go func() {
					for !waits() && ctx.Err() == nil {
						time.Sleep(5 * time.Millisecond)
					}
					cancel()
				}()
			}
			sum, err := Run(ctx, api, in, cfg)
			if err != nil && !(tc.interrupt && errors.Is(err, events.ErrInterrupted)) {
				t.Fatal(err)
			}
			l := byRow(t, readReport(t, sum.Report))["2"]
			msg := l["error_message"]
			if l["error_code"] != events.CodeOutcomeUnknown || strings.Contains(msg, "never came") {
				t.Errorf("row 2: %s %q; want OUTCOME_UNKNOWN, not saying the answer never came", l["error_code"], msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("row 2: %q lacks %q", msg, w)
				}
			}
		})
	}
}
