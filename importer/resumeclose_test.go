package importer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestResumeClosesTheOldReportWhenTheReportFails: a resume whose new
// report or journal cannot be created (here a folder put at the journal's
// path while the run reads the account's clients) closes the report it
// resumes — it stayed open until the process ended.
func TestResumeClosesTheOldReportWhenTheReportFails(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts the open files in /proc/self/fd")
	}
	t.Parallel()
	srv, _ := sandboxtest.New(t, sandbox.Config{Seed: 62})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", genRows("c", 3))
	report := filepath.Join(dir, "again.report.csv")
	var once sync.Once
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, method, ok := readForm(w, req); ok && method == "getCrmClients" && req.URL.Query().Get("block") != "" {
			once.Do(func() {
				if err := os.Mkdir(report+".journal", 0o700); err != nil {
					t.Error(err)
				}
			})
		}
		srv.ServeHTTP(w, req)
	}))
	defer ts.Close()
	first, err := Run(context.Background(), clientOf(t, ts.URL+"/connector.php"), in, Config{MatchBy: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	// The resume's walk blocks the journal's path.
	_, err = Run(context.Background(), clientOf(t, ts.URL+"/connector.php?block=1"), in,
		Config{MatchBy: []string{"email"}, Resume: first.Report, Report: report})
	if err == nil || !strings.Contains(err.Error(), "journal") {
		t.Fatalf("err = %v; want the journal's path refused", err)
	}
	if open := openPaths(t, first.Report); len(open) > 0 {
		t.Errorf("the resumed report %s is still open after the run: %v", first.Report, open)
	}
}

// openPaths lists this process's open files that are path (Linux).
func openPaths(t *testing.T, path string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			open = append(open, "fd "+fd.Name())
		}
	}
	return open
}
