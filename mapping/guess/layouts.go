package guess

import (
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/internal/suggest"
)

// addressSlots are the slots (after invoice or delivery) of the fields and
// template parts that make an address, as opposed to a name or a company.
var addressSlots = []string{"_address", "|address2", "_postcode", "_city", "_state", "_country_code"}

// onlyAddressIsInvoice applies the rule that a file's only address is the
// invoice address: a private (home) address goes to delivery_* only when
// the file also has an invoice (billing, business, plain) address; when
// it has none, the private address — and its name and company — are the
// invoice ones: a private person's only home address is where their
// invoices go. A column the file itself calls shipping or delivery stays
// delivery_*.
func onlyAddressIsInvoice(cands []candidate) {
	if slices.ContainsFunc(cands, func(c candidate) bool {
		rest, ok := strings.CutPrefix(c.slot, "invoice")
		return ok && slices.Contains(addressSlots, rest)
	}) {
		return
	}
	for i := range cands {
		c := &cands[i]
		if rest, ok := strings.CutPrefix(c.slot, "delivery"); ok && c.sec == "private" {
			c.slot = "invoice" + rest
		}
	}
}

// layout is one system's file whose neighbouring columns give a header
// another meaning than its words: a row of data, with the evidence for it,
// that fires only on a header of its shape (TestLayoutsFireOnlyOnTheirShape).
type layout struct {
	system, evidence string
	// all are headers (compared as suggest.Key) a file must all have, any
	// headers of which it must have one; together they are the shape.
	all, any []string
	// columns are the headers the layout reads otherwise; note says how
	// ({any} stands for the header of any that the file has, quoted).
	columns []string
	note    string
}

var layouts = []layout{
	{
		system: "Mailchimp audience export",
		evidence: "Mailchimp's exported audience CSV ends with the subscriber's geo-IP columns LATITUDE, LONGITUDE, " +
			"GMTOFF, DSTOFF, TIMEZONE, CC, REGION (Mailchimp help: 'View or export an audience')",
		all:     []string{"LATITUDE", "LONGITUDE", "GMTOFF", "TIMEZONE"},
		columns: []string{"CC", "REGION"},
		note:    "the subscriber's geo-IP location (from their IP address), not their address",
	},
	{
		system:   "Outlook contacts export (German)",
		evidence: "Outlook's CSV export has 'Ort' (Location) beside 'Ort geschäftlich' and 'Ort privat' (the cities)",
		any:      []string{"Ort geschäftlich", "Ort privat"},
		columns:  []string{"Ort"},
		note:     "Outlook's Location (Ort), not the city: the city is in {any}",
	},
}

// fits reports a header of the layout's shape, and which of its any
// headers it has.
func (l layout) fits(keys map[string]string) (string, bool) {
	for _, h := range l.all {
		if _, ok := keys[suggest.Key(h)]; !ok {
			return "", false
		}
	}
	if len(l.any) == 0 {
		return "", true
	}
	for _, h := range l.any {
		if orig, ok := keys[suggest.Key(h)]; ok {
			return orig, true
		}
	}
	return "", false
}

// applyLayouts gives the columns of a layout the file fits the meaning the
// layout says.
func applyLayouts(header []string, cands []candidate) {
	keys := map[string]string{}
	for _, h := range slices.Backward(header) {
		keys[suggest.Key(h)] = h // the first header of a key is written last
	}
	for _, l := range layouts {
		any, ok := l.fits(keys)
		if !ok {
			continue
		}
		for i := range cands {
			c := &cands[i]
			if c.slot == "" || !slices.ContainsFunc(l.columns, func(h string) bool { return suggest.Key(h) == suggest.Key(header[c.col]) }) {
				continue
			}
			c.drop(strings.ReplaceAll(l.note, "{any}", strconv.Quote(any))) // as %q quotes
		}
	}
}
