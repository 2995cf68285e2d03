package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/iostreams"

	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestDemo runs `crmbulk demo` as a fresh clone would: no token, no network.
// It must exit 0 despite the sample's invalid rows, write a complete export
// and a report, print both summaries, and never print its token.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := runCmd(t, context.Background(), nil, "--no-progress", "demo", "--dir", dir, "--clients", "230", "--latency", "2ms")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.errOut)
	}
	all := r.out + r.errOut
	want := samples.DemoCounts()
	for _, want := range []string{"exported 230 clients", fmt.Sprintf("created %d", want["created"]), fmt.Sprintf("invalid %d", want["invalid"]), "invalid on purpose", dir, "no YAML to edit: crmbulk ui\n"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if tok := regexp.MustCompile(`demo-[A-Z2-7]{26}`).FindString(all); tok != "" {
		t.Errorf("the demo printed its token %q", tok)
	}
	exports, _ := filepath.Glob(filepath.Join(dir, "clients-*.xlsx"))
	if len(exports) != 1 {
		t.Fatalf("exports in %s: %v", dir, exports)
	}
	rd, err := sheet.Open(exports[0], sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	n := 0
	for {
		if _, err := rd.Read(); err != nil {
			break
		}
		n++
	}
	if n != 230 {
		t.Errorf("the export holds %d clients, want 230", n)
	}
	if counts := reportCounts(t, filepath.Join(dir, "shopify-customers_export.report.csv")); counts["created"] != want["created"] || counts["invalid"] != want["invalid"] {
		t.Errorf("report counts %v, want %v", counts, want)
	}
	for _, f := range []string{"shopify-customers_export.csv", "shopify-mapping.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the demo did not leave %s: %v", f, err)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoKeep: demo --keep keeps its sandbox until Ctrl-C and prints
// commands that work as printed — run here, word for word.
func TestDemoKeep(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("TMPDIR", dir) // the demo's own folder goes here
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	ios := &iostreams.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, []string{"--no-progress", "demo", "--keep", "--clients", "40"}, ios, func(string) string { return "" })
	}()
	var cmds []string
	for deadline := time.Now().Add(30 * time.Second); len(cmds) < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		cmds = nil
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "  crmbulk --api-url ") {
				cmds = append(cmds, strings.TrimPrefix(strings.TrimSpace(l), "crmbulk "))
			}
		}
	}
	if len(cmds) != 3 {
		t.Fatalf("demo --keep printed %d commands\n%s\n%s", len(cmds), out, errOut)
	}
	for _, c := range cmds {
		r := runCmd(t, context.Background(), nil, splitArgs(c)...)
		want := 0
		if strings.Contains(c, " import ") {
			want = 1 // the sample's invalid row, as the demo says
		}
		if r.code != want {
			t.Errorf("crmbulk %s: exit %d\n%s", c, r.code, r.errOut)
		}
	}
	// The web page's line: it serves the sandbox's account, as printed
	// (--no-browser added: no browser in a test).
	var uiLine string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "    crmbulk --api-url ") && strings.HasSuffix(l, " ui") {
			uiLine = strings.TrimPrefix(strings.TrimSpace(l), "crmbulk ")
		}
	}
	if uiLine == "" {
		t.Errorf("demo --keep printed no crmbulk ui line:\n%s", out)
	} else {
		checkUI(t, append(splitArgs(uiLine), "--no-browser", "--work-dir", t.TempDir()), nil, "demo-")
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo --keep after Ctrl-C: exit %d\n%s", code, errOut)
	}
	tokenFiles, _ := filepath.Glob(filepath.Join(dir, "crmbulk-demo-*", "sandbox-token"))
	if !strings.Contains(out.String(), filepath.Join(dir, "crmbulk-demo-")) || len(tokenFiles) > 0 {
		t.Errorf("the demo's folder is not a new one in the temporary folder, or the sandbox's token file stays after the demo: %v\n%s", tokenFiles, out)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 1 {
		t.Errorf("the demo wrote into the current folder: %v", ents)
	}
}
