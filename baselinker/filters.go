package baselinker

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Filters are getCrmClients' documented filters. Zero values are not sent.
type Filters struct {
	CrmClientID     int64  // filter_crm_client_id: exact
	Email           string // filter_email: partial match
	Phone           string // filter_phone: partial match
	Login           string // filter_login: partial match
	InvoiceCompany  string // filter_invoice_company: partial match
	InvoiceTaxID    string // filter_invoice_tax_id: partial match
	InvoiceFullname string // filter_invoice_fullname: partial match
	StatusID        int64  // filter_status_id: exact
}

// Set sets the filter called name (without the "filter_" prefix, e.g.
// "email", "status_id"; see FilterNames) from text. Integer filters take a
// positive decimal integer; text filters at most the field's length in
// characters.
func (f *Filters) Set(name, value string) error {
	fd, ok := LookupField(name)
	if !ok || fd.Filter == "" {
		hint := ""
		if trimmed, found := strings.CutPrefix(name, "filter_"); found {
			hint = fmt.Sprintf(" (write %q, without the filter_ prefix)", trimmed)
		}
		return fmt.Errorf("unknown filter %q%s; valid filters: %s", name, hint, strings.Join(FilterNames(), ", "))
	}
	switch p := f.field(name).(type) {
	case *int64:
		v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil || v <= 0 {
			// 0 would not be sent (zero values mean "no filter"), so the
			// export would silently take every client.
			return fmt.Errorf("filter %s: %q is not a positive whole number; give a client or status ID such as 12345", name, value)
		}
		*p = v
		return nil
	case *string:
		if strings.TrimSpace(value) == "" {
			// An empty text filter would not be sent: every client would match.
			return fmt.Errorf("filter %s: the value is empty; give the text to look for (it is a partial match), or leave the filter out", name)
		}
		if fd.MaxLen > 0 && utf8.RuneCountInString(value) > fd.MaxLen {
			return fmt.Errorf("filter %s: %d characters, the API accepts at most %d; shorten it (it is a partial match)",
				name, utf8.RuneCountInString(value), fd.MaxLen)
		}
		*p = value
		return nil
	}
	return fmt.Errorf("filter %s: not supported by this version of crmbulk", name)
}

// field returns a pointer to the filter called name (*int64 or *string),
// or nil when Filters has none.
func (f *Filters) field(name string) any {
	return map[string]any{
		"crm_client_id": &f.CrmClientID, "status_id": &f.StatusID,
		"email": &f.Email, "phone": &f.Phone, "login": &f.Login,
		"invoice_company": &f.InvoiceCompany, "invoice_tax_id": &f.InvoiceTaxID,
		"invoice_fullname": &f.InvoiceFullname,
	}[name]
}

// IsZero reports whether no filter is set.
func (f Filters) IsZero() bool { return f == Filters{} }

// params adds the set filters to p, under their filter_ names.
func (f Filters) params(p map[string]any) {
	for _, fd := range fieldTable {
		if v := f.field(fd.Name); v != nil {
			if e := reflect.ValueOf(v).Elem(); !e.IsZero() {
				p[fd.Filter] = e.Interface() // an int64 or a string, as the field holds it
			}
		}
	}
}
