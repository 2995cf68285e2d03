package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/internal/shellquote"
	"github.com/crmbulk/crmbulk/mapping/guess"
	"github.com/crmbulk/crmbulk/sheet"
)

func (a *app) mappingCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Work with mapping files (which column feeds which CRM field)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("mapping needs a subcommand: crmbulk mapping init FILE")
		},
	}
	cmd.AddCommand(a.mappingInitCmd())
	return cmd
}

// mappingInitFlags are the flags of `crmbulk mapping init`.
type mappingInitFlags struct {
	sheet, encoding, delimiter string
	shell                      shellquote.Shell // the user's, for the command in the proposal's comment
}

func (a *app) mappingInitCmd() *cobra.Command {
	var f mappingInitFlags
	cmd := &cobra.Command{
		Use:   "init FILE",
		Short: "Propose a mapping file for a CSV, XLSX or EDI++ file from its header and first rows",
		Long: `Reads the header row and the first 200 rows of FILE and writes a mapping file to stdout:
every column matched to the most likely CRM field — by the API's own names, by common names in
English, Polish and German (E-mail, Telefon, Kod pocztowy, NIP, PLZ, Ort, Nachname, USt-IdNr.,
Zip…), billing/Rechnung/faktura and business (geschäftlich, firmowy) columns to invoice_*,
shipping/Liefer/dostawa and private (privat, prywatny, Home) columns to delivery_*, and by a
fuzzy score when nothing else fits. The values decide what a name cannot: a field is never
proposed for a column whose values contradict it, a column of country codes beats one of
names (read when the code is blank), numbered columns (E-mail 1 - Value, E-Mail 2: Adresse)
are read in order, the first not blank, and cells of Google's "a ::: b" lists are split. A
comment on every line says how sure the guess is; unused columns are listed with the reason.
First and last name columns become a template for invoice_fullname. When an e-mail, tax ID
or login column is mapped, match_by is set to it. --sheet, --encoding (or the code page
detected in a CSV that is not UTF-8) and a delimiter other than a comma go into source:.

Read the proposal, fix what is wrong, then try it with crmbulk import FILE --mapping M --dry-run.`,
		Example: `  crmbulk mapping init customers_export.csv > shopify.yaml
  crmbulk mapping init klienci.csv --encoding windows-1250 > klienci.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.shell = a.shell
			out, err := mappingInit(args[0], f)
			if err != nil {
				return err
			}
			_, err = a.stdout().Write(out)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.sheet, "sheet", "", "XLSX sheet name (default: the first sheet with data)")
	fl.StringVar(&f.encoding, "encoding", "", "CSV encoding, e.g. windows-1250 (default: UTF-8, UTF-16 by BOM, or the code page detected)")
	fl.StringVar(&f.delimiter, "delimiter", "", "CSV delimiter: , ; tab or | (default: sniffed)")
	return cmd
}

// mappingInit reads the header of path and returns the proposed mapping file.
func mappingInit(path string, f mappingInitFlags) ([]byte, error) {
	so := sheet.Options{Sheet: f.sheet, Encoding: f.encoding}
	var err error
	if so.Delimiter, err = parseDelimiter(f.delimiter); err != nil {
		return nil, err
	}
	r, err := sheet.Open(path, so)
	if err != nil {
		return nil, err
	}
	header := r.Header()
	rows := sampleRows(r)
	if err := r.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	src := guess.Source{File: path, Sheet: f.sheet, Shell: f.shell}
	if e := strings.ToLower(strings.TrimSpace(f.encoding)); e != "" && e != "utf-8" && e != "utf8" {
		src.Encoding = f.encoding
	}
	// A code page the reader detected goes into the mapping, so the import
	// reads the file the way this proposal did, and a person sees it.
	if name, detected := sheet.EncodingOf(r); detected {
		src.Encoding, src.EncodingDetected = name, true
	}
	// The delimiter the reader split the header with, given or sniffed:
	// the mapping must say the same, or the import would split otherwise.
	src.Delimiter = sheet.DelimiterOf(r)
	if src.Delimiter == ',' {
		src.Delimiter = 0 // the default: not needed in source:
	}
	res := guess.Header(header, guess.WithRows(rows))
	if len(res.Fields()) == 0 {
		return nil, fmt.Errorf("%s: no column of the header (%s) looks like a CRM field — write the mapping by hand: one \"field: Header\" line per field under columns: (see `crmbulk fields`)",
			filepath.Base(path), quoteHeaders(header, 12))
	}
	return res.YAML(src), nil
}

// sampleRows reads the first rows the guess judges values by. A row the
// reader can go on after (ragged) is taken as it is; at any other error
// the rows so far are enough: the import will report it.
func sampleRows(r sheet.Reader) [][]string {
	var rows [][]string
	for len(rows) < guess.SampleRows {
		row, err := r.Read()
		if err != nil && !sheet.Recoverable(err) {
			break
		}
		rows = append(rows, row.Cells)
	}
	return rows
}

func quoteHeaders(h []string, max int) string {
	var parts []string
	for i, s := range h {
		if i == max {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%q", s))
	}
	return strings.Join(parts, ", ")
}
