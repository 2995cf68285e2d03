package ui

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestExportJobResumesOnlyDetails: details kept beside the file make the
// job go on from them only when its columns read details (the exporter's
// rule); a job with the notes or extra-fields option but list columns only
// (the exporter refuses to resume it: it keeps nothing) runs as a new
// export without a word of the CLI's --resume, where it used to say
// "cannot resume … run it without --resume" and start over. (planExport
// keeps the page's options and columns in step today; the job no longer
// relies on it.)
func TestExportJobResumesOnlyDetails(t *testing.T) {
	_, endpoint := sandboxtest.New(t, sandbox.Config{Clients: 5, Seed: 3})
	api, err := baselinker.New(endpoint, sandboxtest.DefaultToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cfg     exporter.Config
		resumes bool
	}{
		{"notes, list columns only", exporter.Config{Notes: true, Columns: []string{"crm_client_id", "email"}}, false},
		{"extra fields, list columns only", exporter.Config{ExtraFields: true, Columns: []string{"crm_client_id", "email"}}, false},
		{"notes column", exporter.Config{Notes: true, Columns: []string{"crm_client_id", "notes"}}, true}, // (its kept file is not details: read again)
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, notes, _ := runKeptJob(t, api, tc.cfg, "details of a stopped export\n")
			var said string
			for _, e := range rec.Events() {
				if e.Message != nil {
					said += e.Message.Text + "\n"
				}
			}
			if tried := len(notes) == 1 && notes[0].Key == "exp.kept.notDetails"; tried != tc.resumes {
				t.Errorf("tried to go on from the kept details: %v, want %v; noted %+v", tried, tc.resumes, notes)
			}
			if strings.Contains(said, "--") {
				t.Errorf("the page showed CLI flag words:\n%s", said)
			}
		})
	}
}

// TestExportJobSaysKeptRefusalInPageWords: details kept beside the file
// by another export (other filters, another account, other extra fields,
// another version, not crmbulk's file) are not gone on from; the page
// says why in its own words (a note: its key, the file and when that
// export started) — never the exporter's refusal, which names the CLI's
// --resume and --filter — and the export starts over and ends.
func TestExportJobSaysKeptRefusalInPageWords(t *testing.T) {
	_, endpoint := sandboxtest.New(t, sandbox.Config{Clients: 5, Seed: 3})
	api, err := baselinker.New(endpoint, sandboxtest.DefaultToken)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 11, 30, 22, 15, 0, 0, time.UTC)
	header := func(change func(h map[string]any)) string {
		h := map[string]any{"crmbulk_export_details": "client details read by crmbulk export; --resume reuses them", "version": 1,
			"account": api.Account(), "filters": baselinker.Filters{}, "extra_fields": false, "started": started}
		change(h)
		b, _ := json.Marshal(h)
		return string(b) + "\n"
	}
	for _, tc := range []struct {
		name, kept, key string
		started         bool
	}{
		{"other filters", header(func(h map[string]any) { h["filters"] = baselinker.Filters{StatusID: 2} }), "exp.kept.filters", true},
		{"another account", header(func(h map[string]any) { h["account"] = "0123456789abcdef" }), "exp.kept.account", true},
		{"other extra fields", header(func(h map[string]any) { h["extra_fields"] = true }), "exp.kept.extraFields", true},
		{"another version", header(func(h map[string]any) { h["version"] = 9 }), "exp.kept.version", true},
		{"not crmbulk's file", "details of a stopped export\n", "exp.kept.notDetails", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, notes, file := runKeptJob(t, api, exporter.Config{Notes: true, Columns: []string{"crm_client_id", "notes"}, Capabilities: exporter.CapabilitiesOf(api)}, tc.kept)
			want := pageNote{Key: tc.key, Vars: map[string]string{"file": filepath.Base(file)}}
			if tc.started {
				want.Vars["started"] = "2026-11-30T22:15:00Z"
			}
			if len(notes) != 1 || !reflect.DeepEqual(notes[0], want) {
				t.Errorf("noted %+v, want %+v", notes, want)
			}
			for _, e := range rec.Events() {
				if e.Message != nil && (strings.Contains(e.Message.Text, "--") || strings.Contains(e.Message.Text, "cannot resume")) {
					t.Errorf("the page showed the CLI's refusal: %s", e.Message.Text)
				}
			}
		})
	}
}

// TestExportJobKeptHeaderOnlySaysNothing: the details kept beside the file
// by an export stopped while it listed the clients hold its header only:
// nothing to go on from, so the job does not go on (the exporter would say
// "--resume: no details kept by an earlier run of this export…", the
// CLI's words) and says nothing of them; it reads every client's details
// as a new export and says each of its notes once.
func TestExportJobKeptHeaderOnlySaysNothing(t *testing.T) {
	_, endpoint := sandboxtest.New(t, sandbox.Config{Clients: 5, Seed: 3})
	api, err := baselinker.New(endpoint, sandboxtest.DefaultToken)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := json.Marshal(map[string]any{"crmbulk_export_details": "client details read by crmbulk export; --resume reuses them", "version": 1,
		"account": api.Account(), "filters": baselinker.Filters{}, "extra_fields": false, "started": time.Now().Add(-time.Hour)})
	rec, notes, _ := runKeptJob(t, api, exporter.Config{Notes: true, Columns: []string{"crm_client_id", "notes", "status_name"}, StatusNames: true,
		Capabilities: exporter.CapabilitiesOf(api)}, string(h)+"\n")
	if len(notes) != 0 {
		t.Errorf("noted %+v, want nothing", notes)
	}
	said := map[string]int{}
	for _, e := range rec.Events() {
		if e.Message != nil {
			said[e.Message.Text]++
			if strings.Contains(e.Message.Text, "--") || strings.Contains(e.Message.Text, "resum") {
				t.Errorf("the page showed: %s", e.Message.Text)
			}
		}
	}
	for text, n := range said {
		if n != 1 {
			t.Errorf("said %d times: %s", n, text)
		}
	}
	if !slices.ContainsFunc(slices.Collect(maps.Keys(said)), func(s string) bool { return strings.HasPrefix(s, "reading the details of 5 clients") }) {
		t.Errorf("did not read the 5 clients' details; said %v", said)
	}
}

// runKeptJob runs the page's export job of cfg (the default choices, 5
// clients) with kept written as the details kept beside its file; it
// returns what the job said, its notes in the page's words and its file.
func runKeptJob(t *testing.T, api *baselinker.API, cfg exporter.Config, kept string) (*run.Recorder, []pageNote, string) {
	t.Helper()
	dir, now := t.TempDir(), time.Now()
	var notes []pageNote
	job := &exportJob{api: api, dir: dir, now: now, log: slog.New(slog.DiscardHandler), ready: make(chan struct{}), done: func(string) {},
		note: func(n pageNote) { notes = append(notes, n) }, plan: exportPlan{req: choices(schedule.Default()), format: "xlsx", cfg: cfg}}
	close(job.ready)
	out, err := exporter.OpenOutput(exporter.OutputOptions{Path: filepath.Join(dir, job.plan.req.FileName()), Format: "xlsx", Force: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	_ = out.Abort()
	if err := os.WriteFile(out.DetailsPath(), []byte(kept), 0o600); err != nil {
		t.Fatal(err)
	}
	rec := &run.Recorder{}
	sum, err := job.run(context.Background(), rec)
	if err != nil || sum.Counts["exported"] != 5 {
		t.Fatalf("%+v, %v; want 5 clients exported", sum, err)
	}
	return rec, notes, out.Path
}
