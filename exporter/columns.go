package exporter

import (
	"errors"
	"fmt"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sheet"
)

// Column names the export adds to the API's fields.
const (
	// StatusNameColumn holds the name of the client's status
	// (getCrmClientStatuses); the importer ignores it.
	StatusNameColumn = "status_name"
	// ExtraAll in a column list stands for every custom extra field found,
	// by ascending ID.
	ExtraAll = "extra_*"
)

// ErrColumn is the kind of every error about a --columns list.
var ErrColumn = errors.New("bad column list")

type colKind int

const (
	colField colKind = iota + 1 // an API field read with Client.Get
	colStatusName
	colExtra    // one extra field, id set
	colExtraAll // every extra field found, expanded at the end
)

type column struct {
	kind colKind
	name string // header text
	id   string // extra field ID (colExtra)
}

// needs reports what a column list requires from the API: notes (one
// getCrmClientData per client), custom extra fields (from the list when it
// carries them, else as for notes) and status names (one request).
type needs struct{ notes, extras, statuses bool }

// resolveColumns turns a --columns list (nil = the default) into columns.
// The default is every getCrmClients field in the documented order, then
// status_name (with want.statuses, placed after status_id), then notes
// (want.notes) and every extra field (want.extras).
func resolveColumns(names []string, want needs) ([]column, error) {
	var cols []column
	if len(names) == 0 {
		for _, f := range baselinker.ListedFields() {
			cols = append(cols, column{kind: colField, name: f.Name})
			if f.Name == "status_id" && want.statuses {
				cols = append(cols, column{kind: colStatusName, name: StatusNameColumn})
			}
		}
		if want.notes {
			cols = append(cols, column{kind: colField, name: "notes"})
		}
		if want.extras {
			cols = append(cols, column{kind: colExtraAll, name: ExtraAll})
		}
		return cols, nil
	}
	seen := map[string]int{}
	var problems []string
	for i, raw := range names {
		name := strings.ToLower(strings.TrimSpace(raw))
		if name == "" {
			continue
		}
		if j, dup := seen[name]; dup {
			problems = append(problems, fmt.Sprintf("%q is listed twice (positions %d and %d); list each column once", name, j+1, i+1))
			continue
		}
		seen[name] = i
		c, err := parseColumn(name, want)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		cols = append(cols, c)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: --columns: %s", ErrColumn, strings.Join(problems, "; "))
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: --columns is empty; name at least one column, e.g. --columns crm_client_id,email", ErrColumn)
	}
	return cols, nil
}

const (
	needExtras = "needs --extra-fields (or --with-details): custom extra fields come from the list when it carries them, else from getCrmClientData, one request per client"
	needNotes  = "needs --notes (or --with-details): it comes from getCrmClientData, one request per client"
)

func parseColumn(name string, want needs) (column, error) {
	switch {
	case name == StatusNameColumn:
		return column{kind: colStatusName, name: name}, nil
	case name == ExtraAll:
		if !want.extras {
			return column{}, fmt.Errorf("%q %s", name, needExtras)
		}
		return column{kind: colExtraAll, name: name}, nil
	case strings.HasPrefix(name, baselinker.ExtraColumnPrefix):
		id := name[len(baselinker.ExtraColumnPrefix):]
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
			return column{}, fmt.Errorf("%q: an extra field column is extra_<ID> with a positive ID without leading zeros (e.g. extra_15), or extra_* for all", name)
		}
		if !want.extras {
			return column{}, fmt.Errorf("%q %s", name, needExtras)
		}
		return column{kind: colExtra, name: name, id: id}, nil
	case name == "custom_extra_fields":
		return column{}, fmt.Errorf("%q: name extra fields one by one as extra_<ID> (e.g. extra_15), or extra_* for all of them, and add --extra-fields", name)
	}
	if f, ok := baselinker.LookupField(name); ok && f.Kind != baselinker.KindExtra {
		if !f.Listed && !want.notes {
			return column{}, fmt.Errorf("%q %s", name, needNotes)
		}
		return column{kind: colField, name: name}, nil
	}
	msg := fmt.Sprintf("unknown column %q", name)
	valid := ColumnNames()
	if s := suggest.Closest(name, valid); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return column{}, fmt.Errorf("%s; valid columns: %s", msg, strings.Join(valid, ", "))
}

// ColumnNames lists every column name a Config's Columns accepts, in the
// field table's order (extra_<ID> aside): what --columns and the web page
// offer.
func ColumnNames() []string {
	var out []string
	for _, f := range baselinker.Fields() {
		if f.Kind != baselinker.KindExtra {
			out = append(out, f.Name)
		}
	}
	return append(out, StatusNameColumn, ExtraAll)
}

// needsOf reports which extra requests the columns require.
func needsOf(cols []column) needs {
	var n needs
	for _, c := range cols {
		switch {
		case c.kind == colStatusName:
			n.statuses = true
		case c.kind == colExtra, c.kind == colExtraAll:
			n.extras = true
		case c.kind == colField:
			if f, ok := baselinker.LookupField(c.name); ok && !f.Listed {
				n.notes = true
			}
		}
	}
	return n
}

// expand replaces extra_* by one column per extra field ID, ascending,
// headed "extra_<ID> <name>" when the field's name is known (names, from
// getCrmClientExtraFields), else "extra_<ID>". A column named on its own
// in --columns keeps the header written there.
func expand(cols []column, extraIDs []string, names map[string]string) []column {
	out := make([]column, 0, len(cols)+len(extraIDs))
	for _, c := range cols {
		if c.kind != colExtraAll {
			out = append(out, c)
			continue
		}
		for _, id := range extraIDs {
			if slices.ContainsFunc(cols, func(o column) bool { return o.kind == colExtra && o.id == id }) {
				continue // named on its own elsewhere
			}
			out = append(out, column{kind: colExtra, name: baselinker.ExtraColumn(id, names[id]), id: id})
		}
	}
	return out
}

// header returns the header row of cols.
func header(cols []column) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.name
	}
	return h
}

// row fills dst with the cells of one client.
func row(dst []string, cols []column, c *baselinker.Client, statuses *statusNamer) []string {
	dst = dst[:0]
	for _, col := range cols {
		var v string
		switch col.kind {
		case colField:
			v, _ = c.Get(col.name)
		case colStatusName:
			v = statuses.name(int64(c.StatusID))
		case colExtra:
			v = c.CustomExtraFields[col.id]
		}
		dst = append(dst, v)
	}
	return dst
}

// XLSXOptions returns the workbook settings for an export header: a sheet
// named Clients, integer fields (ids, status_id, star) as numbers, every
// other value as text, widths from the fields' lengths.
func XLSXOptions(header []string) sheet.XLSXWriterOptions {
	opt := sheet.XLSXWriterOptions{SheetName: "Clients", NumericColumns: map[int]bool{}, Widths: make([]float64, len(header)),
		MaxWidth: 50, ProtectTextMarks: true}
	for i, h := range header {
		f, ok := baselinker.LookupField(h)
		switch {
		case ok && f.Kind == baselinker.KindInt:
			opt.NumericColumns[i] = true
			opt.Widths[i] = float64(max(len(h)+4, 12))
		case ok && f.MaxLen > 0:
			opt.Widths[i] = float64(min(max(f.MaxLen, len(h)+4), 40))
		case h == "notes":
			opt.Widths[i] = 50
		default:
			opt.Widths[i] = float64(max(len(h)+4, 16))
		}
	}
	return opt
}
