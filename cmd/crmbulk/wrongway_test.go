package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestMessagesPointTheRightWay: a mistake gets the message about that
// mistake, and the command that fixes it where there is one.
func TestMessagesPointTheRightWay(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for name, body := range map[string]string{
		"klienci sklep.csv": "email,invoice_fullname\na@example.com,Ala\n",
		"mapping.yaml":      "columns:\n  email: email\n",
	} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		args   []string
		want   []string
		unwant string
	}{
		{"file and mapping swapped", []string{"import", "mapping.yaml", "--mapping", "klienci sklep.csv", "--dry-run"},
			[]string{"the file and the mapping look swapped", "\n  crmbulk import 'klienci sklep.csv' --mapping mapping.yaml --dry-run\n"}, "YAML syntax"},
		{"a spreadsheet as the mapping", []string{"import", "klienci sklep.csv", "--mapping", "klienci sklep.csv", "--dry-run"},
			[]string{"named like a spreadsheet, not a mapping", "\n  crmbulk mapping init 'klienci sklep.csv' > mapping.yaml\n"}, "YAML syntax"},
		{"a mapping as the file", []string{"import", "mapping.yaml", "--dry-run"},
			[]string{"mapping.yaml is named like a mapping, not a file to import", "this file with --mapping"}, "cannot tell the format"},
		{"a flag typo", []string{"import", "klienci sklep.csv", "--mappin", "mapping.yaml"},
			[]string{"unknown flag: --mappin; did you mean --mapping?"}, ""},
		{"a global flag typo", []string{"--rat", "60", "fields"}, []string{"did you mean --rate?"}, ""},
		{"a flag far from any", []string{"fields", "--zzzzzzzz"}, []string{"crmbulk fields --help lists the flags"}, "did you mean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, context.Background(), nil, tt.args...)
			if r.code != exitError {
				t.Errorf("exit %d, want 2", r.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
			if tt.unwant != "" && strings.Contains(r.errOut, tt.unwant) {
				t.Errorf("stderr says %q:\n%s", tt.unwant, r.errOut)
			}
		})
	}
}

// TestExcelOwnerFile: Excel's ~$ lock file of an open workbook is named as
// such, with the workbook to import instead.
func TestExcelOwnerFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"~$klienci sklep.xlsx", "klienci sklep.xlsx"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("\x05ola  "), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"import", filepath.Join(dir, "~$klienci sklep.xlsx"), "--dry-run"}, {"mapping", "init", filepath.Join(dir, "~$klienci sklep.xlsx")}} {
		r := runCmd(t, context.Background(), nil, args...)
		want := "Excel's lock file for a workbook that is open in Excel, not a spreadsheet — import " + filepath.Join(dir, "klienci sklep.xlsx") + " itself"
		if r.code != exitError || !strings.Contains(r.errOut, want) || strings.Contains(r.errOut, "name it .csv") {
			t.Errorf("%v: exit %d, want 2 saying %q:\n%s", args[0], r.code, want, r.errOut)
		}
	}
}

// TestSandboxNotInTheForeground: a sandbox whose standard input is not its
// terminal's foreground (started with &, by a script) cannot be stopped by
// Ctrl-C: it says how to stop it instead.
func TestSandboxNotInTheForeground(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	r := runCmd(t, ctx, nil, "sandbox", "--token", "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "--addr", "127.0.0.1:0", "--clients", "3")
	if want := fmt.Sprint(os.Getpid()); !strings.Contains(r.out, "stop it with: ") || !strings.Contains(r.out, want) || strings.Contains(r.out, "Ctrl-C") {
		t.Errorf("the sandbox does not say how to stop it by its process ID %s:\n%s", want, r.out)
	}
}

// TestInterruptDuringTheWalk: stopped while it reads the account's
// clients (nothing sent yet), an import says so in words — no "context
// canceled" — and prints the command that starts it again.
func TestInterruptDuringTheWalk(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 1500, Latency: 100 * time.Millisecond})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	in := writeInput(t, "in.csv", manyRows(3)...)
	args := []string{"--no-progress", "import", in, "--match-by", "email"}
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	r := runCmd(t, ctx, env, args...)
	want := "\n  crmbulk " + strings.Join(args, " ") + "\n"
	if r.code != exitInterrupted || strings.Contains(r.errOut, "context canceled") || !strings.Contains(r.errOut, "before any row was sent") || !strings.Contains(r.errOut, want) {
		t.Errorf("exit %d, want 130 in words and the command %q\n%s", r.code, want, r.errOut)
	}
}
