package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// readmeCommands returns every crmbulk command line of the README's sh
// blocks, in order, without comments and a trailing "&".
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	inSh := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			inSh = true
			continue
		case strings.HasPrefix(line, "```"):
			inSh = false
			continue
		}
		if !inSh {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), "&"))
		if strings.HasPrefix(line, "crmbulk ") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// splitArgs splits a shell line on spaces, honouring single quotes.
func splitArgs(line string) []string {
	var args []string
	for _, m := range regexp.MustCompile(`'[^']*'|\S+`).FindAllString(line, -1) {
		args = append(args, strings.Trim(m, "'"))
	}
	return args
}

// TestReadmeCommands runs every crmbulk command the README shows, in order,
// against a sandbox, in a scratch directory holding the files they name.
// Absolute paths and ~ are moved under the scratch directory.
func TestReadmeCommands(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 8 {
		t.Fatalf("found only %d crmbulk commands in README.md", len(cmds))
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	_, url := sandboxtest.New(t, sandbox.Config{Token: "3001234-3005678-READMETOKEN0AB12CD34EF56GH78", Clients: 250, Seed: 7})
	dir := t.TempDir()
	copyTree(t, filepath.Join(repo, "samples"), filepath.Join(dir, "samples"))
	copyFile(t, filepath.Join(repo, "samples/shopify/customers_export.csv"), filepath.Join(dir, "clients.csv"))
	copyFile(t, filepath.Join(repo, "samples/shopify/mapping.yaml"), filepath.Join(dir, "shop.yaml"))
	for _, d := range []string{"backup", "root/srv/exports", "root/etc/crmbulk", "home/.config/crmbulk"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"root/etc/crmbulk/token", "home/.config/crmbulk/token"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("3001234-3005678-READMETOKEN0AB12CD34EF56GH78\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	// One user on one machine: every step shares the state directory (the
	// request window, and the key that proves the reports a step resumes or undoes).
	env := map[string]string{"BASELINKER_TOKEN": "3001234-3005678-READMETOKEN0AB12CD34EF56GH78", "BASELINKER_API_URL": url,
		"CRMBULK_STATE_DIR": filepath.Join(dir, ".crmbulk-state")}
	for _, line := range cmds {
		t.Run(line, func(t *testing.T) {
			args := splitArgs(line)[1:]
			for i, a := range args {
				switch {
				case strings.HasPrefix(a, "~/"):
					args[i] = filepath.Join(dir, "home", a[2:])
				case strings.HasPrefix(a, "/"):
					args[i] = filepath.Join(dir, "root", a)
				case a == "127.0.0.1:8080":
					args[i] = "127.0.0.1:0"
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if args[0] == "sandbox" {
				args = append(args, "--addr", "127.0.0.1:0")
				time.AfterFunc(300*time.Millisecond, cancel) // it serves until interrupted
			}
			r := runCmd(t, ctx, env, args...)
			switch {
			case args[0] == "sandbox":
				if r.code != exitInterrupted || !strings.Contains(r.out, "sandbox serving") {
					t.Fatalf("exit %d, out %q, stderr %q", r.code, r.out, r.errOut)
				}
			case r.code != exitOK && r.code != exitRowsFailed:
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
			}
			if strings.Contains(r.out+r.errOut, "3001234-3005678-READMETOKEN0AB12CD34EF56GH78") {
				t.Fatalf("the token was printed")
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		copyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
