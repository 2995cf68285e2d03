package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/internal/iostreams"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestProg: the printed commands name crmbulk as the user ran it.
func TestProg(t *testing.T) {
	tools := t.TempDir()
	onPath := filepath.Join(tools, "crmbulk")
	if err := os.WriteFile(onPath, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", tools)
	elsewhere := filepath.Join(t.TempDir(), "my tools", "crmbulk")
	tests := []struct {
		shell       shellquote.Shell
		args0, self string
		want        string
	}{
		{shellquote.POSIX, "", "", "crmbulk"}, // tests
		{shellquote.POSIX, "crmbulk", onPath, "crmbulk"},
		{shellquote.POSIX, "./crmbulk", "/somewhere/else/crmbulk", "./crmbulk"},
		{shellquote.POSIX, onPath, onPath, "crmbulk"}, // its full path, but it is the crmbulk on PATH
		{shellquote.POSIX, elsewhere, elsewhere, "'" + elsewhere + "'"},
		{shellquote.POSIX, "/tmp/go-build123/b001/exe/crmbulk", "/tmp/go-build123/b001/exe/crmbulk", "go run ./cmd/crmbulk"},
		{shellquote.PowerShell, `.\crmbulk.exe`, `C:\x\crmbulk.exe`, `.\crmbulk.exe`},
		{shellquote.PowerShell, `C:\My Tools\crmbulk.exe`, `C:\My Tools\crmbulk.exe`, `& 'C:\My Tools\crmbulk.exe'`},
	}
	for _, tt := range tests {
		a := &app{shell: tt.shell, args0: tt.args0, selfExe: tt.self}
		if got := a.prog(); got != tt.want {
			t.Errorf("shell %d, ran as %q: %s, want %s", tt.shell, tt.args0, got, tt.want)
		}
	}
}

// TestPrintedCommandsForPowerShell: on Windows the same printed command is
// written for PowerShell (single quotes doubled, the typographic one too,
// the call operator before a quoted program) — through the one seam a test
// can set.
func TestPrintedCommandsForPowerShell(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 3})
	dir := t.TempDir()
	in := filepath.Join(dir, "it’s O'Brien.csv")
	if err := os.WriteFile(in, []byte("email,invoice_fullname\nola@example.com,Ola\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, errOut := iostreams.Test()
	getenv := func(k string) string {
		switch k {
		case "BASELINKER_TOKEN":
			return sandboxtest.DefaultToken
		case "CRMBULK_STATE_DIR":
			return testStateDir(t)
		}
		return ""
	}
	powershell := func(a *app) { a.shell, a.args0 = shellquote.PowerShell, `C:\My Tools\crmbulk.exe` }
	code := runWith(context.Background(), []string{"--api-url", url, "--no-progress", "import", in}, ios, getenv, powershell)
	report := strings.TrimSuffix(in, ".csv") + ".report.csv"
	want := "\n  & 'C:\\My Tools\\crmbulk.exe' --api-url " + url + " --no-progress undo '" + strings.ReplaceAll(strings.ReplaceAll(report, "'", "''"), "’", "’’") + "'\n"
	if code != 0 || !strings.Contains(errOut.String(), want) {
		t.Errorf("exit %d; the undo is not printed for PowerShell as %q:\n%s", code, want, errOut)
	}
}
