package importer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/internal/suggest"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
)

// adjustStatus is the kind of a status given by its name and sent as its ID.
const adjustStatus = "status name → ID"

// prepareStatuses makes the run's status reader when the mapping maps
// status_id and there is an API to list statuses. Without one (a dry run
// without a token) a name stays what it is, and its row is invalid.
func (r *run) prepareStatuses(ctx context.Context) {
	if r.api == nil || !slices.Contains(r.plan.Mapping().Fields(), "status_id") {
		return
	}
	// Read once, when the first row gives its status_id by name ("Stały
	// klient", as a spreadsheet says it): a file of IDs costs no request.
	r.statuses = sync.OnceValues(func() ([]baselinker.Status, error) { return r.api.GetCrmClientStatuses(ctx) })
}

// statusByName turns a status_id given by its name into the status's ID.
// A name the account does not have stays, and is invalid as status_id;
// the row's warnings name the closest status and the command that lists
// them.
func (c *Checker) statusByName(it *item) {
	// A mapping maps a field once: its one status_id, if any.
	i := slices.IndexFunc(it.res.Values, func(v mapping.Value) bool { return v.Field == "status_id" })
	if c.statuses == nil || i < 0 {
		return
	}
	v := &it.res.Values[i]
	t := strings.TrimSpace(v.Text)
	if _, err := strconv.ParseInt(t, 10, 64); t == "" || err == nil {
		return
	}
	_, h := c.plan.Source("status_id")
	st, err := c.statuses()
	if err != nil {
		it.warnings = append(it.warnings, fmt.Sprintf("row %d, %s (status_id): %s looks like a status's name, but the account's statuses could not be read (getCrmClientStatuses: %v)",
			it.num, columnRef(h), chars.Quote(t), err))
		return
	}
	s, ok := baselinker.FindStatus(st, t)
	if !ok {
		hint := ""
		if best := suggest.Closest(t, baselinker.StatusNames(st)); best != "" {
			hint = fmt.Sprintf(" — did you mean %s?", chars.Quote(best))
		}
		it.warnings = append(it.warnings, fmt.Sprintf("row %d, %s (status_id): %s is not a client status of the account%s (crmbulk account lists them)",
			it.num, columnRef(h), chars.Quote(t), hint))
		return
	}
	v.Text = strconv.FormatInt(int64(s.ID), 10)
	it.adjust(adjustStatus, fmt.Sprintf("row %d, %s (status_id): status name → ID: %s → %s", it.num, columnRef(h), chars.Quote(t), v.Text))
}

// nameStatuses names, for people, the status IDs a line's plan changes
// status_id from and to (Line.StatusNames), reading the account's statuses
// once per run at the first such line. A status the account does not list
// stays unnamed; without a way to read them (a dry run without a token)
// or when the read fails, the line keeps its IDs alone (a row that gives a
// status by name says the read's error in its warnings).
func (r *run) nameStatuses(l *events.Line) {
	if r.statuses == nil {
		return
	}
	i := slices.IndexFunc(l.Changes, func(c events.Change) bool { return c.Field == "status_id" })
	if i < 0 {
		return
	}
	st, err := r.statuses()
	if err != nil {
		return
	}
	c := l.Changes[i]
	names := map[string]string{} // non-nil: the statuses were read
	l.StatusNames = names
	for _, id := range []string{c.Before, c.After} {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil || id == "" {
			continue
		}
		if k := slices.IndexFunc(st, func(s baselinker.Status) bool { return int64(s.ID) == n }); k >= 0 {
			names[id] = st[k].Name
		}
	}
}

// statusLabel is how the summary counts a status: "Stały klient (5)";
// "5 (not a status of the account)" when the statuses read do not list it;
// "5" when they were not read (names nil).
func statusLabel(id string, names map[string]string) string {
	switch n, ok := names[id]; {
	case ok:
		return n + " (" + id + ")"
	case names != nil:
		return id + " (not a status of the account)"
	}
	return id
}
