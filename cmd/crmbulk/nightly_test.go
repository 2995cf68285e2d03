package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/internal/schedule"
)

// TestNightlyArgsAreTheExportFlags: the arguments internal/schedule writes
// into the nightly lines (and `crmbulk ui` offers) are flags of `crmbulk
// export` that give back the choices: the generator and the CLI share one
// option model, the export command's flags.
func TestNightlyArgsAreTheExportFlags(t *testing.T) {
	for _, e := range []schedule.Export{
		schedule.Default(),
		{Name: "vip {date}", Format: schedule.Excel, Rate: 30, Filters: []string{"status=Stały klient", "email=@example.com"},
			Columns: []string{"email", "status_name"}, Notes: true, ExtraFields: true},
		{Name: "x.xlsx", Format: schedule.CSV, Rate: 60, ExtraFields: true},
		{Name: "x", Format: schedule.XLSX, Rate: 60, Notes: true},
	} {
		args := e.Args("exports")
		cmd := (&app{}).exportCmd(nil)
		if args[0] != "export" || cmd.Name() != "export" {
			t.Fatalf("%q is not an export command", args)
		}
		if err := cmd.ParseFlags(args[1:]); err != nil {
			t.Fatalf("crmbulk export does not take %q: %v", args, err)
		}
		fl := cmd.Flags()
		out, _ := fl.GetString("out")
		filters, _ := fl.GetStringArray("filter")
		columns, _ := fl.GetString("columns")
		details, _ := fl.GetBool("with-details")
		notes, _ := fl.GetBool("notes")
		extras, _ := fl.GetBool("extra-fields")
		excel, _ := fl.GetBool("excel")
		delim, _ := fl.GetString("delimiter")
		detailsOK := !details && notes == e.Notes && extras == e.ExtraFields
		if e.Notes && e.ExtraFields {
			detailsOK = details && !notes && !extras
		}
		if out != "exports/"+e.FileName() || !slices.Equal(filters, e.Filters) || columns != strings.Join(e.Columns, ",") || !detailsOK {
			t.Errorf("%q: out %q, filters %q, columns %q, details %v notes %v extras %v; want %+v", args, out, filters, columns, details, notes, extras, e)
		}
		if excel != (e.Format == schedule.Excel) || excel && delim != ";" {
			t.Errorf("%q: --excel %v --delimiter %q for format %s", args, excel, delim, e.Format)
		}
	}
}
