package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestExportInterruptIsNotATokenError: an export stopped by Ctrl-C while it
// waits for answers says it was interrupted (exit 130), never that the API
// refused the token.
func TestExportInterruptIsNotATokenError(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 300, Latency: 400 * time.Millisecond})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(600*time.Millisecond, cancel)
	out := filepath.Join(t.TempDir(), "x.csv")
	r := runCmd(t, ctx, env, "--no-progress", "export", "--out", out, "--with-details")
	if r.code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", r.code, exitInterrupted, r.errOut)
	}
	if strings.Contains(r.errOut, "BASELINKER_TOKEN") || strings.Contains(r.errOut, "refused the token") {
		t.Errorf("an interrupt is reported as a token problem:\n%s", r.errOut)
	}
}

// TestExportPastMaxWaitResumes: an export --with-details that meets an
// account block longer than --max-wait stops cleanly — exit 2, yesterday's
// file untouched, the details read so far kept — and the same command with
// --resume, once the block is over, reads only the rest.
func TestExportPastMaxWaitResumes(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 150, AccountBlockAfter: 60, AccountBlockFor: 3 * time.Second})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	out := filepath.Join(t.TempDir(), "clients.csv")
	if err := os.WriteFile(out, []byte("yesterday\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--no-progress", "--rate-window", "1s", "--max-wait", "1s", "export", "--out", out, "--force", "--with-details"}
	r := runCmd(t, context.Background(), env, args...)
	if r.code != exitError || !strings.Contains(r.errOut, "--resume") || !strings.Contains(r.errOut, "--max-wait") || strings.Contains(r.errOut, "token") {
		t.Fatalf("exit %d, want %d naming --max-wait and --resume, not the token\n%s", r.code, exitError, r.errOut)
	}
	t.Logf("first run:\n%s", r.errOut)
	if b, _ := os.ReadFile(out); string(b) != "yesterday\n" {
		t.Errorf("the old file changed: %q", b)
	}
	before := srv.Stats().ByMethod["getCrmClientData"]
	// The resume starts once the block is over for every run of the token:
	// the first run left its end in the shared window as the API stated it
	// (to the second, cut) plus pacer.UntilMargin, no later than the end
	// the sandbox applied plus that margin. A resume started before waits
	// out the rest against its own --max-wait of 1s, and a loaded machine
	// then answers too slowly for what is left of it.
	blocks := srv.Blocks()
	if len(blocks) != 1 || !blocks[0].Account {
		t.Fatalf("blocks %+v, want the one account block", blocks)
	}
	time.Sleep(time.Until(blocks[0].End.Add(pacer.UntilMargin)))
	r = runCmd(t, context.Background(), env, append(args, "--resume")...)
	if r.code != exitOK || !strings.Contains(r.errOut, "reused from the interrupted run") {
		t.Fatalf("resume: exit %d\n%s", r.code, r.errOut)
	}
	t.Logf("resume:\n%s", r.errOut)
	if read := srv.Stats().ByMethod["getCrmClientData"] - before; read >= 150 {
		t.Errorf("the resume read %d details of 150 again", read)
	}
	b, _ := os.ReadFile(out)
	if lines := strings.Count(string(b), "\n"); lines < 151 {
		t.Errorf("the resumed file has %d lines, want a header and 150 clients (more with notes on two lines)", lines)
	}
}
