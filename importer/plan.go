package importer

import (
	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/validate"
)

// notRead is the reason a field's before is unknown: the list
// (getCrmClients) does not return it and the client was not read whole.
const notRead = "no read"

// created is the plan of a row that creates a client: every field it sets.
func created(it *item) events.Changes {
	cs := make(events.Changes, 0, len(it.res.Values)+len(it.res.Extra))
	for _, v := range it.res.Values {
		cs = append(cs, events.Change{Field: v.Field, After: v.Text, Create: true})
	}
	for _, v := range sortedExtra(it.res.Extra) {
		cs = append(cs, events.Change{Field: "extra_" + v.Field, After: v.Text, Create: true})
	}
	return cs
}

// uncompared is the plan of an update with nothing to compare with (no
// index): every field, sent as it is.
func uncompared(it *item) events.Changes {
	cs := created(it)
	for i := range cs {
		cs[i].Create, cs[i].Why = false, notRead
	}
	return cs
}

// diff is the plan of a row that updates client c: the fields whose
// canonical form differs, and the fields that cannot be compared (notes and
// extra fields, unless full: c was read whole with getCrmClientData).
func diff(c *baselinker.Client, it *item, full bool) events.Changes {
	var cs events.Changes
	for _, v := range it.res.Values {
		fd, _ := baselinker.LookupField(v.Field)
		if !fd.Listed && !full {
			cs = append(cs, events.Change{Field: v.Field, After: v.Text, Why: notRead})
			continue
		}
		have, _ := c.Get(v.Field)
		if validate.Normalize(v.Field, have) != validate.Normalize(v.Field, v.Text) {
			cs = append(cs, events.Change{Field: v.Field, Before: have, After: v.Text, Known: true})
		}
	}
	for _, v := range sortedExtra(it.res.Extra) {
		name := "extra_" + v.Field
		if !full {
			cs = append(cs, events.Change{Field: name, After: v.Text, Why: notRead})
			continue
		}
		if have := c.CustomExtraFields[v.Field]; have != v.Text {
			cs = append(cs, events.Change{Field: name, Before: have, After: v.Text, Known: true})
		}
	}
	return cs
}
