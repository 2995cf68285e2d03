package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/internal/iostreams"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestUndoCommand: import → undo on a terminal shows the plan and changes
// nothing; with --yes it deletes what the import created; a dry run's
// report is refused with exit 2 and no "--help" line.
func TestUndoCommand(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 2, Clients: 30})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	dir := t.TempDir()
	in := filepath.Join(dir, "new.csv")
	if err := os.WriteFile(in, []byte("email,invoice_city\na@undo.example,Hel\nb@undo.example,Puck\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "new.report.csv")
	if r := runCmd(t, context.Background(), env, "--no-progress", "import", in, "--match-by", "email", "--report", report); r.code != 0 {
		t.Fatalf("import: %d\n%s", r.code, r.errOut)
	}
	if n := len(srv.Clients()); n != 32 {
		t.Fatalf("%d clients after the import", n)
	}

	// On a terminal without --yes: the plan only.
	ios, _, _, errOut := iostreams.Test()
	ios.SetInteractive(true)
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "CRMBULK_STATE_DIR" {
			return testStateDir(t)
		}
		return ""
	}
	if code := runWith(context.Background(), []string{"--no-progress", "undo", report}, ios, getenv); code != 0 || !strings.Contains(errOut.String(), "that was the plan") {
		t.Fatalf("undo on a terminal: exit %d\n%s", code, errOut)
	}
	if n := len(srv.Clients()); n != 32 || srv.Stats().Deletes != 0 {
		t.Fatalf("the plan changed the account: %d clients, %d deletes", n, srv.Stats().Deletes)
	}
	// The command the plan prints runs the undo, as printed.
	_, printed, ok := strings.Cut(errOut.String(), "To undo, run:\n  crmbulk ")
	printed, _, _ = strings.Cut(printed, "\n")
	if want := "--no-progress undo " + report + " --yes"; !ok || printed != want {
		t.Fatalf("the plan prints %q, want crmbulk %s", printed, want)
	}
	r := runCmd(t, context.Background(), env, splitArgs(printed)...)
	if r.code != 0 || !strings.Contains(r.errOut, "deleted 2") {
		t.Fatalf("undo --yes: exit %d\n%s", r.code, r.errOut)
	}
	if n := len(srv.Clients()); n != 30 {
		t.Errorf("%d clients after the undo, want the 30 from before", n)
	}
	undoReport := strings.TrimSuffix(report, ".csv") + ".undo.csv"
	if _, err := os.Stat(undoReport); err != nil {
		t.Errorf("no undo report: %v", err)
	}

	// A dry run's report: refused, exit 2, a plain message.
	dry := filepath.Join(dir, "dry.csv")
	if r := runCmd(t, context.Background(), env, "--no-progress", "import", in, "--dry-run", "--report", dry); r.code != 0 {
		t.Fatalf("dry run: %d\n%s", r.code, r.errOut)
	}
	r = runCmd(t, context.Background(), env, "--no-progress", "undo", dry, "--yes", "--report", filepath.Join(dir, "u.csv"))
	if r.code != exitError || !strings.Contains(r.errOut, "dry run") || strings.Contains(r.errOut, "--help") {
		t.Errorf("undo of a dry run's report: exit %d\n%s", r.code, r.errOut)
	}
}
