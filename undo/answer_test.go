package undo

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// spoilCreates passes every request to the sandbox but a create
// (addCrmClient without client_id), which the sandbox never sees: it is
// answered HTTP 500 with the API's JSON (the back end failed it and is
// done with it), or its connection is cut (no answer at all).
type spoilCreates struct {
	srv *sandbox.Server
	cut bool
}

func (h spoilCreates) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	if form.Get("method") != "addCrmClient" || strings.Contains(form.Get("parameters"), `"client_id"`) {
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		h.srv.ServeHTTP(w, r)
		return
	}
	if !h.cut {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"status":"SUCCESS"}`)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// TestUndoLostCreateWords: an undo of an undo whose create of a deleted
// client gets no usable answer says so in the words an import says it in
// (OutcomeUnknownError.Got), from what came back: a 500 with the API's
// JSON is an answer — "got no usable answer", naming the 500 — and a cut
// connection is none — "its answer never came". A line with a match key
// is looked up, found missing, and says what that means; a line without
// one cannot be looked up and says what to do by hand. Neither is sent
// again.
func TestUndoLostCreateWords(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  string // the imported row: "email,phone,invoice_city"
		cut  bool
		want []string
	}{
		{"keyless, 500 with the API's JSON", ",+48 999,Keyless", false,
			[]string{"check the account by hand — input row 2: its create was sent but got no usable answer (", "HTTP 500"}},
		{"keyless, connection cut", ",+48 999,Keyless", true,
			[]string{"check the account by hand — input row 2: its create was sent but its answer never came ("}},
		{"keyed, 500 with the API's JSON", "lost@undo.example,+48 998,Hel", false,
			[]string{"run the undo again with --resume", "its create was sent but got no usable answer (", "HTTP 500", "so it was not made"}},
		{"keyed, connection cut", "lost@undo.example,+48 998,Hel", true,
			[]string{"run the undo again with --resume", "its create was sent but its answer never came (", "the server may still be making it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 13, Clients: 5})
			report := importRows(t, api, t.TempDir(), tc.row)
			undone, err := Run(context.Background(), api, report, Config{})
			if err != nil || undone.Counts[StatusDeleted] != 1 {
				t.Fatalf("undo: %v, %v", undone, err)
			}
			ts := httptest.NewServer(spoilCreates{srv: srv, cut: tc.cut})
			defer ts.Close()
			spoilt, err := baselinker.New(ts.URL+"/connector.php", baselinker.Token(sandboxtest.DefaultToken),
				baselinker.WithLimiter(pacer.New(100000)),
				baselinker.WithRetry(pacer.Backoff{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			creates := srv.Stats().Creates
			sum, err := Run(context.Background(), spoilt, undone.Report, Config{Report: filepath.Join(t.TempDir(), "u.csv")})
			if err != nil {
				t.Fatal(err)
			}
			if srv.Stats().Creates != creates || sum.Counts[events.StatusFailed] != 1 {
				t.Fatalf("counts %v, %d creates reached the sandbox; want the line failed, none", sum.Counts, srv.Stats().Creates-creates)
			}
			var l events.Line
			_ = events.ReadReport(sum.Report, nil, "", func(x events.Line) error { l = x; return nil })
			if l.Code != events.CodeOutcomeUnknown {
				t.Errorf("the line's code %q, want %s", l.Code, events.CodeOutcomeUnknown)
			}
			for _, w := range tc.want {
				if !strings.Contains(l.Message, w) {
					t.Errorf("the line %q lacks %q", l.Message, w)
				}
			}
			if !tc.cut && strings.Contains(l.Message, "never came") {
				t.Errorf("the line %q says the answer never came; the server answered", l.Message)
			}
		})
	}
}
