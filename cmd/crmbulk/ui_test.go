package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/iostreams"
)

// TestUICommand starts `crmbulk ui --no-browser`: it prints an address
// with the session key that opens the page (and sets its cookie), the
// API answers with the cookie, and Ctrl-C stops it with exit 130. A
// non-loopback --addr is a usage error.
func TestUICommand(t *testing.T) {
	env := map[string]string{"BASELINKER_TOKEN": "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "CRMBULK_STATE_DIR": t.TempDir()}
	checkUI(t, []string{"ui", "--no-browser", "--work-dir", t.TempDir()}, env, env["BASELINKER_TOKEN"])

	if r := runCmd(t, context.Background(), nil, "ui", "--no-browser", "--addr", "0.0.0.0:0"); r.code != exitError || !strings.Contains(r.errOut, "loopback only") {
		t.Errorf("--addr 0.0.0.0:0: exit %d, %q", r.code, r.errOut)
	}
}

// checkUI runs crmbulk with args (a `crmbulk ui` command line) and env,
// opens the address it prints and its API with the cookie the address
// sets, checks that secret is nowhere in what it prints or answers, and
// stops it with Ctrl-C.
func checkUI(t *testing.T, args []string, env map[string]string, secret string) {
	t.Helper()
	line, url, cancel, done := startUI(t, args, env)
	defer cancel()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(url, "/?s=") {
		t.Fatalf("printed %q, want the page's address with its key", line)
	}
	if strings.Contains(line, secret) {
		t.Fatal("the token was printed")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `<section id="import"`) {
		t.Fatalf("GET %s: %d %.200s", url, res.StatusCode, body)
	}
	base := url[:strings.Index(url, "/?")]
	res, err = c.Get(base + "/api/session")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"token":true`) || strings.Contains(string(body), secret) {
		t.Fatalf("GET /api/session: %d %s", res.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Errorf("exit %d after Ctrl-C, want %d", code, exitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("crmbulk ui did not stop")
	}
}

// startUI runs crmbulk with args (a `crmbulk ui` command line) and env
// until cancel, and returns the first line it printed, the address in it
// and the channel its exit code comes on.
func startUI(t *testing.T, args []string, env map[string]string) (line, url string, cancel context.CancelFunc, done <-chan int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	ios := &iostreams.IOStreams{In: &bytes.Buffer{}, Out: pw, ErrOut: io.Discard}
	exit := make(chan int, 1)
	go func() {
		exit <- runWith(ctx, args, ios, func(k string) string { return env[k] })
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no address printed: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return line, strings.TrimSpace(strings.TrimPrefix(line, "crmbulk ui: open ")), cancel, exit
}

// TestUIBrowserGetsNoKeyOnItsCommandLine: `crmbulk ui` opens the browser
// on a page file only its user can read, which forwards to the address,
// never on the address itself: any user of the machine can read the
// opener's command line (ps), and the address holds the session's key.
func TestUIBrowserGetsNoKeyOnItsCommandLine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the opener stood in for here is xdg-open")
	}
	bin, got := t.TempDir(), filepath.Join(t.TempDir(), "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + got + ".tmp && mv " + got + ".tmp " + got + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	env := map[string]string{"BASELINKER_TOKEN": "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "CRMBULK_STATE_DIR": t.TempDir()}
	_, url, cancel, done := startUI(t, []string{"ui", "--work-dir", t.TempDir()}, env)
	defer cancel()
	var args []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if args, err = os.ReadFile(got); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the browser was not opened: %v", err)
	}
	page := strings.TrimSpace(string(args))
	if strings.Contains(page, "s=") || !filepath.IsAbs(page) {
		t.Fatalf("the opener got %q, want the path of a page file, not the address", page)
	}
	fi, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := os.Stat(filepath.Dir(page))
	if fi.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
		t.Errorf("the page file is %v in a folder %v, want 0600 in 0700", fi.Mode().Perm(), dir.Mode().Perm())
	}
	if body, _ := os.ReadFile(page); !strings.Contains(string(body), `content="0;url=`+html.EscapeString(url)+`"`) {
		t.Errorf("the page does not forward to %s:\n%s", url, body)
	}
	cancel()
	if code := <-done; code != exitInterrupted {
		t.Errorf("exit %d after Ctrl-C, want %d", code, exitInterrupted)
	}
	if _, err := os.Stat(filepath.Dir(page)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the page's folder is left after the server stopped: %v", err)
	}
}
