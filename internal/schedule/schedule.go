// Package schedule writes the nightly command lines of an export: the
// crontab, the systemd service and timer, and the Windows Task Scheduler
// registration, from one set of export choices (Export) — the flags
// `crmbulk export` takes, quoted for the scheduler that reads them.
//
// It is the one home of those files: samples/schedule/ is what it writes
// for the default choices (samples/internal/gen writes them, a test checks
// they agree), and `crmbulk ui` shows it for the choices made in the page.
// The token is always read from a file (--token-file, a systemd credential),
// never written into a line.
package schedule

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"strconv"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/internal/shellquote"
)

// Format names of Export.Format.
const (
	XLSX  = "xlsx"
	CSV   = "csv"
	Excel = "excel" // CSV for Excel: --excel --delimiter=;
)

// Export is one export's choices, as `crmbulk export` takes them.
type Export struct {
	// Name is the file's name in the exports folder, with a placeholder
	// ({date}) so that each night writes its own; its extension follows
	// Format (Name gets one when it has none).
	Name string `json:"name"`
	// Format is XLSX, CSV or Excel.
	Format string `json:"format"`
	// Filters are --filter NAME=VALUE, in order (status=NAME included).
	Filters []string `json:"filters"`
	// Columns are --columns, in order (nil: the default columns).
	Columns []string `json:"columns"`
	// Notes and ExtraFields are --notes and --extra-fields.
	Notes       bool `json:"notes"`
	ExtraFields bool `json:"extraFields"`
	// Rate is --rate, the requests a minute the run may use.
	Rate int `json:"rate"`
}

// Default are the choices of samples/schedule: every client, every
// default column, XLSX, at 60 requests a minute.
func Default() Export {
	return Export{Name: "clients-{date}.xlsx", Format: XLSX, Rate: 60}
}

// Check says what is wrong with the choices, in words with the fix.
func (e Export) Check() error {
	switch e.Format {
	case XLSX, CSV, Excel:
	default:
		return fmt.Errorf("format %q: choose xlsx, csv or excel (CSV for Excel)", e.Format)
	}
	if e.Rate < 1 {
		return fmt.Errorf("rate %d: give the requests a minute the export may use (1 or more; 60 leaves 40 of the usual 100 for other integrations)", e.Rate)
	}
	if n := e.Name; n == "" || strings.ContainsAny(n, `/\`) || n == "." || n == ".." {
		return fmt.Errorf("file name %q: give a plain name such as clients-{date}.xlsx (no folder: the exports folder is the schedule's)", n)
	}
	words := append(append([]string{e.Name}, e.Filters...), e.Columns...)
	for _, w := range words {
		if !utf8.ValidString(w) {
			return fmt.Errorf("%q is not UTF-8 text, which a unit file or a crontab must be: type it again", w)
		}
		if strings.IndexFunc(w, unicode.IsControl) >= 0 {
			return fmt.Errorf("%q holds a line break or another control character, which no scheduler line can carry: remove it", w)
		}
	}
	for _, f := range e.Filters {
		if name, _, ok := strings.Cut(f, "="); !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("filter %q: write NAME=VALUE, e.g. status=Stały klient", f)
		}
	}
	return nil
}

// FileName is Name with the extension of Format.
func (e Export) FileName() string {
	ext := ".xlsx"
	if e.Format != XLSX {
		ext = ".csv"
	}
	name := e.Name
	if old := path.Ext(name); old == ".xlsx" || old == ".csv" {
		name = strings.TrimSuffix(name, old)
	}
	return name + ext
}

// Args are the arguments of `crmbulk export` for the choices, writing into
// the folder dir ("exports"; "/exports" in a container): "export" and its
// flags. Global flags (--rate, --token-file) are the scheduler's.
func (e Export) Args(dir string) []string {
	args := []string{"export", "--out", dir + "/" + e.FileName()}
	for _, f := range e.Filters {
		args = append(args, "--filter", f)
	}
	if len(e.Columns) > 0 {
		args = append(args, "--columns", strings.Join(e.Columns, ","))
	}
	switch {
	case e.Notes && e.ExtraFields:
		args = append(args, "--with-details")
	case e.Notes:
		args = append(args, "--notes")
	case e.ExtraFields:
		args = append(args, "--extra-fields")
	}
	if e.Format == Excel {
		// One word: systemd reads a lone ; as the end of a command.
		args = append(args, "--excel", "--delimiter=;")
	}
	return args
}

// Files are the scheduler files written for one export.
type Files struct {
	Crontab  string // a crontab: its variables and one line
	CronLine string // that line alone (crontab -e, /etc/cron.d)
	Service  string // crmbulk-export.service
	Timer    string // crmbulk-export.timer
	Windows  string // PowerShell that registers a Task Scheduler task
}

// When is the time of day the schedule runs.
type When struct{ Hour, Minute int }

// Program is where the program is installed on each system.
type Program struct {
	POSIX   string // /usr/local/bin/crmbulk
	Windows string // C:\Program Files\crmbulk\crmbulk.exe
}

// DefaultProgram is where the samples' install steps put crmbulk.
var DefaultProgram = Program{POSIX: "/usr/local/bin/crmbulk", Windows: `C:\Program Files\crmbulk\crmbulk.exe`}

//go:embed *.tmpl
var templateFiles embed.FS

// templates are the files' templates, named by their file names.
var templates = template.Must(template.ParseFS(templateFiles, "*.tmpl"))

// Write writes the scheduler files for e, run at w by the program at p.
func Write(e Export, w When, p Program) (Files, error) {
	if err := e.Check(); err != nil {
		return Files{}, err
	}
	if w.Hour < 0 || w.Hour > 23 || w.Minute < 0 || w.Minute > 59 {
		return Files{}, fmt.Errorf("time %02d:%02d: give a time of day, 00:00 to 23:59", w.Hour, w.Minute)
	}
	if p.POSIX == "" || p.Windows == "" {
		p = DefaultProgram
	}
	v := values(e, w, p)
	var f Files
	for name, out := range map[string]*string{"crontab": &f.Crontab, "cronline": &f.CronLine, "service": &f.Service, "timer": &f.Timer, "windows": &f.Windows} {
		var b bytes.Buffer
		if err := templates.ExecuteTemplate(&b, name+".tmpl", v); err != nil {
			return Files{}, fmt.Errorf("the %s template: %w", name, err)
		}
		*out = b.String()
	}
	return f, nil
}

// values are what the templates fill in, each quoted for its file.
func values(e Export, w When, p Program) map[string]string {
	sh := shellquote.POSIX
	which := "every Base CRM client"
	if len(e.Filters) > 0 {
		which = "the Base CRM clients of --filter " + strings.Join(e.Filters, ", ")
	}
	rateNote := fmt.Sprintf("leaves %d requests a minute for the shop's other integrations that share the token;", 100-e.Rate)
	if e.Rate >= 100 {
		rateNote = "uses the whole usual limit of 100: lower it when other integrations share the token;"
	}
	return map[string]string{
		"Clock":    fmt.Sprintf("%02d:%02d", w.Hour, w.Minute),
		"Cron":     fmt.Sprintf("%d %d", w.Minute, w.Hour),
		"Which":    which,
		"Shown":    strings.NewReplacer("{date}", "YYYY-MM-DD", "{time}", "HHMMSS", "{datetime}", "YYYY-MM-DD-HHMMSS").Replace(e.FileName()),
		"Kind":     strings.ToUpper(path.Ext(e.FileName())[1:]),
		"Rate":     strconv.Itoa(e.Rate),
		"RateNote": rateNote,
		// crontab: sh words, with cron's % escaped (cron makes a bare % a line break).
		"CronProgram": cronEscape(sh.Program(p.POSIX)),
		"CronExport":  cronEscape(sh.Join("", e.Args("exports")...)[1:]),
		"CronDocker":  cronEscape(sh.Join("", e.Args("/exports")...)[1:]),
		// systemd: its own quoting (systemdWord).
		"UnitProgram": systemdWord(p.POSIX),
		"UnitExport":  joinEach(e.Args("exports"), systemdWord),
		"UnitDocker":  joinEach(e.Args("/exports"), systemdWord),
		// Task Scheduler: PowerShell words.
		"PSProgram": psProgram(p.Windows),
		"PSExport":  psArgs(e.Args("exports")),
	}
}

// psProgram is the program as a PowerShell command: always through the
// call operator, which a quoted path needs and a bare one allows.
func psProgram(p string) string {
	q := shellquote.PowerShell.Quote(p)
	if !strings.HasPrefix(q, "'") {
		q = "'" + q + "'"
	}
	return "& " + q
}

// psArgs writes the export's arguments for the task's script, which
// powershell.exe (Windows PowerShell 5.1) runs: each one PowerShell word
// (shellquote), written so that 5.1's legacy passing to a native program
// hands crmbulk the argument unchanged — it wraps an argument with a space
// in double quotes without escaping the double quotes inside, so those are
// written \" (the backslashes before them doubled), and the backslashes
// that end an argument it wraps are doubled, as the C runtime reads them.
func psArgs(args []string) string {
	return joinEach(args, func(a string) string { return shellquote.PowerShell.Quote(legacyNative(a)) })
}

// legacyNative is a as Windows PowerShell 5.1 must be given it for a
// native program to receive a (see psArgs).
func legacyNative(a string) string {
	if !strings.Contains(a, `"`) && !(strings.ContainsAny(a, " \t") && strings.HasSuffix(a, `\`)) {
		return a
	}
	var b strings.Builder
	slashes := 0
	for _, r := range a {
		switch r {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes) + `\"`)
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
			b.WriteRune(r)
		}
		slashes = 0
	}
	if slashes > 0 && strings.ContainsAny(a, " \t") {
		slashes *= 2 // before the closing quote 5.1 adds
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	return b.String()
}

// cronEscape writes s for a crontab's command field: cron turns a % into a
// line break (and what follows into standard input) unless it is written \%.
func cronEscape(s string) string { return strings.ReplaceAll(s, "%", `\%`) }

// joinEach joins word(w) of each of words with spaces.
func joinEach(words []string, word func(string) string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = word(w)
	}
	return strings.Join(q, " ")
}

// systemdWord writes one argument of a unit's Exec line, which systemd
// splits itself (no shell): % starts a specifier and $ a variable, so they
// are doubled; a word with other than safe characters goes in double
// quotes, where \ and " are escaped; a lone ; would end the command.
func systemdWord(w string) string {
	if w == ";" {
		return `\;`
	}
	s := strings.NewReplacer("%", "%%", "$", "$$").Replace(w)
	safe := w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@{}%$", r))
	}) < 0
	if safe {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
