package exporter

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestStdoutNothingOnFailure: an export to standard output that fails
// mid-way writes nothing there — not even the header (issue 20) — and
// leaves no spool file behind; one that succeeds writes all of it.
func TestStdoutNothingOnFailure(t *testing.T) {
	spool := t.TempDir()
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 450, Seed: 1, Faults: []sandbox.Fault{sandbox.FaultHTTP500}})
	var out strings.Builder
	api := newAPI(t, url, 0, 0, "")
	_, err := exportTo(t, api, OutputOptions{Path: "-", Stdout: &out, SpoolDir: spool}, capsConfig(api, Config{Ahead: 1, PageHook: func(page int) {
		if page == 2 {
			s.SetFaultRate(1)
			// The spool has no name while the export runs: a killed run
			// leaves no copy of the clients behind.
			if left, _ := filepath.Glob(filepath.Join(spool, "*")); len(left) != 0 && runtime.GOOS != "windows" {
				t.Errorf("the spool file is visible while the export runs: %v", left)
			}
		}
	}}))
	if err == nil {
		t.Fatal("the export succeeded with every request failing")
	}
	if out.Len() != 0 {
		t.Errorf("a failed export wrote %d bytes to standard output: %.80q", out.Len(), out.String())
	}
	s.SetFaultRate(0)
	if _, err := exportTo(t, api, OutputOptions{Path: "-", Stdout: &out, SpoolDir: spool}, capsConfig(api, Config{})); err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll(); err != nil || len(recs) != 451 {
		t.Errorf("a finished export wrote %d records (%v), want 451", len(recs), err)
	}
	if left, _ := filepath.Glob(filepath.Join(spool, "*")); len(left) != 0 {
		t.Errorf("spool files left: %v", left)
	}
	_ = os.Remove(spool)
}
