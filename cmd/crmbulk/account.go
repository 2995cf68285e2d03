package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/suggest"
)

// accountInfo is what `crmbulk account` lists: the account's client
// statuses and custom extra fields.
type accountInfo struct {
	Statuses    []accountStatus `json:"statuses"`
	ExtraFields []accountExtra  `json:"extra_fields"`
}

type accountStatus struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"is_primary"`
}

type accountExtra struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Options []string `json:"options,omitempty"`
}

// accountOptions are one `crmbulk account`'s: the format and the account.
type accountOptions struct {
	format string
	account
}

// accountCmd is `crmbulk account`. RunE parses the flags into the options
// and hands them to runF (a test's), or to runAccount when runF is nil.
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.account = a.userAccount()
			if runF != nil {
				return runF(cmd, opts)
			}
			return a.runAccount(cmd, opts)
		},
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
	info, err := readAccount(cmd.Context(), api)
	if err != nil {
		return err
	}
	return a.writeAccount(a.stdout(), opts.format, info)
}

func readAccount(ctx context.Context, api *baselinker.API) (accountInfo, error) {
	info := accountInfo{Statuses: []accountStatus{}, ExtraFields: []accountExtra{}}
	st, err := api.GetCrmClientStatuses(ctx)
	if err != nil {
		return info, fmt.Errorf("reading the account's client statuses (getCrmClientStatuses): %w", err)
	}
	for _, s := range st {
		info.Statuses = append(info.Statuses, accountStatus{ID: int64(s.ID), Name: s.Name, Primary: s.IsPrimary})
	}
	ef, err := api.GetCrmClientExtraFields(ctx)
	if err != nil {
		return info, fmt.Errorf("reading the account's extra fields (getCrmClientExtraFields): %w", err)
	}
	for _, f := range ef {
		info.ExtraFields = append(info.ExtraFields, accountExtra{ID: f.ID, Name: f.Name, Type: f.EditorType, Options: f.Options})
	}
	return info, nil
}

func (a *app) writeAccount(w io.Writer, format string, info accountInfo) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS ID\tNAME\tFILTER")
	for _, s := range info.Statuses {
		fmt.Fprintf(tw, "%d\t%s\t--filter %s\n", s.ID, s.Name, a.shell.Quote("status="+s.Name))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXTRA FIELD\tNAME\tTYPE\tVALUES")
	for _, f := range info.ExtraFields {
		fmt.Fprintf(tw, "extra_%d\t%s\t%s\t%s\n", f.ID, f.Name, f.Type, strings.Join(f.Options, ", "))
	}
	return tw.Flush()
}

// statusFilter says whether --filter name=value names a status by its
// name: status=NAME, status_name=NAME, or status_id= something that is not
// a number.
func statusFilter(name, value string) bool {
	if name == "status" || name == "status_name" {
		return true
	}
	_, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	return name == "status_id" && err != nil
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
	names := baselinker.StatusNames(st)
	hint := "."
	if best := suggest.Closest(name, names); best != "" {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	return nil, 0, usagef("--filter status=%q: the account has no client status of that name%s Its statuses: %s — this lists them with their IDs:\n  %s",
		name, hint, quoteAll(names), a.command(append(a.globalArgs(cmd), "account")...))
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
