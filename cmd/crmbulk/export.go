package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	"github.com/crmbulk/crmbulk/sheet"
)

// exportOptions are one export's: its flags and the account it reads.
type exportOptions struct {
	out            string
	format         string
	filters        []string
	columns        string
	details        bool
	notes          bool
	extraFields    bool
	resume         bool
	statusNames    bool
	force          bool
	bom            bool
	excel          bool
	delimiter      string
	crlf           bool
	noFormulaGuard bool
	account
}

// exportCmd is `crmbulk export`; runF as for runOptions.
func (a *app) exportCmd(runF func(*cobra.Command, *exportOptions) error) *cobra.Command {
	f := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --out FILE",
		Short: "Write every CRM client to an XLSX, CSV or JSON Lines file",
		Long: `Reads every CRM client (getCrmClients, 100 per page, never faster than --rate) and
writes one row per client. The headers are the API's field names in the documented order,
so the file imports again with no mapping at all.

The format comes from the name or --format:
` + exporter.FormatHelp() + `--out - writes to standard output: CSV unless --format names another.

XLSX cells are text, so postcodes (00-950), phones (0048…), 007, 1e5, TRUE and 2024-01-02
come back exactly; ids, status_id and star are numbers (in JSON Lines too, every other value
a string). CSV is UTF-8 (RFC 4180); --delimiter ; for a Polish or German Excel. A line
break inside a CSV cell written as CR LF is read back as LF.

CSV for Excel: Excel (and LibreOffice) opening a CSV turns 0048600700800 and 01067 into
numbers, 2024-01-02 into a date, and shows the formula guard's ' before +48…. --excel writes
the file for them: a BOM, and every such value as ="0048600700800", a formula they show as
exactly that text (crmbulk's import reads it back); values over 255 characters or with a line
break cannot be written so and stay as they are. XLSX keeps every value with no trick: prefer
it when a person opens the file.

Formula guard (CSV, on by default): a cell that starts with = + - @ tab or CR gets a ' in
front so that a spreadsheet program shows it instead of running it as a formula; crmbulk's
importer removes that ' again, so export → import is lossless. Turn it off with
--no-formula-guard when another program reads the file. XLSX needs no guard: its cells are
text, never formulas.

--extra-fields adds a column per custom extra field, headed "extra_<ID> <name>" (the
import reads either that or plain extra_<ID>). The list is asked for them first, 100
clients a request; when it does not carry them each client is read with getCrmClientData
— one request per client — and the log says so. --notes adds the notes: one request per
client. --with-details is both. The time the limit needs is said before the per-client
reads start.

status_name, after status_id, names each client's status (getCrmClientStatuses, one request
per export, said in the log); a status_id the account no longer lists gets an empty name,
and the log and the summary count those clients. --status-names=false leaves the column
(and the request) out. The import ignores status_name: status_id is what it sends.

A long export that stops (Ctrl-C, a block past --max-wait, a network failure) keeps the
details it read in a hidden file beside --out; the same command with --resume walks the
list again and reads only the clients it does not hold or whose list entry changed since.
A client's notes are those read by the first run unless a listed field changed too. An
export without notes or extra fields reads only the list and keeps nothing: --resume is
refused there (exit 2); run it again as it was.

Safe for schedules: the file is written beside the target and renamed over it only when
the export succeeded; an existing file is replaced only with --force or when the name
carries a placeholder ({date} 2006-01-02, {time} 150405, {datetime}, {unix}); a lock
stops two exports into the same place from overlapping.`,
		Example: `  crmbulk export --out clients.xlsx
  crmbulk export --out 'backup/clients-{date}.csv' --excel --delimiter ';'
  crmbulk export --out - --filter status_id=3 --columns crm_client_id,email,phone
  crmbulk export --out stali.xlsx --filter status="Stały klient"
  crmbulk export --out ids-only.csv --status-names=false
  crmbulk export --out full.xlsx --with-details --rate 60
  crmbulk export --out full.xlsx --with-details --rate 60 --resume
  crmbulk export --out clients.jsonl
  crmbulk export --out - --format jsonl --columns crm_client_id,email`,
		Args: cobra.NoArgs,
		RunE: runOptions(f, func([]string) { f.account = a.userAccount() }, runF, func(cmd *cobra.Command, o *exportOptions) error {
			_, err := a.runExport(cmd, o)
			return err
		}),
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", "", "output file ("+strings.Join(exporter.FormatExts(), ", ")+"; placeholders {date} {time} {datetime} {unix}); - = standard output (CSV unless --format says)")
	fl.StringVar(&f.format, "format", "", strings.Join(exporter.FormatNames(), ", ")+" (default: from the --out name)")
	fl.StringArrayVar(&f.filters, "filter", nil, "NAME=VALUE, repeatable; names: "+strings.Join(baselinker.FilterNames(), ", ")+", and status=NAME (a status by its name: crmbulk account lists them)")
	fl.StringVar(&f.columns, "columns", "", "comma-separated columns in order (API field names, notes, status_name, extra_<ID>, extra_*)")
	fl.BoolVar(&f.details, "with-details", false, "--notes and --extra-fields together")
	fl.BoolVar(&f.notes, "notes", false, "add the notes column (one request per client)")
	fl.BoolVar(&f.extraFields, "extra-fields", false, "add a column per custom extra field (from the list when it carries them, else one request per client)")
	fl.BoolVar(&f.resume, "resume", false, "continue an export with notes or extra fields that stopped: reuse the details it kept beside --out")
	fl.BoolVar(&f.statusNames, "status-names", true, "add a status_name column after status_id (one request); --status-names=false leaves it out")
	fl.BoolVar(&f.force, "force", false, "replace an existing --out file (only once the export succeeded)")
	fl.BoolVar(&f.bom, "bom", false, "CSV: start with a UTF-8 byte order mark (for Excel: see --excel)")
	fl.BoolVar(&f.excel, "excel", false, `CSV for Excel: a BOM, and values Excel would change (0048…, 01067, +48…, dates) written as ="…" so it shows them as text; XLSX needs none of it`)
	fl.StringVar(&f.delimiter, "delimiter", ",", "CSV delimiter: , ; tab or |")
	fl.BoolVar(&f.crlf, "crlf", false, "CSV: end lines with CR LF")
	fl.BoolVar(&f.noFormulaGuard, "no-formula-guard", false, "CSV: do not put ' before cells starting with = + - @ (see above)")
	return cmd
}

// runExport runs one export and returns the path it wrote ("-" for stdout).
func (a *app) runExport(cmd *cobra.Command, f *exportOptions) (string, error) {
	req, err := f.request()
	if err != nil {
		return "", err
	}
	cfg := exporter.Config{Columns: req.columns,
		Notes: f.details || f.notes, ExtraFields: f.details || f.extraFields,
		StatusNames: f.statusNames, MaxClients: a.maxClients, Resume: f.resume}
	if err := cfg.Check(); err != nil { // before any request (--filter status=NAME sends one)
		if errors.Is(err, exporter.ErrResume) { // it ends "run it without --resume"
			return "", usagef("%w:%s", err, a.withoutResume(cmd))
		}
		return "", usageError{err}
	}
	api, err := f.API()
	if err != nil {
		return "", err
	}
	if req.statusName != "" { // the statuses are read once, for the filter and status_name
		if cfg.StatusList, req.filters.StatusID, err = a.statusID(cmd, api, req.statusName); err != nil {
			return "", err
		}
	}
	out, err := a.openExportOutput(f, req)
	if err != nil {
		return "", err
	}
	defer func() { _ = out.Abort() }()
	cfg.Filters, cfg.Keep, cfg.Capabilities = req.filters, out.DetailsPath(), exporter.CapabilitiesOf(api)
	cfg.Events, cfg.Logger = a.printer(), a.logger
	if dir, err := sharedwindow.Dir(f.StateDir, a.getenv); err == nil && out.DetailsPath() == "" {
		// To standard output nothing is kept beside a file: the details
		// read are spooled in crmbulk's own folder, not a shared /tmp.
		cfg.SpoolDir = dir
	}
	exp, err := exporter.New(api, cfg)
	if err != nil {
		return "", usageError{err}
	}

	sum, err := exp.Run(cmd.Context(), out.Opener())
	if err != nil {
		return "", a.exportFailed(cmd, out, sum, err)
	}
	if err := out.Commit(); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if a.logFormat == "json" {
		a.logger.Info("export finished", append([]any{"out", out.Path, "format", out.Format}, sum.LogAttrs()...)...)
	} else {
		fmt.Fprintf(a.ios.ErrOut, "crmbulk: %s → %s\n", sum, out.Path)
	}
	return out.Path, nil
}

// exportRequest is what an export's flags ask for, checked before any
// request: usage mistakes exit 2 with nothing sent.
type exportRequest struct {
	filters    baselinker.Filters
	statusName string // --filter status=NAME: found among the account's statuses
	delim      rune
	columns    []string
	format     string
}

// request checks the flags and reads them into an exportRequest.
func (f *exportOptions) request() (req exportRequest, err error) {
	if f.out == "" {
		return req, usagef("export needs %s", exporter.OutHint())
	}
	if f.resume && f.out == "-" {
		return req, usagef("--resume continues an export into a file; --out - keeps nothing to resume from")
	}
	for _, kv := range f.filters {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return req, usagef("--filter %q: write NAME=VALUE, e.g. --filter email=@example.com; names: %s", kv, strings.Join(baselinker.FilterNames(), ", "))
		}
		if baselinker.StatusByName(strings.TrimSpace(name), value) {
			req.statusName = strings.TrimSpace(value)
			continue
		}
		if err := req.filters.Set(strings.TrimSpace(name), value); err != nil {
			return req, usagef("--filter %s: %v", kv, err)
		}
	}
	if req.delim, err = parseDelimiter(f.delimiter); err != nil {
		return req, err
	}
	if strings.TrimSpace(f.columns) != "" {
		req.columns = strings.Split(f.columns, ",")
	}
	if req.format, err = exporter.FormatOf(f.out, f.format); err != nil {
		return req, usageError{err}
	}
	if f.excel && req.format == "xlsx" {
		return req, usagef("--excel shapes a CSV file; an XLSX keeps 0048…, 01067 and +48… as text by itself: drop --excel")
	}
	if f.excel && req.format != "csv" {
		return req, usagef("--excel shapes a CSV file; --format %s writes no spreadsheet: drop --excel", req.format)
	}
	return req, nil
}

// openExportOutput opens the export's destination (exporter.OpenOutput)
// and says what the user should know of it: a CSV chosen for Excel
// without --excel, a folder created.
func (a *app) openExportOutput(f *exportOptions, req exportRequest) (*exporter.Output, error) {
	out, err := exporter.OpenOutput(exporter.OutputOptions{
		Path: f.out, Format: f.format, Force: f.force, Stdout: a.ios.Out, Now: time.Now(),
		CSV:            sheet.CSVWriterOptions{Delimiter: req.delim, BOM: f.bom || f.excel, CRLF: f.crlf, ExcelText: f.excel},
		NoFormulaGuard: f.noFormulaGuard,
	})
	if err != nil {
		if errors.Is(err, sheet.ErrLocked) {
			return nil, err
		}
		return nil, usageError{err}
	}
	if req.format == "csv" && (f.bom || req.delim == ';') && !f.excel {
		a.logger.Info("a CSV opened in Excel turns 0048… and 01067 into numbers and shows the ' before +48…: add --excel to write them as text it keeps, or export .xlsx, which keeps every value")
	}
	if out.CreatedDir != "" {
		a.logger.Info("created the folder "+out.CreatedDir+" for --out", "folder", out.CreatedDir)
	}
	return out, nil
}

// exportFailed is the error of an export that did not finish: what stopped
// it, that the old file is unchanged, and how to continue or start over.
func (a *app) exportFailed(cmd *cobra.Command, out *exporter.Output, sum exporter.Summary, err error) error {
	if errors.Is(err, exporter.ErrResume) {
		return usagef("%w; to start over:%s", err, a.withoutResume(cmd))
	}
	if cmd.Context().Err() != nil {
		// The signal's words, not the cut request's ("context canceled").
		a.logger.Debug("export stopped", "error", err)
		err = errInterrupted
	}
	if out.Path != "-" {
		err = fmt.Errorf("%w (nothing was saved; %s is unchanged)", err, out.Path)
	}
	if sum.Kept != "" {
		err = fmt.Errorf("%w; the details read so far are kept in %s; to continue from them, run:%s", err, sum.Kept, a.rerun(cmd, "export").With(shellquote.Set("resume", "")))
	}
	return fmt.Errorf("export: %w", err)
}

// withoutResume is the export's command as the user gave it, without
// --resume: what to run when there is nothing to resume from.
func (a *app) withoutResume(cmd *cobra.Command) string {
	return a.rerun(cmd, "export").With(shellquote.Drop("resume"))
}
