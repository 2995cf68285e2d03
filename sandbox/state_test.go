package sandbox_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := sandbox.New(sandbox.Config{Token: token, Seed: 4, Clients: 700, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	h := newServer(t, s1)
	id := create(t, h, map[string]any{"invoice_fullname": "Żaneta Łęcka", "notes": "linia 1\nlinia 2",
		"custom_extra_fields": map[string]any{"4": map[string]any{"title": "a.pdf", "file": "data:AAAA"}, "5": "x"}})
	create(t, h, map[string]any{"crm_client_id": 1, "star": 5})
	want := s1.Clients()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state.json.tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}

	// A different seed and count: the state file wins.
	s2, err := sandbox.New(sandbox.Config{Token: token, Seed: 99, Clients: 3, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	got := s2.Clients()
	if len(got) != len(want) {
		t.Fatalf("loaded %d clients, saved %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("client %d differs after a reload:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	h2 := newServer(t, s2)
	if id2 := create(t, h2, map[string]any{"login": "next"}); id2 != id+1 {
		t.Errorf("the next id after a reload is %d, want %d", id2, id+1)
	}
}

func TestStateAutosave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auto.json")
	s, err := sandbox.New(sandbox.Config{Token: token, StatePath: path, SaveEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	create(t, newServer(t, s), map[string]any{"login": "autosaved"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), "autosaved") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the change was not saved within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStateBadFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json":   "not json",
		"format.json":    `{"format":"other","clients":[]}`,
		"duplicate.json": `{"format":"crmbulk-sandbox/1","clients":[{"crm_client_id":3},{"crm_client_id":3}]}`,
		"zero.json":      `{"format":"crmbulk-sandbox/1","clients":[{"crm_client_id":0}]}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := sandbox.New(sandbox.Config{Token: "t", StatePath: path})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
}

func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serve.json")
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- sandbox.Serve(ctx, sandbox.Config{Token: token, StatePath: path}, "127.0.0.1:0", func(u string) { urls <- u })
	}()
	var u string
	select {
	case u = <-urls:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/connector.php") {
		t.Errorf("url %q", u)
	}
	create(t, u, map[string]any{"login": "served"})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "served") {
		t.Errorf("state not saved on shutdown: %v %.100s", err, b)
	}
	if err := sandbox.Serve(context.Background(), sandbox.Config{}, "127.0.0.1:0", nil); err == nil {
		t.Error("Serve without a token started")
	}
}

// TestServeStopsDespiteAnUnusedConnection: a connection that was opened but
// never sent a request (a client's spare) does not hold the shutdown up,
// and is no error; a request in flight is still answered.
func TestServeStopsDespiteAnUnusedConnection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- sandbox.Serve(ctx, sandbox.Config{Token: token}, "127.0.0.1:0", func(u string) { urls <- u })
	}()
	u := <-urls
	create(t, u, map[string]any{"login": "before"})
	conn, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/connector.php"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v with one unused connection open", d)
	}
}
