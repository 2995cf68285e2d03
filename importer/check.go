package importer

import (
	"fmt"
	"slices"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// Checker gives one row the verdict an import gives it from the row's own
// cells, before any client is looked at: mapped through the plan (text
// marks removed, transforms, map, default), checked and put in canonical
// form (country names sent as ISO codes, keys cleaned), or skipped as no
// client (empty, a total line) or invalid with its problems. The import
// runs every row through the same checks (Run calls Check's steps in
// process), so a preview made with a Checker cannot disagree with the dry
// run.
//
// What needs more than the row is not in the verdict: rows of one key that
// disagree (a warning), a row that repeats an earlier one (skipped), and
// what the account decides (update, unchanged, conflict, no such client).
type Checker struct {
	plan     *mapping.Plan
	matchBy  []string
	statuses func() ([]baselinker.Status, error) // the account's statuses, read at the first status given by name (statusnames.go); nil: names are not looked up
}

// NewChecker binds m (nil: the identity mapping, the header's own API
// field names) to the sheet's header, with the match keys of the run
// (nil: the mapping's match_by), as an import does.
func NewChecker(m *mapping.Mapping, header []string, matchBy []string) (*Checker, error) {
	plan, err := bind(m, header)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	if len(matchBy) == 0 {
		matchBy = plan.Mapping().MatchBy
	}
	return &Checker{plan: plan, matchBy: matchBy}, nil
}

// bind binds m (nil: the identity mapping) to the header.
func bind(m *mapping.Mapping, header []string) (*mapping.Plan, error) {
	if m == nil {
		var err error
		if m, err = mapping.Identity(header); err != nil {
			return nil, err
		}
	}
	return m.Bind(header)
}

// Verdict is what Check decides for one row.
type Verdict struct {
	// Ready is true when the row may be sent: it is valid and a client.
	Ready bool
	// Line is the row's line in the report as far as the row decides it:
	// for a row that is not Ready its status (StatusInvalid,
	// StatusSkipped), code, message and columns; for every row its row
	// number, match key and warnings (a value changed on the way in says so).
	Line events.Line
	// Values is what the row sends as a new client: the fields in
	// canonical form, in the mapping's order (nil unless Ready). An update
	// sends those of them that differ from the client.
	Values events.Changes
	// Problems says why the row is invalid, one per problem.
	Problems []events.Problem
}

// Check returns the verdict on row, a row of the sheet whose header the
// Checker was made with.
func (c *Checker) Check(row sheet.Row) Verdict {
	return c.verdict(c.item(row))
}

// verdict checks a mapped row: skipped, invalid, or ready with the values
// it sends. It puts the row's values in canonical form.
func (c *Checker) verdict(it *item) Verdict {
	if it.skipCode != "" {
		return Verdict{Line: events.Line{Row: it.num, Status: events.StatusSkipped, Code: it.skipCode, Message: it.skipMsg}}
	}
	if l := c.check(it); l != nil {
		return Verdict{Line: *l, Problems: slices.Clone(l.Problems)}
	}
	return Verdict{Ready: true, Line: it.base(), Values: created(it)}
}
