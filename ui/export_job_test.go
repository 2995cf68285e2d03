package ui

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
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
			dir := t.TempDir()
			now := time.Now()
			job := &exportJob{api: api, dir: dir, now: now, log: slog.New(slog.DiscardHandler), ready: make(chan struct{}), done: func(string) {},
				plan: exportPlan{req: choices(schedule.Default()), format: "xlsx", cfg: tc.cfg}}
			close(job.ready)
			out, err := exporter.OpenOutput(exporter.OutputOptions{Path: filepath.Join(dir, job.plan.req.FileName()), Format: "xlsx", Force: true, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			kept := out.DetailsPath()
			_ = out.Abort()
			if err := os.WriteFile(kept, []byte("details of a stopped export\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			rec := &run.Recorder{}
			sum, err := job.run(context.Background(), rec)
			if err != nil || sum.Counts["exported"] != 5 {
				t.Fatalf("%+v, %v; want 5 clients exported", sum, err)
			}
			var said string
			for _, e := range rec.Events() {
				if e.Message != nil {
					said += e.Message.Text + "\n"
				}
			}
			if tried := strings.Contains(said, "details header"); tried != tc.resumes {
				t.Errorf("tried to go on from the kept details: %v, want %v; said:\n%s", tried, tc.resumes, said)
			}
			if !tc.resumes && strings.Contains(said, "--") {
				t.Errorf("the page showed CLI flag words:\n%s", said)
			}
		})
	}
}
