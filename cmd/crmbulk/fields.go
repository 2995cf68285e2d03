package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
)

// fieldRow is one line of `crmbulk fields`: the field table as users read it.
type fieldRow struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	MaxLen int    `json:"max_length,omitempty"`
	Range  string `json:"range,omitempty"`
	Export bool   `json:"in_export"`
	Import bool   `json:"importable"`
	Filter string `json:"filter,omitempty"`
	Notes  string `json:"notes"`
}

func fieldRows() []fieldRow {
	var rows []fieldRow
	for _, f := range baselinker.Fields() {
		r := fieldRow{Name: f.Name, Type: f.Kind.String(), MaxLen: f.MaxLen, Export: f.Listed, Import: f.Writable, Notes: f.Doc}
		if f.Kind == baselinker.KindText && f.MaxLen > 0 {
			r.Type = "varchar(" + strconv.Itoa(f.MaxLen) + ")"
		}
		if f.HasRange {
			r.Range = fmt.Sprintf("%d–%d", f.Min, f.Max)
		}
		if f.Filter != "" {
			match := map[bool]string{false: "partial", true: "exact"}[f.FilterExact]
			r.Filter = "--filter " + f.Name + "=… (" + match + ")"
		}
		var extra []string
		if f.Country {
			extra = append(extra, "checked against officially assigned ISO 3166-1 alpha-2 codes (UK → use GB)")
		}
		if f.MaxLen > 0 {
			extra = append(extra, "length counted in characters after Unicode NFC")
		}
		if f.Name == "email" {
			extra = append(extra, "syntax checked as a warning only")
		}
		if len(extra) > 0 {
			r.Notes += " [" + strings.Join(extra, "; ") + "]"
		}
		rows = append(rows, r)
	}
	return rows
}

func (a *app) fieldsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "fields",
		Short: "List every CRM field with its type, length limit and notes",
		Long: `Lists every CRM field of the API with its type, length limit and notes: the same
table the validation, the exporter's columns and the mapping file's field names use.`,
		Example: "  crmbulk fields\n  crmbulk fields --format markdown > FIELDS.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeFields(a.ios.Out, format, fieldRows())
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}

func writeFields(w io.Writer, format string, rows []fieldRow) error {
	yes := map[bool]string{true: "yes", false: "-"}
	limit := func(r fieldRow) string {
		switch {
		case r.MaxLen > 0:
			return strconv.Itoa(r.MaxLen) + " chars"
		case r.Range != "":
			return r.Range
		}
		return "-"
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "markdown":
		fmt.Fprintln(w, "| field | type | limit | export | import | filter | notes |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, r := range rows {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s |\n", r.Name, r.Type, limit(r), yes[r.Export], yes[r.Import],
				strings.ReplaceAll(r.Filter, "|", `\|`), strings.ReplaceAll(r.Notes, "|", `\|`))
		}
		return nil
	case "text":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FIELD\tTYPE\tLIMIT\tEXPORT\tIMPORT\tNOTES")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Type, limit(r), yes[r.Export], yes[r.Import], r.Notes)
		}
		return tw.Flush()
	}
	return usagef("--format %q: use text, json or markdown", format)
}
