package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	ios := &iostreams.IOStreams{In: &bytes.Buffer{}, Out: pw, ErrOut: io.Discard}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, ios, func(k string) string { return env[k] })
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.TrimSpace(strings.TrimPrefix(line, "crmbulk ui: open "))
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
