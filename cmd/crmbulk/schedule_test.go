package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// scheduleCommands returns the crmbulk arguments of each sample schedule,
// as written in it.
func scheduleCommands(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("../../samples/schedule", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// crontab: the line after the time fields, from crmbulk up to the redirection.
	for _, line := range strings.Split(read("crontab"), "\n") {
		if m := regexp.MustCompile(`^[0-9*].*?/bin/crmbulk (.*?) >>`).FindStringSubmatch(line); m != nil {
			out["crontab"] = strings.Fields(m[1])
		}
	}
	// systemd: ExecStart=, continued over lines ending in a backslash.
	unit := strings.ReplaceAll(read("crmbulk-export.service"), "\\\n", " ")
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "ExecStart="); ok {
			out["systemd"] = strings.Fields(rest)[1:]
		}
	}
	// Kubernetes: the container's args.
	dec := yaml.NewDecoder(strings.NewReader(read("kubernetes-cronjob.yaml")))
	for {
		var doc struct {
			Kind string `yaml:"kind"`
			Spec struct {
				JobTemplate struct {
					Spec struct {
						Template struct {
							Spec struct {
								Containers []struct {
									Args []string `yaml:"args"`
								} `yaml:"containers"`
							} `yaml:"spec"`
						} `yaml:"template"`
					} `yaml:"spec"`
				} `yaml:"jobTemplate"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if doc.Kind == "CronJob" {
			out["kubernetes"] = doc.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args
		}
	}
	if len(out) != 3 {
		t.Fatalf("found the commands of %d sample schedules, want 3: %v", len(out), out)
	}
	return out
}

// TestSampleSchedulesWorkTheFirstNight runs each sample schedule's command,
// as written, in an empty directory (its absolute paths moved under it, the
// token file put where the schedule reads it) against the sandbox: it must
// export, making the folder it writes to, and log nothing but JSON lines.
func TestSampleSchedulesWorkTheFirstNight(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Clients: 120, Seed: 3})
	for name, args := range scheduleCommands(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			var moved []string
			for _, a := range args {
				flag, val, hasVal := strings.Cut(a, "=")
				fix := func(p string) string {
					p = strings.ReplaceAll(p, "%d", "/run/credentials/crmbulk-export.service")
					if filepath.IsAbs(p) {
						return filepath.Join(dir, p)
					}
					return p
				}
				if hasVal && strings.HasPrefix(flag, "--") {
					moved = append(moved, flag+"="+fix(val))
				} else {
					moved = append(moved, fix(a))
				}
			}
			for i, a := range moved { // the token file the schedule reads
				var tf string
				if a == "--token-file" && i+1 < len(moved) {
					tf = moved[i+1]
				} else if v, ok := strings.CutPrefix(a, "--token-file="); ok {
					tf = v
				}
				if tf != "" {
					if err := os.MkdirAll(filepath.Dir(tf), 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(tf, []byte(sandboxtest.DefaultToken+"\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			r := runCmd(t, context.Background(), map[string]string{"BASELINKER_API_URL": url}, moved...)
			if r.code != 0 {
				t.Fatalf("crmbulk %s: exit %d\n%s", strings.Join(moved, " "), r.code, r.errOut)
			}
			day := time.Now().Format("2006-01-02")
			found, _ := filepath.Glob(filepath.Join(dir, "*", "clients-"+day+".xlsx"))
			if len(found) == 0 {
				found, _ = filepath.Glob(filepath.Join(dir, "clients-"+day+".xlsx"))
			}
			if len(found) != 1 {
				t.Errorf("no clients-%s.xlsx written under %s", day, dir)
			}
			for _, line := range strings.Split(strings.TrimSpace(r.errOut), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Errorf("a log line is not JSON: %q", line)
					continue
				}
				for _, k := range []string{"seconds", "clients", "per_second", "requests"} {
					if v, ok := m[k]; ok {
						if _, isNum := v.(float64); !isNum {
							t.Errorf("%s is %T (%v) in %q, want a number", k, v, v, line)
						}
					}
				}
			}
		})
	}
}

// TestJSONLogToTheLastLine: under --log-format json the final error is a
// JSON line too, with the exit code as a number — also for a flag error
// found before the logger exists — and no "--help" text follows it.
func TestJSONLogToTheLastLine(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Clients: 5})
	for _, args := range [][]string{
		{"--log-format", "json", "export", "--out", "x.csv", "--no-such-flag"},
		{"--log-format", "json", "export"},
		{"--log-format", "json", "--no-progress", "export", "--out", filepath.Join(t.TempDir(), "x.csv")}, // no token
	} {
		r := runCmd(t, context.Background(), map[string]string{"BASELINKER_API_URL": url}, args...)
		lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
		var last map[string]any
		if r.code != exitError || json.Unmarshal([]byte(lines[len(lines)-1]), &last) != nil || last["exit_code"] != float64(exitError) || last["level"] != "ERROR" {
			t.Errorf("crmbulk %v: exit %d\n%s", args, r.code, r.errOut)
		}
		for _, l := range lines {
			if !json.Valid([]byte(l)) {
				t.Errorf("crmbulk %v: not a JSON line: %q", args, l)
			}
		}
	}
}
