package mapping

import (
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/sheet"
)

// Identity builds the mapping of a sheet whose headers are API field names,
// as crmbulk's own export writes them: each header that names a writable
// API field (compared ignoring case and surrounding spaces) feeds that
// field, extra_<ID> headers (also "extra_<ID> <name>", as the export heads
// them when the account names its extra fields) feed custom extra field
// <ID>, and everything
// else (status_name, unknown headers) is ignored (the bound Plan lists it in Unused).
// Blank cells are kept (not sent). The result is already bound-ready:
// m.Bind(header) cannot fail for the same header.
func Identity(header []string) (*Mapping, error) {
	c := &Errors{}
	m := &Mapping{Empty: EmptyKeep}
	first := make(map[string]int)
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		name := strings.ToLower(chars.TrimSpace(h))
		s := &spec{refs: []ref{{name: h}}, empty: EmptyKeep}
		if f, ok := baselinker.LookupField(name); ok && f.Mappable() {
			s.field = name
		} else if s.field, s.extra = baselinker.ParseExtraColumn(name); !s.extra {
			continue // neither a field nor extra_<ID> (a blank header included)
		}
		if j, dup := first[s.key()]; dup {
			c.add(0, 0, "remove or rename one of the columns",
				"the sheet's header has %s twice (columns %s and %s)", s.key(), sheet.ColumnName(j), sheet.ColumnName(i))
			continue
		}
		first[s.key()] = i
		m.specs = append(m.specs, s)
	}
	if len(m.specs) == 0 && len(c.List) == 0 {
		hint := "give a mapping file (--mapping) that names the column of each field, or rename the headers to API field names such as email, phone, invoice_fullname"
		c.add(0, 0, hint, "no column of the sheet's header is a CRM field name (the header has: %s)", quoteList(header, 30))
	}
	return checked(m, c)
}
