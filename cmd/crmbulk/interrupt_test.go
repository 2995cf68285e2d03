package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
