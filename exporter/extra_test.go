package exporter

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// ignoringList is an API whose list ignores include_custom_extra_fields:
// it answers as if the parameter was not sent.
type ignoringList struct{ API }

func (l ignoringList) GetCrmClientsWithExtraFields(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error) {
	return l.API.GetCrmClients(ctx, page, f)
}

// TestExtraFieldsPerPage: with a list that carries the extra fields an
// --extra-fields export reads no client on its own; with a list that
// refuses or ignores the parameter it falls back, once, to one
// getCrmClientData per client, and says so. The file is the same.
func TestExtraFieldsPerPage(t *testing.T) {
	const n = 250
	tests := []struct {
		name      string
		list      bool // the sandbox's ListExtraFields
		ignore    bool // the API drops the parameter
		from      string
		perClient bool
		says      string
	}{
		{"the list carries them", true, false, "list", false, ""},
		{"the list refuses the parameter", false, false, "details", true, "does not take include_custom_extra_fields"},
		{"the list ignores the parameter", true, true, "details", true, "answered without custom_extra_fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, url := sandboxtest.New(t, sandbox.Config{Clients: n, Seed: 5, ListExtraFields: tc.list})
			var api API = newAPI(t, url, 0, 0, "")
			if tc.ignore {
				api = ignoringList{api}
			}
			var log bytes.Buffer
			path := tmpOut(t, "x.csv")
			sum, err := exportTo(t, api, OutputOptions{Path: path}, Config{ExtraFields: true,
				Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			h, rows := readBack(t, path)
			checkRows(t, h, rows, asRead(path, s.Clients()), nil)
			if slices.Contains(h, "notes") {
				t.Errorf("--extra-fields alone wrote notes: %q", h)
			}
			if !slices.Contains(h, "extra_1 Typ klienta") || !slices.Contains(h, "extra_15 Rabat") {
				t.Errorf("header %q lacks the named extra field columns", h)
			}
			st := s.Stats()
			data := st.ByMethod["getCrmClientData"]
			if tc.perClient && data != n || !tc.perClient && data != 0 {
				t.Errorf("%d getCrmClientData requests for %d clients", data, n)
			}
			if sum.ExtraFieldsFrom != tc.from {
				t.Errorf("extra fields from %q, want %q", sum.ExtraFieldsFrom, tc.from)
			}
			pages := n/baselinker.PageSize + 1
			want := pages + 1 + 1 // the walk, the recheck, the names
			if tc.perClient {
				want += n
			}
			if !tc.list && !tc.ignore {
				want++ // the refused probe
			}
			// Pages read ahead past the last one add up to ahead-1 (3) more.
			if st.Requests < want || st.Requests > want+3 || sum.Requests < int64(st.Requests) || sum.Requests > int64(want+3) {
				t.Errorf("%d requests (summary %d), want %d to %d", st.Requests, sum.Requests, want, want+3)
			}
			if tc.says != "" && strings.Count(log.String(), tc.says) != 1 {
				t.Errorf("the fallback is not said once:\n%s", log.String())
			}
		})
	}
}

// TestNotesAlone: --notes adds notes and no extra field column, and asks
// getCrmClientData without the extra fields.
func TestNotesAlone(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 120, Seed: 6, ListExtraFields: true})
	path := tmpOut(t, "n.xlsx")
	api := newAPI(t, url, 0, 0, "")
	if _, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Notes: true})); err != nil {
		t.Fatal(err)
	}
	h, rows := readBack(t, path)
	checkRows(t, h, rows, s.Clients(), nil)
	if !slices.Contains(h, "notes") || slices.ContainsFunc(h, func(c string) bool { return strings.HasPrefix(c, baselinker.ExtraColumnPrefix) }) {
		t.Errorf("header %q", h)
	}
	if st := s.Stats(); st.ByMethod["getCrmClientData"] != 120 || st.ByMethod["getCrmClientExtraFields"] != 0 {
		t.Errorf("requests by method %v", st.ByMethod)
	}
}

// stopAfter cancels the run after k details were read, as a Ctrl-C would.
type stopAfter struct {
	API
	k      int64
	n      atomic.Int64
	cancel context.CancelFunc
}

func (s *stopAfter) GetCrmClientData(ctx context.Context, id int64, extra bool) (baselinker.Client, error) {
	if s.n.Add(1) > s.k {
		s.cancel()
		<-ctx.Done()
		return baselinker.Client{}, ctx.Err()
	}
	return s.API.GetCrmClientData(ctx, id, extra)
}

// runKept runs one export into path with the details kept beside it.
func runKept(t *testing.T, ctx context.Context, api API, path string, resume bool, cfg Config) (Summary, error) {
	t.Helper()
	out, err := OpenOutput(OutputOptions{Path: path, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Notes, cfg.ExtraFields, cfg.Keep, cfg.Resume = true, true, out.DetailsPath(), resume
	e, err := New(api, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.Run(ctx, out.Opener())
	if err != nil {
		_ = out.Abort()
		return sum, err
	}
	return sum, out.Commit()
}

// TestResumeDetails: an export interrupted while reading details keeps
// what it read beside the output; --resume walks the list again, reads
// only the clients it lacks or whose list entry changed, and writes the
// very file an uninterrupted run writes. The kept file goes once done.
func TestResumeDetails(t *testing.T) {
	const n = 230
	for _, name := range []string{"r.csv", "r.xlsx"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, url := sandboxtest.New(t, sandbox.Config{Clients: n, Seed: 8})
			api := newAPI(t, url, 0, 0, "")
			dir := t.TempDir()
			path := filepath.Join(dir, name)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			caps := capsConfig(api, Config{})
			sum, err := runKept(t, ctx, &stopAfter{API: api, k: 90, cancel: cancel}, path, false, caps)
			if !errors.Is(err, context.Canceled) || sum.Kept == "" {
				t.Fatalf("interrupted run: %v, kept %q", err, sum.Kept)
			}
			if _, err := os.Stat(path); err == nil {
				t.Fatal("an interrupted export wrote its file")
			}
			// Meanwhile one client read already changes a listed field.
			changed := s.Clients()[10]
			if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{ID: int64(changed.CrmClientID),
				Values: map[string]string{"phone": "+48 600 000 111"}}); err != nil {
				t.Fatal(err)
			}

			before := s.Stats().ByMethod["getCrmClientData"]
			sum, err = runKept(t, context.Background(), api, path, true, caps)
			if err != nil {
				t.Fatal(err)
			}
			read := s.Stats().ByMethod["getCrmClientData"] - before
			// The sandbox may still count the interrupted run's cancelled reads
			// (up to the 4 in flight) when they arrive late.
			if sum.Reused < 85 || sum.Reused > 89 || read < n-sum.Reused || read > n-sum.Reused+4 {
				t.Errorf("resume reused %d details and read %d, want 85..89 reused (one changed) and the rest read", sum.Reused, read)
			}
			if _, err := os.Stat(sum.Kept); sum.Kept != "" || err == nil {
				t.Errorf("the kept details %q stay after a finished export", sum.Kept)
			}
			if _, err := os.Stat(filepath.Join(dir, "."+name+".details.jsonl")); err == nil {
				t.Error("the kept details file stays after a finished export")
			}

			whole := filepath.Join(dir, "whole-"+name)
			if _, err := runKept(t, context.Background(), api, whole, false, caps); err != nil {
				t.Fatal(err)
			}
			h1, rows1 := readBack(t, path)
			h2, rows2 := readBack(t, whole)
			if !slices.Equal(h1, h2) || !slices.EqualFunc(rows1, rows2, slices.Equal) {
				t.Errorf("the resumed export differs from an uninterrupted one")
			}
			checkRows(t, h1, rows1, asRead(path, s.Clients()), nil)
		})
	}
}

// TestResumeRefusesAnotherExport: details kept by an export with other
// filters, another token or an unreadable file are not mixed in.
func TestResumeRefusesAnotherExport(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Clients: 150, Seed: 9})
	api := newAPI(t, url, 0, 0, "")
	path := filepath.Join(t.TempDir(), "c.csv")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	caps := capsConfig(api, Config{})
	sum, err := runKept(t, ctx, &stopAfter{API: api, k: 20, cancel: cancel}, path, false, caps)
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	kept := sum.Kept

	var f baselinker.Filters
	_ = f.Set("status_id", "2")
	if _, err := runKept(t, context.Background(), api, path, true, capsConfig(api, Config{Filters: f})); !errors.Is(err, ErrResume) || !strings.Contains(err.Error(), "--filter") {
		t.Errorf("other filters: %v", err)
	}
	other := Config{Capabilities: Capabilities{Account: "0123456789abcdef"}} // an API that says it talks to another account
	if _, err := runKept(t, context.Background(), api, path, true, other); !errors.Is(err, ErrResume) || !strings.Contains(err.Error(), "token") {
		t.Errorf("another token: %v", err)
	}
	// A torn last line (a crash mid-write) is cut off; the rest is reused.
	b, err := os.ReadFile(kept)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kept, append(b, []byte(`{"id":77,"list_fp":1,"cli`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(b, []byte("\n")) - 1 // the header aside
	sum, err = runKept(t, context.Background(), api, path, true, caps)
	if err != nil || sum.Reused != lines || lines < 17 {
		t.Errorf("after a torn line: %v, reused %d, want the %d kept", err, sum.Reused, lines)
	}
	// Not crmbulk's file at all.
	if err := os.WriteFile(kept, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runKept(t, context.Background(), api, path, true, caps); !errors.Is(err, ErrResume) {
		t.Errorf("a foreign file: %v", err)
	}
}

// TestProgressSaysBlocked: while an export waits out a block the progress
// line says until when, though no client arrives meanwhile.
func TestProgressSaysBlocked(t *testing.T) {
	t.Parallel()
	window := 2 * time.Second
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 9, Clients: 24, Limit: 10, Window: window, BlockFor: 2 * time.Second})
	api := newAPI(t, url, 14, window, "") // above the sandbox's limit: blocked once, then at half of it
	rec := &events.Recorder{}
	if _, err := exportTo(t, api, OutputOptions{Path: tmpOut(t, "b.csv")}, capsConfig(api, Config{Notes: true, Events: rec})); err != nil {
		t.Fatal(err)
	}
	if !rec.Said("blocked until ", "clients/min") {
		t.Errorf("no progress line said the block and the rate: %q", rec.Lines())
	}
}

// TestResumeWithNothingKeptSaysSo: --resume of a details export with no
// kept details runs whole and says so.
func TestResumeWithNothingKeptSaysSo(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Clients: 30, Seed: 2})
	api := newAPI(t, url, 0, 0, "")
	var log bytes.Buffer
	out, err := OpenOutput(OutputOptions{Path: filepath.Join(t.TempDir(), "c.csv")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(api, capsConfig(api, Config{Notes: true, Keep: out.DetailsPath(), Resume: true, Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.Run(context.Background(), out.Opener())
	if err != nil || sum.Clients != 30 || out.Commit() != nil {
		t.Fatalf("%v, %v", sum, err)
	}
	if !strings.Contains(log.String(), "--resume:") {
		t.Errorf("--resume with nothing to resume from says nothing:\n%s", log.String())
	}
}

// TestResumeOfAListExportRefused: an export whose columns need no details
// reads only the list and keeps nothing, so Resume is refused (ErrResume,
// naming the flags that keep details) by Check and New alike, before any
// request; with a column that needs details it is accepted.
func TestResumeOfAListExportRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"plain", Config{}, false},
		{"details flags, list columns only", Config{Notes: true, ExtraFields: true, Columns: []string{"crm_client_id", "email"}}, false},
		{"notes", Config{Notes: true}, true},
		{"an extra field column", Config{ExtraFields: true, Columns: []string{"crm_client_id", "extra_*"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Resume = true
			_, newErr := New(nil, cfg)
			for what, err := range map[string]error{"Check": cfg.Check(), "New": newErr} {
				if tc.ok && err != nil {
					t.Errorf("%s: %v, want the resume accepted", what, err)
				}
				if !tc.ok && (!errors.Is(err, ErrResume) || !strings.Contains(err.Error(), "--with-details") || !strings.Contains(err.Error(), "without --resume")) {
					t.Errorf("%s: %v, want ErrResume naming --with-details and saying to run without --resume", what, err)
				}
			}
		})
	}
}
