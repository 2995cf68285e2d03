package shellquote

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		arg, posix, pwsh string
	}{
		{"clients.report.csv", "clients.report.csv", "clients.report.csv"},
		{"out/clients-2026.xlsx", "out/clients-2026.xlsx", "out/clients-2026.xlsx"},
		{"--resume", "--resume", "--resume"},
		{"http://127.0.0.1:8080/connector.php", "http://127.0.0.1:8080/connector.php", "http://127.0.0.1:8080/connector.php"},
		{"", "''", "''"},
		{"nowi klienci.report.csv", "'nowi klienci.report.csv'", "'nowi klienci.report.csv'"},
		{"O'Brien.csv", `'O'\''Brien.csv'`, "'O''Brien.csv'"},
		{`say "hi".csv`, `'say "hi".csv'`, `'say "hi".csv'`},
		{"$HOME.csv", "'$HOME.csv'", "'$HOME.csv'"},
		{"a`b`.csv", "'a`b`.csv'", "'a`b`.csv'"},
		{"Stały klient", "'Stały klient'", "'Stały klient'"},
		{"zażółć.csv", "'zażółć.csv'", "'zażółć.csv'"},
		{"it’s.csv", "'it’s.csv'", "'it’’s.csv'"}, // PowerShell reads ’ as '
		{`C:\Users\ola\klienci.csv`, `'C:\Users\ola\klienci.csv'`, `C:\Users\ola\klienci.csv`},
		{"a,b", "a,b", "'a,b'"},       // an array in PowerShell
		{"@list", "@list", "'@list'"}, // a splat in PowerShell
		{"--%", "--%", "'--%'"},       // PowerShell's stop-parsing token
		{"--", "--", "'--'"},          // the end of PowerShell's parameters
		{"~/x", "'~/x'", "'~/x'"},
		{"a;b&c|d", "'a;b&c|d'", "'a;b&c|d'"},
		{"#x", "'#x'", "'#x'"},
		{"two\nlines", "'two\nlines'", "'two\nlines'"},
		{"{datetime}", "'{datetime}'", "'{datetime}'"},
		{"=klienci.csv", "'=klienci.csv'", "=klienci.csv"}, // zsh's = expansion: =ls is /bin/ls
		{"a=b.csv", "a=b.csv", "a=b.csv"},
	}
	for _, tt := range tests {
		if got := POSIX.Quote(tt.arg); got != tt.posix {
			t.Errorf("POSIX.Quote(%q) = %s, want %s", tt.arg, got, tt.posix)
		}
		if got := PowerShell.Quote(tt.arg); got != tt.pwsh {
			t.Errorf("PowerShell.Quote(%q) = %s, want %s", tt.arg, got, tt.pwsh)
		}
		if got, ok := unquotePowerShell(PowerShell.Quote(tt.arg)); !ok || got != tt.arg {
			t.Errorf("PowerShell reads %s as %q, want %q", PowerShell.Quote(tt.arg), got, tt.arg)
		}
	}
}

func TestForGOOS(t *testing.T) {
	for goos, want := range map[string]Shell{"windows": PowerShell, "linux": POSIX, "darwin": POSIX, "freebsd": POSIX} {
		if got := ForGOOS(goos); got != want {
			t.Errorf("ForGOOS(%s) = %d, want %d", goos, got, want)
		}
	}
}

func TestJoinAndProgram(t *testing.T) {
	tests := []struct {
		shell Shell
		path  string
		want  string
	}{
		{POSIX, "crmbulk", "crmbulk undo 'klienci sklep.report.csv' --yes"},
		{POSIX, "./crmbulk", "./crmbulk undo 'klienci sklep.report.csv' --yes"},
		{POSIX, "/opt/my tools/crmbulk", "'/opt/my tools/crmbulk' undo 'klienci sklep.report.csv' --yes"},
		{PowerShell, "crmbulk", "crmbulk undo 'klienci sklep.report.csv' --yes"},
		{PowerShell, `.\crmbulk.exe`, `.\crmbulk.exe undo 'klienci sklep.report.csv' --yes`},
		{PowerShell, `C:\My Tools\crmbulk.exe`, `& 'C:\My Tools\crmbulk.exe' undo 'klienci sklep.report.csv' --yes`},
	}
	for _, tt := range tests {
		if got := tt.shell.Join(tt.shell.Program(tt.path), "undo", "klienci sklep.report.csv", "--yes"); got != tt.want {
			t.Errorf("shell %d: %s, want %s", tt.shell, got, tt.want)
		}
	}
	if got := POSIX.SetEnv("BASELINKER_API_URL", "http://127.0.0.1:8080/connector.php"); got != "export BASELINKER_API_URL=http://127.0.0.1:8080/connector.php" {
		t.Errorf("POSIX.SetEnv = %s", got)
	}
	if got := PowerShell.SetEnv("BASELINKER_API_URL", "http://127.0.0.1:8080/connector.php"); got != "$env:BASELINKER_API_URL = 'http://127.0.0.1:8080/connector.php'" {
		t.Errorf("PowerShell.SetEnv = %s", got)
	}
	if got := Rerun(nil).With(Set("resume", "a b.csv"), Drop("again"), Set("yes", "")); got != " the same command with --resume 'a b.csv' --yes without --again" {
		t.Errorf("Rerun(nil).With = %s", got)
	}
}

func TestEditArgs(t *testing.T) {
	lookup := func(name string) (string, bool) {
		if name == "m" {
			return "mapping", true
		}
		return name, slices.Contains([]string{"mapping", "resume", "report", "match-by", "api-url"}, name)
	}
	tests := []struct {
		name  string
		args  []string
		edits []Edit
		want  []string
	}{
		{"add at the end", []string{"import", "a.csv", "--mapping", "m.yaml"}, []Edit{Set("resume", "a.report.csv")},
			[]string{"import", "a.csv", "--mapping", "m.yaml", "--resume", "a.report.csv"}},
		{"change in place", []string{"import", "a.csv", "--resume", "old.csv", "--dry-run"}, []Edit{Set("resume", "new.csv")},
			[]string{"import", "a.csv", "--resume", "new.csv", "--dry-run"}},
		{"change the = form", []string{"import", "--resume=old.csv", "a.csv"}, []Edit{Set("resume", "new csv")},
			[]string{"import", "--resume=new csv", "a.csv"}},
		{"drop with its value", []string{"import", "a.csv", "--resume", "old.csv", "--again"}, []Edit{Drop("resume"), Drop("again"), Set("match-by", "email")},
			[]string{"import", "a.csv", "--match-by", "email"}},
		{"shorthand", []string{"import", "-m", "x.yaml", "a.csv"}, []Edit{Set("mapping", "y.yaml")},
			[]string{"import", "--mapping", "y.yaml", "a.csv"}},
		{"a bool flag", []string{"undo", "r.csv"}, []Edit{Set("yes", "")}, []string{"undo", "r.csv", "--yes"}},
		{"a bool flag given twice", []string{"undo", "--yes", "r.csv", "--yes"}, []Edit{Set("yes", "")}, []string{"undo", "--yes", "r.csv"}},
		{"before --", []string{"import", "--mapping", "m", "--", "-odd.csv"}, []Edit{Set("resume", "r")},
			[]string{"import", "--mapping", "m", "--resume", "r", "--", "-odd.csv"}},
		{"a value that looks like a flag", []string{"import", "--report", "--resume", "a.csv"}, []Edit{Set("resume", "r")},
			[]string{"import", "--report", "--resume", "a.csv", "--resume", "r"}},
	}
	for _, tt := range tests {
		if got := EditArgs(tt.args, lookup, tt.edits...); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// isSingleQuote reports whether PowerShell reads r as a single quote: the
// ASCII one and the typographic ones (the reading side of psQuotes).
func isSingleQuote(r rune) bool {
	return r == '\'' || r == '‘' || r == '’' || r == '‚' || r == '‛'
}

// unquotePowerShell reads one PowerShell word that Quote wrote: bare, or
// single-quoted with each quote character doubled. ok is false when the
// word would not be one argument.
func unquotePowerShell(w string) (string, bool) {
	if !strings.HasPrefix(w, "'") {
		return w, !strings.ContainsAny(w, " '\"$`;,@#(){}|&<>")
	}
	var b strings.Builder
	rest := w[1:]
	for rest != "" {
		r, n := utf8.DecodeRuneInString(rest)
		if isSingleQuote(r) {
			r2, n2 := utf8.DecodeRuneInString(rest[n:])
			if n2 == 0 || !isSingleQuote(r2) {
				return b.String(), rest[n:] == "" // the closing quote ends the word
			}
			b.WriteString(rest[n : n+n2])
			rest = rest[n+n2:]
			continue
		}
		b.WriteString(rest[:n])
		rest = rest[n:]
	}
	return "", false
}

// FuzzQuote: sh gives back every argument exactly as it was quoted, and
// PowerShell's single-quote rule reads every quoted argument back whole.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"nowi klienci.report.csv", "O'Brien", `"x"`, "$HOME", "`id`", "Stały klient", "it’s", "a\nb", "--%", "", "\xff\xfe"} {
		f.Add(s)
	}
	sh, err := exec.LookPath("sh")
	f.Fuzz(func(t *testing.T, arg string) {
		if got, ok := unquotePowerShell(PowerShell.Quote(arg)); !ok || got != arg {
			t.Errorf("PowerShell reads %s as %q, want %q", PowerShell.Quote(arg), got, arg)
		}
		if err != nil || strings.ContainsRune(arg, 0) { // an argument cannot hold NUL
			return
		}
		out, err := exec.Command(sh, "-c", `printf '%s\n' `+POSIX.Quote(arg)+" "+POSIX.Quote(arg)).Output()
		if err != nil {
			t.Fatalf("sh -c with %s: %v", POSIX.Quote(arg), err)
		}
		if want := arg + "\n" + arg + "\n"; string(out) != want {
			t.Errorf("sh gives back %q for %q (quoted %s)", out, arg, POSIX.Quote(arg))
		}
	})
}
