package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
)

// accountOptions are one `crmbulk account`'s: the format and the account.
type accountOptions struct {
	format string
	account
}

// accountCmd is `crmbulk account`; runF as for runOptions.
func (a *app) accountCmd(runF func(*cobra.Command, *accountOptions) error) *cobra.Command {
	opts := &accountOptions{}
	cmd := &cobra.Command{
		Use:   "account",
		Short: "List the account's client statuses and extra fields (two requests)",
		Long: `Lists what the account defines for its CRM clients: the client statuses
(getCrmClientStatuses) — their IDs and names, which --filter status=NAME and the export's
status_name column use — and the custom extra fields (getCrmClientExtraFields) — their IDs,
names, types and allowed values, which a mapping's extra_<ID> fields and the export's
extra_<ID> columns use. Two requests; nothing is changed.`,
		Example: "  crmbulk account\n  crmbulk account --format json",
		Args:    cobra.NoArgs,
		RunE:    runOptions(opts, func([]string) { opts.account = a.userAccount() }, runF, a.runAccount),
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: text or json")
	return cmd
}

func (a *app) runAccount(cmd *cobra.Command, opts *accountOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return usagef("--format %q: use text or json", opts.format)
	}
	api, err := opts.API()
	if err != nil {
		return err
	}
	info, err := api.ReadAccount(cmd.Context())
	if err != nil {
		return err
	}
	if opts.format == "json" {
		enc := json.NewEncoder(a.ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	tw := tabwriter.NewWriter(a.ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS ID\tNAME\tFILTER")
	for _, s := range info.Statuses {
		fmt.Fprintf(tw, "%d\t%s\t--filter %s\n", int64(s.ID), s.Name, a.shell.Quote("status="+s.Name))
	}
	// A line without cells ends the column blocks: the two tables align apart.
	fmt.Fprintln(tw, "\nEXTRA FIELD\tNAME\tTYPE\tVALUES")
	for _, f := range info.ExtraFields {
		fmt.Fprintf(tw, "extra_%d\t%s\t%s\t%s\n", f.ID, f.Name, f.EditorType, strings.Join(f.Options, ", "))
	}
	return tw.Flush()
}

// statusID finds the status called name among the account's
// (baselinker.FindStatus: case, spaces and Unicode composition aside) and
// returns them with its ID. A name it does not know is a usage error
// naming the closest statuses and the command that lists them all.
func (a *app) statusID(cmd *cobra.Command, api *baselinker.API, name string) ([]baselinker.Status, int64, error) {
	st, err := api.GetCrmClientStatuses(cmd.Context())
	if err != nil {
		return nil, 0, fmt.Errorf("--filter status=%s: reading the account's statuses (getCrmClientStatuses): %w", name, err)
	}
	if s, ok := baselinker.FindStatus(st, name); ok {
		a.logger.Info(fmt.Sprintf("--filter status=%s: the account's status %q, status_id %d", name, s.Name, int64(s.ID)))
		return st, int64(s.ID), nil
	}
	return nil, 0, usagef("--filter status=%q: %s — this lists them with their IDs:\n  %s",
		name, baselinker.NoSuchStatus(name, st), a.command(append(a.globalArgs(cmd), "account")...))
}
