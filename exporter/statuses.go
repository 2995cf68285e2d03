package exporter

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// statusNamer fills the status_name column: the account's client statuses
// by ID, and the status IDs met that the account does not list (a status
// deleted since, or one the list never named), with how many clients hold
// each. Those clients' status_name is empty, and the summary says so.
type statusNamer struct {
	names   map[int64]string
	unnamed map[int64]int // status_id → clients
}

// name is the name of status id; "" for no status (0) and for an ID the
// account does not list, which is counted.
func (s *statusNamer) name(id int64) string {
	if s == nil || id == 0 {
		return ""
	}
	n, ok := s.names[id]
	if !ok {
		s.unnamed[id]++
	}
	return n
}

// StatusNamesError is an export stopped because the account's client
// statuses, which its status_name column needs, could not be read. Its
// words are Err's, which name the command line's way out
// (--status-names=false); a page says its own (errors.As).
type StatusNamesError struct{ Err error }

func (e *StatusNamesError) Error() string { return e.Err.Error() }

// Unwrap is Err (ErrFatal, the API's error).
func (e *StatusNamesError) Unwrap() error { return e.Err }

// statusNamer reads the account's client statuses for the status_name
// column: once per export, and not at all when Config.StatusList gave them.
func (e *Exporter) readStatusNames(ctx context.Context) (*statusNamer, error) {
	list, how := e.cfg.StatusList, ", read once for this export"
	if list == nil {
		e.requests.Add(1)
		var err error
		if list, err = e.api.GetCrmClientStatuses(ctx); err != nil {
			return nil, &StatusNamesError{Err: apiErr("reading the client statuses for status_name (getCrmClientStatuses; --status-names=false exports without them)", err)}
		}
		how = " (getCrmClientStatuses, one request)"
	}
	e.log.Info(fmt.Sprintf("status_name: %d client statuses of the account%s", len(list), how))
	s := &statusNamer{names: make(map[int64]string, len(list)), unnamed: map[int64]int{}}
	for _, st := range list {
		s.names[int64(st.ID)] = st.Name
	}
	return s, nil
}

// finish puts the status IDs without a name into sum and warns about them.
func (s *statusNamer) finish(e *Exporter, sum *Summary) {
	if s == nil || len(s.unnamed) == 0 {
		return
	}
	ids := slices.Sorted(maps.Keys(s.unnamed))
	sum.UnnamedStatusIDs = ids
	parts := make([]string, len(ids))
	for i, id := range ids {
		sum.UnnamedStatus += s.unnamed[id]
		parts[i] = fmt.Sprintf("%d (%d clients)", id, s.unnamed[id])
	}
	e.log.Warn(fmt.Sprintf("status_name: status_id %s not among the account's client statuses (getCrmClientStatuses): those clients' status_name is empty; crmbulk account lists the statuses",
		strings.Join(parts, ", ")), "clients", sum.UnnamedStatus)
}
