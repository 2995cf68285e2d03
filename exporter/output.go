package exporter

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/sheet"
)

// ErrOutput is the kind of every error about the output name or file.
var ErrOutput = errors.New("bad output")

// Placeholders an output name may carry, with the layout each expands to.
var placeholders = []struct{ name, layout string }{
	{"{date}", "2006-01-02"},
	{"{time}", "150405"},
	{"{datetime}", "2006-01-02_150405"},
	{"{unix}", ""},
}

// placeholderRE finds the placeholders of an output name, known or not.
var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// ExpandName fills the placeholders of an output name from now:
// {date} 2006-01-02, {time} 150405, {datetime} 2006-01-02_150405 and
// {unix} (seconds). templated reports whether any was present; an unknown
// placeholder is an error.
func ExpandName(pattern string, now time.Time) (name string, templated bool, err error) {
	var bad []string
	name = placeholderRE.ReplaceAllStringFunc(pattern, func(m string) string {
		for _, p := range placeholders {
			if p.name != m {
				continue
			}
			templated = true
			if p.layout == "" {
				return strconv.FormatInt(now.Unix(), 10)
			}
			return now.Format(p.layout)
		}
		bad = append(bad, m)
		return m
	})
	if len(bad) > 0 {
		return "", false, fmt.Errorf("%w: --out %q: unknown placeholder %s; use {date}, {time}, {datetime} or {unix}",
			ErrOutput, pattern, strings.Join(bad, ", "))
	}
	return name, templated, nil
}

// outputFormat is one format an export writes. The formats table below is
// the one place that lists them: --format, the names an --out may end in,
// standard output, the messages and the help all come from it.
type outputFormat struct {
	name   string   // --format NAME
	exts   []string // the --out names that choose it, lower case; the first is the one suggested
	stdout bool     // it can go to standard output (--out -); the first such format is the default there
	what   string   // the help's words for it
	open   func(w io.Writer, header []string, opt OutputOptions) (sheet.Writer, error)
}

var formats = []outputFormat{
	{name: "csv", exts: []string{".csv", ".tsv", ".txt"}, stdout: true, what: "UTF-8 text, one row a client",
		open: func(w io.Writer, _ []string, opt OutputOptions) (sheet.Writer, error) {
			return sheet.NewCSVWriter(w, opt.CSV), nil
		}},
	{name: "xlsx", exts: []string{".xlsx", ".xlsm"}, what: "an Excel workbook",
		open: func(w io.Writer, header []string, _ OutputOptions) (sheet.Writer, error) {
			return sheet.NewXLSXWriter(w, XLSXOptions(header))
		}},
	{name: "jsonl", exts: []string{".jsonl", ".ndjson"}, stdout: true,
		what: "JSON Lines: one object a client, the columns as keys, integers as numbers",
		open: func(w io.Writer, header []string, _ OutputOptions) (sheet.Writer, error) {
			// The integer fields are numbers, as in the workbook.
			return sheet.NewJSONLWriter(w, XLSXOptions(header).NumericColumns), nil
		}},
}

// formatWhere returns the first format of the table that ok accepts.
func formatWhere(ok func(outputFormat) bool) (outputFormat, bool) {
	i := slices.IndexFunc(formats, ok)
	if i < 0 {
		return outputFormat{}, false
	}
	return formats[i], true
}

// formatNamed returns the format called name.
func formatNamed(name string) (outputFormat, bool) {
	return formatWhere(func(f outputFormat) bool { return f.name == name })
}

// FormatNames lists the formats an export writes, in the table's order.
func FormatNames() []string { return eachFormat(func(f outputFormat) string { return f.name }) }

// FormatExts lists the name ending each format is suggested with (".csv", …).
func FormatExts() []string { return eachFormat(func(f outputFormat) string { return f.exts[0] }) }

// eachFormat lists word(f) of each format of the table, in its order.
func eachFormat(word func(outputFormat) string) []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = word(f)
	}
	return out
}

// FormatHelp describes each format an export writes, one per line
// ("  .csv    UTF-8 text, …"), for the command's help.
func FormatHelp() string {
	var b strings.Builder
	for _, f := range formats {
		fmt.Fprintf(&b, "  %-7s %s", f.exts[0], f.what)
		if f.stdout {
			b.WriteString(" (--out - too)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// OutHint says what --out takes: "--out FILE.csv, --out FILE.xlsx, … or
// --out - (CSV to standard output)".
func OutHint() string {
	outs := eachFormat(func(f outputFormat) string { return "--out FILE" + f.exts[0] })
	std, _ := FormatOf("-", "")
	return suggest.OrList(append(outs, "--out - ("+strings.ToUpper(std)+" to standard output)"))
}

// FormatOf decides the format (a FormatNames name) from an explicit format
// and the name. "-" (standard output) is the first format that can go
// there (CSV) unless format names another such.
func FormatOf(path, format string) (string, error) {
	format = strings.ToLower(strings.TrimSpace(format))
	named, known := formatNamed(format)
	ext := strings.ToLower(filepath.Ext(path))
	byExt, extKnown := formatWhere(func(f outputFormat) bool { return slices.Contains(f.exts, ext) })
	switch {
	case format != "" && !known:
		return "", fmt.Errorf("%w: --format %q: use %s", ErrOutput, format, suggest.OrList(FormatNames()))
	case path == "-" && format != "" && !named.stdout:
		return "", fmt.Errorf("%w: --out - cannot write %s to standard output; give a file name such as clients%s", ErrOutput, format, named.exts[0])
	case path == "-" && format != "":
		return format, nil
	case path == "-":
		f, _ := formatWhere(func(f outputFormat) bool { return f.stdout })
		return f.name, nil
	case format != "" && extKnown && format != byExt.name:
		return "", fmt.Errorf("%w: --out %s has a %s name but --format is %s; make them agree", ErrOutput, path, filepath.Ext(path), format)
	case format != "":
		return format, nil
	case extKnown:
		return byExt.name, nil
	}
	return "", fmt.Errorf("%w: --out %s: cannot tell the format from the name; end it in %s, or add --format %s",
		ErrOutput, path, suggest.OrList(FormatExts()), strings.Join(FormatNames(), "|"))
}

// OutputOptions describe where an export goes.
type OutputOptions struct {
	// Path is the output name, placeholders allowed; "-" = Stdout (CSV
	// unless Format names another format that can go there).
	Path string
	// Format is one of FormatNames or "" (from the name).
	Format string
	// Force replaces an existing file. A templated name replaces it anyway
	// (a second run in the same {date} updates that day's file).
	Force bool
	// CSV shapes CSV output; its GuardFormulas is ignored: see NoFormulaGuard.
	CSV sheet.CSVWriterOptions
	// NoFormulaGuard turns off the CSV formula-injection guard, which is on
	// by default (sheet.GuardFormula: a ' before a cell starting with = + - @
	// tab or CR; crmbulk's importer removes it again).
	NoFormulaGuard bool
	// Stdout receives the output when Path is "-": all of it at Commit, none
	// when the export fails (it is spooled until then).
	Stdout io.Writer
	// SpoolDir is where the output for Stdout is spooled; "" = os.TempDir().
	SpoolDir string
	// Now fills the placeholders; zero = time.Now().
	Now time.Time
}

// Output is an export's destination, opened before the first request: the
// name is expanded, the place is locked, an existing file is refused without
// Force and the temporary file exists — so a run that could not save fails
// before it spends any of the request limit.
type Output struct {
	Path   string // the expanded name, or "-"
	Format string
	// CreatedDir is the folder of Path that did not exist and was made
	// ("" when it existed): the caller says so.
	CreatedDir string

	opt    OutputOptions
	af     *sheet.AtomicFile
	spool  *os.File // the CSV for standard output, until Commit
	named  bool     // the spool file still has its name (Windows), removed at the end
	unlock func() error
}

// OpenOutput prepares the destination described by opt.
func OpenOutput(opt OutputOptions) (*Output, error) {
	if opt.Path == "" {
		return nil, fmt.Errorf("%w: no output given; add %s", ErrOutput, OutHint())
	}
	path, templated, err := ExpandName(opt.Path, cmp.Or(opt.Now, time.Now())) // "-" has no placeholder
	if err != nil {
		return nil, err
	}
	format, err := FormatOf(path, opt.Format)
	if err != nil {
		return nil, err
	}
	opt.CSV.GuardFormulas = !opt.NoFormulaGuard
	o := &Output{Path: path, Format: format, opt: opt}
	if path == "-" {
		if opt.Stdout == nil {
			return nil, fmt.Errorf("%w: no standard output to write to", ErrOutput)
		}
		// A failed export writes nothing to standard output (not even the
		// header): the output is spooled in a private file until Commit.
		if o.spool, err = os.CreateTemp(opt.SpoolDir, ".crmbulk-stdout-*."+format); err != nil {
			return nil, fmt.Errorf("%w: creating the file that holds the %s for standard output until the export succeeds: %w", ErrOutput, strings.ToUpper(format), err)
		}
		// Where an open file can lose its name, it does at once: even a
		// killed run leaves no copy of the clients behind.
		o.named = runtime.GOOS == "windows" || os.Remove(o.spool.Name()) != nil
		return o, nil
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("%w: --out %s is a directory; give a file name such as %s", ErrOutput, path, filepath.Join(path, "clients.xlsx"))
		}
		if !opt.Force && !templated {
			return nil, fmt.Errorf("%w: %s already exists; add --force to replace it (it is replaced only when the export succeeds), or use a name with {date}", ErrOutput, path)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: checking %s: %w", ErrOutput, path, err)
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		// A schedule's first night: exports/ does not exist yet.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("%w: creating the folder %s for --out: %w", ErrOutput, dir, err)
		}
		o.CreatedDir = dir
	}
	if o.unlock, err = sheet.Lock(lockPath(opt.Path, path)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	if templated { // yesterday's killed run left its temporary file under yesterday's name
		sheet.SweepTemps(filepath.Dir(path), placeholderRE.ReplaceAllLiteralString(filepath.Base(opt.Path), "*"))
	}
	if o.af, err = sheet.CreateAtomic(path); err != nil {
		_ = o.unlock()
		return nil, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return o, nil
}

// lockPath is what two exports into the same place lock: a hidden file named
// after the --out pattern (placeholders unexpanded) in the target directory.
// A nightly 'clients-{datetime}.xlsx' so reuses one lock file, and two runs of
// it overlap no more than two runs of a fixed name do.
func lockPath(pattern, expanded string) string {
	// Each placeholder's braces are dropped ({date} → date): a file name with
	// braces in it is awkward to type in every shell.
	// (pattern's placeholders are known ones: ExpandName checked them).
	return filepath.Join(filepath.Dir(expanded), "."+placeholderRE.ReplaceAllStringFunc(filepath.Base(pattern), func(name string) string {
		return strings.Trim(name, "{}")
	}))
}

// DetailsPath is where an export into this output keeps the client details
// it read (Config.Keep), for --resume: a hidden file beside the target, named
// after the --out pattern like the lock. Standard output keeps none ("").
func (o *Output) DetailsPath() string {
	if o.Path == "-" {
		return ""
	}
	return lockPath(o.opt.Path, o.Path) + ".details.jsonl"
}

// Opener returns the Opener for Exporter.Run.
func (o *Output) Opener() Opener {
	return func(header []string) (sheet.Writer, error) {
		f, _ := formatNamed(o.Format) // OpenOutput checked it
		if o.Path == "-" {
			return f.open(o.spool, header, o.opt)
		}
		return f.open(o.af, header, o.opt)
	}
}

// Commit renames the finished file over the target and releases the lock.
func (o *Output) Commit() error { return o.finish(true) }

// Abort throws the temporary file away (the previous target, if any, is
// untouched) and releases the lock. It is safe after Commit.
func (o *Output) Abort() error { return o.finish(false) }

// finish commits or aborts the file, then releases the lock. The spool of
// standard output is copied to Stdout when commit is true, then removed.
func (o *Output) finish(commit bool) error {
	if f := o.spool; f != nil {
		o.spool = nil
		var err error
		if commit {
			if _, err = f.Seek(0, io.SeekStart); err == nil {
				_, err = io.Copy(o.opt.Stdout, f)
			}
			if err != nil {
				err = fmt.Errorf("writing the %s to standard output: %w", strings.ToUpper(o.Format), err)
			}
		}
		err = errors.Join(err, f.Close())
		if o.named {
			err = errors.Join(err, os.Remove(f.Name()))
		}
		return err
	}
	if o.af == nil {
		return nil
	}
	end := o.af.Abort
	if commit {
		end = o.af.Commit
	}
	err := end()
	if o.unlock != nil {
		if uerr := o.unlock(); err == nil && uerr != nil {
			err = fmt.Errorf("releasing the lock of %s: %w", o.Path, uerr)
		}
		o.unlock = nil
	}
	return err
}
