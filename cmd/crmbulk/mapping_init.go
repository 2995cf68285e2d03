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
every column matched to the most likely CRM field — by the API's own names, by the names systems
and people give columns in English, Polish, German, Czech, Slovak, French, Spanish, Italian,
Dutch, Hungarian, Romanian, Ukrainian and Russian (E-mail, Telefon, Kod pocztowy, NIP, PLZ, PSČ,
Obec, DIČ, Ort, USt-IdNr., Zip…), in any shape (MailingStreet, billing_postcode, "Person - Email",
"Email (Work)", "Phone [Mobile]", "E-mail 2"), billing/Rechnung/faktura and business (Work,
geschäftlich, firmowy) columns to invoice_*, shipping/Liefer/dostawa columns to delivery_*,
a private (Home, privat, prywatny) address to delivery_* beside an invoice one and to invoice_*
when it is the only one, and by a fuzzy score when nothing else fits. The values decide what a
name cannot: a field is never proposed for a column whose values contradict it (dates, amounts,
yes/no flags, register numbers), a column whose name says nothing gets the field its values are
(e-mails, postcodes, tax IDs with a right checksum, international phone numbers, country names),
a column of country codes beats one of names (read when the code is blank), numbered columns
(E-mail 1 - Value, E-Mail 2: Adresse) are read in order, the first not blank, and cells of
Google's "a ::: b" lists are split. The header is the row of the first 20 that reads most like
one: a title or a format line above it is skipped and header_row: says which row it is. A
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
			_, err = a.ios.Out.Write(out)
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
	in, err := guess.ReadFile(path, so)
	if err != nil {
		return nil, err
	}
	in.Source.Shell = f.shell
	res := guess.Header(in.Header, in.Rows)
	if len(res.Fields()) == 0 {
		return nil, fmt.Errorf("%s: no column of the header (%s) looks like a CRM field — write the mapping by hand: one \"field: Header\" line per field under columns: (see `crmbulk fields`)",
			filepath.Base(path), quoteHeaders(in.Header, 12))
	}
	return res.Proposal(in.Source).YAML(), nil
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
