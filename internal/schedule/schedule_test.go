package schedule

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDefaultsAreTheSamples: the files written for the default choices at
// 02:15 are samples/schedule's, byte for byte (go run ./samples/internal/gen
// writes them), so the sample schedules' first-night test also proves
// what the web page offers.
func TestDefaultsAreTheSamples(t *testing.T) {
	f, err := Write(Default(), When{Hour: 2, Minute: 15}, DefaultProgram)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"crontab": f.Crontab, "crmbulk-export.service": f.Service, "crmbulk-export.timer": f.Timer} {
		want, err := os.ReadFile(filepath.Join("../../samples/schedule", name))
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("samples/schedule/%s differs from what internal/schedule writes for the defaults: run go run ./samples/internal/gen\n--- written:\n%s", name, got)
		}
	}
}

// awkward are choices whose values every quoting layer must carry: both
// quotes, $, %, a backtick, a backslash, spaces and Polish letters.
func awkward() Export {
	return Export{Name: "klienci 50% $HOME `id` {date}", Format: Excel, Rate: 45,
		Filters: []string{`status=Stały "klient" 'O'Brien' 100% $PATH \n`, "email=@example.com"},
		Columns: []string{"crm_client_id", "email", "status_name"}, Notes: true}
}

// TestCronLine: the crontab has its variables and exactly one schedule
// line with five valid time fields; its command, once cron has turned \%
// back into %, is sh words whose export arguments are Args' exactly.
func TestCronLine(t *testing.T) {
	e := awkward()
	f, err := Write(e, When{Hour: 23, Minute: 5}, Program{POSIX: "/opt/crm bulk/crmbulk", Windows: `C:\x\crmbulk.exe`})
	if err != nil {
		t.Fatal(err)
	}
	when, command := CronLine(t, f.Crontab)
	if f.CronLine != when+" "+command {
		t.Errorf("CronLine %q is not the crontab's line %q", f.CronLine, when+" "+command)
	}
	if when != "5 23 * * *" {
		t.Errorf("time fields %q, want 5 23 * * *", when)
	}
	if strings.Contains(strings.ReplaceAll(command, `\%`, ""), "%") {
		t.Errorf("a bare %% in the cron command (cron makes it a line break): %s", command)
	}
	words := shWords(t, strings.ReplaceAll(command, `\%`, "%"))
	i := slices.Index(words, "export")
	if i < 0 || !slices.Equal(words[i:i+len(e.Args("exports"))], e.Args("exports")) {
		t.Errorf("sh reads the export as %q, want %q", words, e.Args("exports"))
	}
	if !slices.Contains(words, "/opt/crm bulk/crmbulk") || !slices.Contains(words, "--token-file") {
		t.Errorf("the program or --token-file is not one word: %q", words)
	}
}

// CronLine returns the one schedule line of a crontab: its time fields
// and its command; every other line is a comment, blank, or NAME=value.
func CronLine(t *testing.T, crontab string) (when, command string) {
	t.Helper()
	field := `(\*|\d+)(-\d+)?(/\d+)?(,(\d+))*`
	line := regexp.MustCompile(`^(` + field + `\s+){4}` + field + `\s`)
	for _, l := range strings.Split(crontab, "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "#") || regexp.MustCompile(`^[A-Z_]+=`).MatchString(l):
		case line.MatchString(l) && command == "":
			fs := strings.Fields(l)
			when = strings.Join(fs[:5], " ")
			command = strings.TrimSpace(regexp.MustCompile(`^(\S+\s+){5}`).ReplaceAllString(l, ""))
		default:
			t.Fatalf("crontab: %q is no comment, variable or (single) schedule line", l)
		}
	}
	if command == "" {
		t.Fatal("crontab: no schedule line")
	}
	return when, command
}

// shWords has sh split line into words (printing each) without running
// it: every command of the line is replaced by printf.
func shWords(t *testing.T, line string) []string {
	t.Helper()
	// The command's first part, up to its redirection, is the crmbulk call.
	call := line[strings.Index(line, "exit 1; ")+len("exit 1; ") : strings.Index(line, " >>export.log")]
	out, err := exec.Command("sh", "-c", `printf '%s\n' `+call).Output()
	if err != nil {
		t.Fatalf("sh cannot read %s: %v", call, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// TestSystemdUnit: the unit's ExecStart, split as systemd splits it
// (splitSystemd), is the program, the global flags and Args exactly; with
// systemd-analyze installed, the unit and its timer verify silently.
func TestSystemdUnit(t *testing.T) {
	e := awkward()
	f, err := Write(e, When{Hour: 4, Minute: 30}, Program{POSIX: "/opt/crm bulk/crmbulk", Windows: `C:\x\crmbulk.exe`})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Timer, "\nOnCalendar=*-*-* 04:30:00\n") {
		t.Errorf("timer:\n%s", f.Timer)
	}
	line := ""
	for _, l := range strings.Split(strings.ReplaceAll(f.Service, "\\\n", " "), "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			line = v
		}
	}
	words := splitSystemd(t, line)
	want := append([]string{"/opt/crm bulk/crmbulk", "--token-file", "%d/token", "--rate", "45", "--log-format", "json", "--no-progress"}, e.Args("exports")...)
	if !slices.Equal(words, want) {
		t.Errorf("systemd reads ExecStart as\n%q\nwant\n%q", words, want)
	}
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("no systemd-analyze here: the unit's keys are not verified")
		return
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "crm bulk", "crmbulk") // verify wants the program to exist
	if err := os.MkdirAll(filepath.Dir(prog), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	service := strings.ReplaceAll(f.Service, `"/opt/crm bulk/crmbulk"`, systemdWord(prog))
	for name, text := range map[string]string{"crmbulk-export.service": service, "crmbulk-export.timer": f.Timer} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "verify", "--man=no", "crmbulk-export.service", "crmbulk-export.timer")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s\n%s", err, out, service)
	}
}

// splitSystemd splits an Exec line as systemd does (systemd.service,
// "Command lines"): words at spaces, "…" and '…' quoting, C escapes, %%
// for % (other specifiers such as %d stay), $$ for $.
func splitSystemd(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	in, quote := false, rune(0)
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == 0 && (r == ' ' || r == '\t'):
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
			continue
		case quote == 0 && (r == '"' || r == '\''):
			quote, in = r, true
			continue
		case quote != 0 && r == quote:
			quote = 0
			continue
		case r == '\\' && i+1 < len(rs):
			i++
			switch rs[i] {
			case '\\', '"', '\'', ';':
				w.WriteRune(rs[i])
			default:
				t.Fatalf("an escape systemd reads otherwise: \\%c in %s", rs[i], line)
			}
		case (r == '%' || r == '$') && i+1 < len(rs) && rs[i+1] == r:
			w.WriteRune(r)
			i++
		case r == '$':
			t.Fatalf("a lone $ (a variable to systemd) in %s", line)
		default:
			w.WriteRune(r)
		}
		in = true
	}
	if quote != 0 {
		t.Fatalf("an open quote in %s", line)
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// TestTaskScheduler: the PowerShell registers a daily task at the time,
// runs the export through a single-quoted here-string that nothing in the
// choices can end (a line break is refused: TestCheck), with every argument one PowerShell word in Args' order,
// and reads the token from a file.
func TestTaskScheduler(t *testing.T) {
	e := awkward()
	e.Filters = append(e.Filters, "city='@")
	f, err := Write(e, When{Hour: 1, Minute: 0}, Program{POSIX: "/x", Windows: `C:\Program Files\crmbulk\crmbulk.exe`})
	if err != nil {
		t.Fatal(err)
	}
	w := f.Windows
	if !strings.Contains(w, "New-ScheduledTaskTrigger -Daily -At '01:00'") || !strings.Contains(w, "Register-ScheduledTask -TaskName 'crmbulk export'") {
		t.Errorf("no daily trigger at 01:00 or no registration:\n%s", w)
	}
	start, end := strings.Index(w, "$script = @'\n"), strings.Index(w, "\n'@\n")
	if start < 0 || end < start || strings.Count(w, "\n'@") != 1 {
		t.Fatalf("the script is not one single-quoted here-string:\n%s", w)
	}
	script := w[start:end]
	want := "& 'C:\\Program Files\\crmbulk\\crmbulk.exe' --token-file (Join-Path $env:USERPROFILE '.config\\crmbulk\\token') --rate 45 --no-progress --log-format json " +
		psArgs(e.Args("exports")) + " 2>&1"
	if !strings.Contains(script, want) {
		t.Errorf("the script does not run\n%s\n%s", want, script)
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Export)
		want string // in the error; "" = none
	}{
		{"defaults", func(*Export) {}, ""},
		{"awkward", func(e *Export) { *e = awkward() }, ""},
		{"line break in a filter", func(e *Export) { e.Filters = []string{"city=a\n'@"} }, "line break"},
		{"line break in a column", func(e *Export) { e.Columns = []string{"email\r"} }, "line break"},
		{"folder in the name", func(e *Export) { e.Name = "../x.csv" }, "plain name"},
		{"no name", func(e *Export) { e.Name = "" }, "plain name"},
		{"format", func(e *Export) { e.Format = "ods" }, "choose xlsx, csv or excel"},
		{"rate", func(e *Export) { e.Rate = 0 }, "requests a minute"},
		{"filter", func(e *Export) { e.Filters = []string{"VIP"} }, "NAME=VALUE"},
	} {
		e := Default()
		c.edit(&e)
		err := e.Check()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if _, werr := Write(e, When{Hour: 2}, DefaultProgram); (werr == nil) != (err == nil) {
			t.Errorf("%s: Write says %v, Check %v", c.name, werr, err)
		}
	}
	if _, err := Write(Default(), When{Hour: 24}, DefaultProgram); err == nil {
		t.Error("24:00 was taken")
	}
}

// TestLegacyNative: what Windows PowerShell 5.1 must be given for crmbulk
// to receive each argument, by the C runtime's rules (a " inside written
// \", backslashes before it doubled; those ending a wrapped argument too).
func TestLegacyNative(t *testing.T) {
	for in, want := range map[string]string{
		"status=VIP":                "status=VIP",
		"status=Stały klient":       "status=Stały klient",
		`status=Stały "klient"`:     `status=Stały \"klient\"`,
		`status="x"`:                `status=\"x\"`,
		`a\"b`:                      `a\\\"b`,
		`C:\dir with space\`:        `C:\dir with space\\`,
		`C:\nospace\`:               `C:\nospace\`,
		`exports/klienci $HOME.csv`: `exports/klienci $HOME.csv`,
	} {
		if got := legacyNative(in); got != want {
			t.Errorf("legacyNative(%s) = %s, want %s", in, got, want)
		}
	}
	if got := psArgs([]string{"--filter", `status=O'Brien "x"`}); got != `--filter 'status=O''Brien \"x\"'` {
		t.Errorf("psArgs: %s", got)
	}
}

// FuzzWrite: whatever the page sends, Write either refuses it or writes
// files whose every layer reads the arguments back: systemd splits the
// ExecStart line into Args exactly, the cron line holds no bare %, one
// schedule line, and nothing ends the PowerShell here-string early.
func FuzzWrite(f *testing.F) {
	f.Add("clients-{date}", "xlsx", "status=Stały klient", "email", true, 60)
	f.Add(`a "b" 'c' $d %e \f`, "excel", `status=x"y`, "notes", false, 1)
	f.Fuzz(func(t *testing.T, name, format, filter, column string, notes bool, rate int) {
		e := Export{Name: name, Format: format, Filters: []string{filter}, Columns: []string{column}, Notes: notes, Rate: rate}
		files, err := Write(e, When{Hour: 3, Minute: 7}, DefaultProgram)
		if err != nil {
			return
		}
		line := ""
		for _, l := range strings.Split(strings.ReplaceAll(files.Service, "\\\n", " "), "\n") {
			if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
				line = v
			}
		}
		words := splitSystemd(t, line)
		if want := e.Args("exports"); !slices.Equal(words[len(words)-len(want):], want) {
			t.Errorf("systemd reads %q, want %q", words, want)
		}
		if strings.Contains(strings.ReplaceAll(files.CronLine, `\%`, ""), "%") || !strings.HasPrefix(files.CronLine, "7 3 * * * ") {
			t.Errorf("cron line %q", files.CronLine)
		}
		if strings.Count(files.Windows, "\n'@") != 1 {
			t.Errorf("the here-string ends early:\n%s", files.Windows)
		}
	})
}
