package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// sampleCron is the crontab sample's schedule line and its variables.
type sampleCron struct {
	when, command string
	env           map[string]string
}

// commentedCommands returns the commands a schedule sample offers in its
// comments as alternatives: crontab lines (# and five time fields) and
// systemd Exec lines (# ExecStart=…), continuation lines joined.
func commentedCommands(t *testing.T, name string) []string {
	t.Helper()
	var cmds []string
	cont := ""
	start := regexp.MustCompile(`^(?:(?:[0-9*/,-]+\s+){5}|Exec\w*=)(.*)$`)
	for _, line := range strings.Split(readSample(t, name), "\n") {
		text, ok := strings.CutPrefix(line, "#")
		if !ok {
			continue
		}
		text = strings.TrimSpace(text)
		if cont == "" && !start.MatchString(text) || cont == "" && !strings.Contains(text, "crmbulk") {
			continue
		}
		if joined, ok := strings.CutSuffix(text, "\\"); ok {
			cont += strings.TrimSpace(joined) + " "
			continue
		}
		cmds = append(cmds, start.FindStringSubmatch(cont + text)[1])
		cont = ""
	}
	return cmds
}

// readSample reads a file of samples/schedule.
func readSample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../samples/schedule", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cronSample parses the crontab: one schedule line (five time fields and
// a command), and NAME=value lines.
func cronSample(t *testing.T) sampleCron {
	t.Helper()
	c := sampleCron{env: map[string]string{}}
	lineRE := regexp.MustCompile(`^((?:\S+\s+){4}\S+)\s+(.*)$`)
	for _, line := range strings.Split(readSample(t, "crontab"), "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case regexp.MustCompile(`^[A-Z_]+=`).MatchString(line):
			k, v, _ := strings.Cut(line, "=")
			c.env[k] = v
		default:
			m := lineRE.FindStringSubmatch(line)
			if m == nil || c.command != "" {
				t.Fatalf("crontab: %q is not the one schedule line", line)
			}
			c.when, c.command = m[1], m[2]
		}
	}
	if c.command == "" {
		t.Fatal("crontab: no schedule line")
	}
	return c
}

// unitSample is the [Service] section of the systemd sample: each key's
// values in order, lines ending in a backslash joined.
func unitSample(t *testing.T) map[string][]string {
	t.Helper()
	unit := strings.ReplaceAll(readSample(t, "crmbulk-export.service"), "\\\n", " ")
	keys := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("crmbulk-export.service: %q is no KEY=value", line)
			}
			keys[k] = append(keys[k], strings.Join(strings.Fields(v), " "))
		}
	}
	return keys
}

// kubeContainer is what the test reads of the CronJob's pod.
type kubeContainer struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type kubePod struct {
	Containers []kubeContainer `yaml:"containers"`
	Volumes    []struct {
		Name   string `yaml:"name"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
		} `yaml:"secret"`
		PersistentVolumeClaim *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	} `yaml:"volumes"`
}

// kubeSample returns the CronJob's pod and the claims the manifest makes.
func kubeSample(t *testing.T) (kubePod, map[string]bool) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(readSample(t, "kubernetes-cronjob.yaml")))
	var pod *kubePod
	claims := map[string]bool{}
	for {
		var doc struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
			Spec struct {
				JobTemplate struct {
					Spec struct {
						Template struct {
							Spec kubePod `yaml:"spec"`
						} `yaml:"template"`
					} `yaml:"spec"`
				} `yaml:"jobTemplate"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		switch doc.Kind {
		case "CronJob":
			p := doc.Spec.JobTemplate.Spec.Template.Spec
			pod = &p
		case "PersistentVolumeClaim":
			claims[doc.Metadata.Name] = true
		}
	}
	if pod == nil || len(pod.Containers) != 1 {
		t.Fatal("kubernetes-cronjob.yaml: no CronJob with one container")
	}
	return *pod, claims
}

// dockerImage is what the test reads of the Dockerfile's final image.
func dockerImage(t *testing.T) (entrypoint []string, env map[string]string, workdir string) {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env = map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "FROM "):
			env, workdir, entrypoint = map[string]string{}, "/", nil // only the last stage counts
		case strings.HasPrefix(line, "ENV "):
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "ENV "), "=")
			env[k] = v
		case strings.HasPrefix(line, "WORKDIR "):
			workdir = strings.TrimPrefix(line, "WORKDIR ")
		case strings.HasPrefix(line, "ENTRYPOINT "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "ENTRYPOINT ")), &entrypoint); err != nil {
				t.Fatalf("Dockerfile: %q: %v", line, err)
			}
		}
	}
	if len(entrypoint) == 0 {
		t.Fatal("Dockerfile: no ENTRYPOINT")
	}
	return entrypoint, env, workdir
}

// onMachine maps a path a schedule names to where this test's machine
// has it: crmbulk's install path is the archive's program; /etc, /run,
// /srv, /var and /home are under the test's root folder, which stands
// for /. Other paths (/bin/mkdir) are the machine's own.
func (a *release) onMachine(p string) string {
	if p == "/usr/local/bin/crmbulk" {
		return a.bin
	}
	for _, top := range []string{"/etc/", "/run/", "/srv/", "/var/", "/home/"} {
		if strings.HasPrefix(p, top) {
			return filepath.Join(a.root, p)
		}
	}
	return p
}

// onMachineArg maps the path of an argument, in --flag=PATH or PATH form.
func (a *release) onMachineArg(arg string) string {
	if flag, val, ok := strings.Cut(arg, "="); ok && strings.HasPrefix(flag, "--") {
		return flag + "=" + a.onMachine(val)
	}
	return a.onMachine(arg)
}

// TestSampleSchedulesWorkTheFirstNight runs each sample schedule as its
// scheduler would, on a first night: the program from an unpacked release
// archive, as an unprivileged user, with nothing made beforehand but what
// the sample's install steps make (the token file). The cron line runs
// through /bin/sh -c with cron's environment; the systemd unit's
// ExecStartPre and ExecStart with the folders systemd makes
// (StateDirectory, the credentials) and its Environment; the Kubernetes
// container's image command and args with its env and the volumes
// mounted. The paths they name are under a test folder standing for /
// (onMachine), and BASELINKER_API_URL points at a sandbox; nothing else is
// changed. Each must export, make every folder it writes to, say nothing
// where its scheduler would mail or alert, log JSON lines, and keep the
// token's request window in the shared state folder.
func TestSampleSchedulesWorkTheFirstNight(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Clients: 120, Seed: 3})
	day := time.Now().Format("2006-01-02")

	// The alternatives in the samples' comments (a container instead of
	// the program) cannot run here: each is listed in notRunHere.
	for _, name := range []string{"crontab", "crmbulk-export.service"} {
		alts := commentedCommands(t, name)
		if len(alts) == 0 {
			t.Errorf("%s: found no commented alternative; the test reads them to list each in notRunHere", name)
		}
		for _, alt := range alts {
			if _, ok := notRunHere[alt]; !ok {
				t.Errorf("%s offers %q in its comments: add it to notRunHere with the reason it cannot run here", name, alt)
			}
		}
	}

	t.Run("crontab", func(t *testing.T) { cronFirstNight(t, url, day) })
	t.Run("systemd", func(t *testing.T) { systemdFirstNight(t, url, day) })
	t.Run("kubernetes", func(t *testing.T) { kubernetesFirstNight(t, url, day) })
	if srv.Stats().Blocked > 0 {
		t.Errorf("the token was blocked %d times", srv.Stats().Blocked)
	}
}

// cronFirstNight runs the crontab's line through its SHELL with cron's
// environment, in the user's home folder: two quiet nights, then the mail
// of a night the token is refused and of a home folder it cannot write.
func cronFirstNight(t *testing.T, url, day string) {
	c := cronSample(t)
	if c.when != "15 2 * * *" || c.env["SHELL"] != "/bin/sh" {
		t.Errorf("crontab: schedule %q, SHELL %q", c.when, c.env["SHELL"])
	}
	a := unpackRelease(t)
	line := strings.ReplaceAll(c.command, "/usr/local/bin/crmbulk", a.bin) // its install step
	a.userFile(t, filepath.Join(a.home, ".config/crmbulk/token"), sandboxtest.DefaultToken+"\n", 0o600)
	// cron's environment: the user's HOME, SHELL from the crontab, PATH /usr/bin:/bin.
	cronEnv := map[string]string{"SHELL": c.env["SHELL"], "PATH": "/usr/bin:/bin", "LOGNAME": "crmbulk", "BASELINKER_API_URL": url}
	for night := 1; night <= 2; night++ {
		r := a.exec(t, a.home, cronEnv, c.env["SHELL"], "-c", line)
		if r.code != 0 || r.stdout+r.stderr != "" {
			t.Fatalf("night %d: exit %d, and cron would mail:\n%s%s", night, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(a.home, "crmbulk/exports/clients-"+day+".xlsx")); err != nil {
		t.Errorf("no export: %v", err)
	}
	log, _ := os.ReadFile(filepath.Join(a.home, "crmbulk/export.log"))
	checkJSONLog(t, string(log), 2)

	// A night the API refuses the token: cron mails crmbulk's exit and where its log is.
	a.userFile(t, filepath.Join(a.home, ".config/crmbulk/token"), "3000009-3000010-NOTTHETOKEN00000000000000\n", 0o600)
	r := a.exec(t, a.home, cronEnv, c.env["SHELL"], "-c", line)
	if want := "crmbulk export failed with exit 2 (1 = some problems, 2 = configuration or fatal API error); see " + a.home + "/crmbulk/export.log\n"; r.stdout != want || r.stderr != "" {
		t.Errorf("the mail of a refused token is %q%q, want %q", r.stdout, r.stderr, want)
	}
	// A home folder the user cannot write: the mail is mkdir's, crmbulk is not blamed.
	if a.user != nil {
		noHome := map[string]string{"HOME": "/nonexistent"}
		for k, v := range cronEnv {
			noHome[k] = v
		}
		r := a.exec(t, "/", noHome, c.env["SHELL"], "-c", line)
		if r.code == 0 || !strings.Contains(r.stderr, "mkdir") || strings.Contains(r.stdout+r.stderr, "crmbulk export failed") {
			t.Errorf("an unwritable home folder: exit %d, mail %q%q; want mkdir's error and no word of crmbulk", r.code, r.stdout, r.stderr)
		}
	}
}

// systemdFirstNight makes what systemd makes for the unit (its
// StateDirectory, the credentials directory), then runs ExecStartPre
// ('+': with full privileges) and ExecStart with the unit's Environment,
// two nights.
func systemdFirstNight(t *testing.T, url, day string) {
	keys := unitSample(t)
	a := unpackRelease(t)
	verifyUnit(t, a)
	if got := strings.Join(keys["DynamicUser"], ""); got != "yes" {
		t.Fatalf("DynamicUser=%s: the test runs the unit as an unprivileged user of its own", got)
	}
	// What systemd makes before the run: the StateDirectory (owned by the
	// unit's user) and the credentials directory with the token.
	for _, d := range keys["StateDirectory"] {
		a.mkdir(t, a.onMachine("/var/lib/"+d), 0o755)
	}
	creds := a.onMachine("/run/credentials/crmbulk-export.service")
	for _, c := range keys["LoadCredential"] {
		name, _, _ := strings.Cut(c, ":")
		a.userFile(t, filepath.Join(creds, name), sandboxtest.DefaultToken+"\n", 0o400)
	}
	env := map[string]string{"HOME": "/", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"CREDENTIALS_DIRECTORY": creds, "BASELINKER_API_URL": url}
	for _, e := range keys["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = a.onMachine(v)
	}
	words := func(cmdline string) []string {
		var w []string
		for _, f := range strings.Fields(strings.ReplaceAll(cmdline, "%d", "/run/credentials/crmbulk-export.service")) {
			w = append(w, a.onMachineArg(f))
		}
		return w
	}
	workdir := a.onMachine(strings.Join(keys["WorkingDirectory"], ""))
	for _, pre := range keys["ExecStartPre"] {
		w := words(strings.TrimPrefix(pre, "+"))
		run := a.exec
		if strings.HasPrefix(pre, "+") && a.user != nil { // + runs with full privileges
			run = (&release{env: a.env}).exec
		}
		if r := run(t, workdir, env, w[0], w[1:]...); r.code != 0 {
			t.Fatalf("ExecStartPre=%s: exit %d\n%s", pre, r.code, r.stderr)
		}
	}
	for _, b := range keys["BindPaths"] {
		if _, err := os.Stat(a.onMachine(b)); err != nil {
			t.Errorf("BindPaths=%s: systemd fails the unit when the folder is missing: %v", b, err)
		}
	}
	state := env["CRMBULK_STATE_DIR"]
	if fi, err := os.Stat(state); err != nil || fi.Mode()&(os.ModeSticky|0o777) != os.ModeSticky|0o777 {
		t.Errorf("the shared state folder %s: %v, %v; want it made sticky and writable by all, like /tmp", state, fi, err)
	}
	w := words(strings.Join(keys["ExecStart"], ""))
	for night := 1; night <= 2; night++ {
		r := a.exec(t, workdir, env, w[0], w[1:]...)
		if r.code != 0 {
			t.Fatalf("night %d: ExecStart: exit %d\n%s", night, r.code, r.stderr)
		}
		checkJSONLog(t, r.stderr, 1)
	}
	if _, err := os.Stat(filepath.Join(a.onMachine("/var/lib/crmbulk"), "exports/clients-"+day+".xlsx")); err != nil {
		t.Errorf("no export under the StateDirectory: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(state, "window-*.json")); len(m) != 1 {
		t.Errorf("the token's request window is not in the shared state folder %s: %v", state, m)
	}
}

// verifyUnit has systemd-analyze check the unit and its timer (the
// program's path made the archive's), where systemd-analyze is installed:
// it must say nothing — an unknown or misspelt key is only a warning to
// systemd, which would then run the unit without it.
func verifyUnit(t *testing.T, a *release) {
	t.Helper()
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("no systemd-analyze here: the unit's keys are not verified")
		return
	}
	dir := t.TempDir()
	unit := strings.ReplaceAll(readSample(t, "crmbulk-export.service"), "/usr/local/bin/crmbulk", a.bin)
	if err := os.WriteFile(filepath.Join(dir, "crmbulk-export.service"), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "../../samples/schedule/crmbulk-export.timer", filepath.Join(dir, "crmbulk-export.timer"))
	cmd := exec.Command(bin, "verify", "--man=no", "crmbulk-export.service", "crmbulk-export.timer")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// kubernetesFirstNight runs the container's image command and args with
// the image's and the pod's env, the Secret and the claim mounted.
func kubernetesFirstNight(t *testing.T, url, day string) {
	pod, claims := kubeSample(t)
	c := pod.Containers[0]
	entry, imageEnv, workdir := dockerImage(t)
	a := unpackRelease(t)
	command := c.Command
	if len(command) == 0 {
		command = entry
	}
	env := map[string]string{"HOME": "/home/nonroot", "BASELINKER_API_URL": url}
	for k, v := range imageEnv {
		env[k] = v
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	for k, v := range env {
		env[k] = a.onMachine(v)
	}
	a.mkdir(t, a.onMachine(workdir), 0o755) // the image's own folder
	// The volumes, as the kubelet mounts them: the Secret holds the token,
	// a claim is an empty folder the pod's fsGroup may write.
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			switch {
			case v.Name != m.Name:
			case v.Secret != nil:
				a.userFile(t, filepath.Join(a.onMachine(m.MountPath), "token"), sandboxtest.DefaultToken+"\n", 0o440)
			case v.PersistentVolumeClaim != nil:
				if !claims[v.PersistentVolumeClaim.ClaimName] {
					t.Errorf("the volume %s claims %s, which the manifest does not make", v.Name, v.PersistentVolumeClaim.ClaimName)
				}
				a.mkdir(t, a.onMachine(m.MountPath), 0o775)
			}
		}
	}
	args := make([]string, 0, len(command)+len(c.Args))
	for _, w := range append(append([]string{}, command...), c.Args...) {
		args = append(args, a.onMachineArg(w))
	}
	r := a.exec(t, a.onMachine(workdir), env, args[0], args[1:]...)
	if r.code != 0 {
		t.Fatalf("the container: exit %d\n%s", r.code, r.stderr)
	}
	checkJSONLog(t, r.stderr, 1)
	out := ""
	for _, arg := range c.Args {
		if v, ok := strings.CutPrefix(arg, "--out="); ok {
			out = strings.ReplaceAll(v, "{date}", day)
		}
	}
	if _, err := os.Stat(a.onMachine(out)); out == "" || err != nil {
		t.Errorf("no export %q on the volume: %v", out, err)
	}
	state, onClaim := env["CRMBULK_STATE_DIR"], false
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			mount := a.onMachine(m.MountPath)
			if v.Name == m.Name && v.PersistentVolumeClaim != nil && (state == mount || strings.HasPrefix(state, mount+"/")) {
				onClaim = true
			}
		}
	}
	if !onClaim {
		t.Errorf("CRMBULK_STATE_DIR %s is on no claimed volume: a Job on another node, or another pod of the token, would not share its window", state)
	}
	if m, _ := filepath.Glob(filepath.Join(state, "window-*.json")); len(m) != 1 {
		t.Errorf("the token's request window is not in %s: %v", state, m)
	}
}

// checkJSONLog: every line of a --log-format json log is a JSON object
// whose counts are numbers, and finished says "export finished" finished
// times.
func checkJSONLog(t *testing.T, log string, finished int) {
	t.Helper()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		if m["msg"] == "export finished" {
			n++
		}
		for _, k := range []string{"seconds", "clients", "per_second", "requests"} {
			if v, ok := m[k]; ok {
				if _, isNum := v.(float64); !isNum {
					t.Errorf("%s is %T (%v) in %q, want a number", k, v, v, line)
				}
			}
		}
	}
	if n != finished {
		t.Errorf("the log says \"export finished\" %d times, want %d:\n%s", n, finished, log)
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
