package baselinker

import (
	"slices"
	"sync"
)

// Kind is the wire type of a CRM field.
type Kind int

const (
	// KindInt is an integer field (sent as a JSON number, decoded leniently).
	KindInt Kind = iota + 1
	// KindText is a text field; MaxLen > 0 means varchar(MaxLen) characters.
	KindText
	// KindExtra is the custom_extra_fields object (extra field ID → value).
	KindExtra
)

func (k Kind) String() string {
	names := [...]string{KindInt: "int", KindText: "text", KindExtra: "object"}
	if k > 0 && int(k) < len(names) {
		return names[k]
	}
	return "unknown"
}

// Field describes one CRM client field as the vendor's pages document it.
// It is the one table every room of crmbulk reads: the exporter's column
// order, the mapping file's field names, validate's rules and the sandbox.
type Field struct {
	Name string // API name, e.g. "invoice_postcode"
	Kind Kind
	// MaxLen is the varchar(n) limit in characters (after Unicode NFC); 0 = no limit known.
	MaxLen int
	// Min and Max bound an int field when HasRange is set (star: 0–5).
	Min, Max int64
	HasRange bool
	// Listed fields are returned by getCrmClients (in this order).
	Listed bool
	// Writable fields are accepted by addCrmClient.
	Writable bool
	// Filter is the getCrmClients filter parameter for this field ("" if none).
	// FilterExact is true for the exact-match (int) filters, false for partial text matches.
	Filter      string
	FilterExact bool
	// Country marks ISO 3166-1 alpha-2 country code fields.
	Country bool
	// StripTaxID marks invoice_tax_id: the API removes whitespace and dashes.
	StripTaxID bool
	// Doc is the vendor's description, for `crmbulk fields`.
	Doc string
}

// Mappable says whether a sheet's column may feed f by its name: a field
// addCrmClient accepts, other than the custom_extra_fields object (an
// extra field is a column by its ID, ParseExtraColumn). The mapping file,
// a sheet read by its header (mapping.Identity) and the guessed mapping
// all offer these.
func (f Field) Mappable() bool { return f.Writable && f.Kind != KindExtra }

// fieldTable is the documented CRM field list, in getCrmClients' output order,
// followed by the fields only addCrmClient / getCrmClientData know.
// It is never modified; Fields returns a copy.
var fieldTable = [...]Field{
	{Name: "crm_client_id", Kind: KindInt, Listed: true, Writable: true, Filter: "filter_crm_client_id", FilterExact: true,
		Doc: "CRM client ID. > 0 in addCrmClient updates that client; 0 or omitted creates one."},
	{Name: "status_id", Kind: KindInt, Listed: true, Writable: true, Filter: "filter_status_id", FilterExact: true,
		Doc: "Client status ID (see getCrmClientStatuses)."},
	{Name: "star", Kind: KindInt, Min: 0, Max: 5, HasRange: true, Listed: true, Writable: true,
		Doc: "Star type, 0 to 5. 0 means no star."},
	{Name: "login", Kind: KindText, MaxLen: 156, Listed: true, Writable: true, Filter: "filter_login",
		Doc: "Client login."},
	{Name: "phone", Kind: KindText, MaxLen: 156, Listed: true, Writable: true, Filter: "filter_phone",
		Doc: "Client phone."},
	{Name: "email", Kind: KindText, MaxLen: 220, Listed: true, Writable: true, Filter: "filter_email",
		Doc: "Client email."},
	{Name: "contractor_id", Kind: KindInt, Listed: true, Writable: true,
		Doc: "Base Connect contractor ID associated with the client (0 if none)."},
	{Name: "invoice_company", Kind: KindText, MaxLen: 500, Listed: true, Writable: true, Filter: "filter_invoice_company",
		Doc: "Invoice company name."},
	{Name: "invoice_fullname", Kind: KindText, MaxLen: 500, Listed: true, Writable: true, Filter: "filter_invoice_fullname",
		Doc: "Invoice full name."},
	{Name: "invoice_address", Kind: KindText, MaxLen: 500, Listed: true, Writable: true,
		Doc: "Invoice address."},
	{Name: "invoice_postcode", Kind: KindText, MaxLen: 20, Listed: true, Writable: true,
		Doc: "Invoice postcode."},
	{Name: "invoice_city", Kind: KindText, MaxLen: 100, Listed: true, Writable: true,
		Doc: "Invoice city."},
	{Name: "invoice_state", Kind: KindText, MaxLen: 35, Listed: true, Writable: true,
		Doc: "Invoice state/province."},
	{Name: "invoice_country_code", Kind: KindText, MaxLen: 2, Country: true, Listed: true, Writable: true,
		Doc: "Invoice country code (ISO 3166-1 alpha-2)."},
	{Name: "invoice_tax_id", Kind: KindText, MaxLen: 50, StripTaxID: true, Listed: true, Writable: true, Filter: "filter_invoice_tax_id",
		Doc: "Invoice tax ID (NIP). Whitespace and dashes are removed by the API."},
	{Name: "delivery_company", Kind: KindText, MaxLen: 500, Listed: true, Writable: true,
		Doc: "Delivery company name."},
	{Name: "delivery_fullname", Kind: KindText, MaxLen: 500, Listed: true, Writable: true,
		Doc: "Delivery full name."},
	{Name: "delivery_address", Kind: KindText, MaxLen: 500, Listed: true, Writable: true,
		Doc: "Delivery address."},
	{Name: "delivery_postcode", Kind: KindText, MaxLen: 20, Listed: true, Writable: true,
		Doc: "Delivery postcode."},
	{Name: "delivery_city", Kind: KindText, MaxLen: 100, Listed: true, Writable: true,
		Doc: "Delivery city."},
	{Name: "delivery_state", Kind: KindText, MaxLen: 35, Listed: true, Writable: true,
		Doc: "Delivery state/province."},
	{Name: "delivery_country_code", Kind: KindText, MaxLen: 2, Country: true, Listed: true, Writable: true,
		Doc: "Delivery country code (ISO 3166-1 alpha-2)."},
	{Name: "notes", Kind: KindText, Writable: true,
		Doc: "Client notes. Not in getCrmClients; returned by getCrmClientData."},
	{Name: "custom_extra_fields", Kind: KindExtra, Writable: true,
		Doc: "Custom extra fields: extra field ID → value; an empty string removes the field. Returned by getCrmClientData on request."},
}

// Fields returns every documented CRM field, in the documented order.
func Fields() []Field { return slices.Clone(fieldTable[:]) }

// ListedFields returns the fields getCrmClients returns, in its order.
func ListedFields() []Field {
	return slices.DeleteFunc(Fields(), func(f Field) bool { return !f.Listed })
}

// fieldIndex maps a field name to its position in fieldTable. It is built
// once, on first use, and never modified: LookupField runs for every value of
// every imported row.
var fieldIndex = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(fieldTable))
	for i, f := range fieldTable {
		m[f.Name] = i
	}
	return m
})

// LookupField returns the field called name.
func LookupField(name string) (Field, bool) {
	if i := FieldPosition(name); i >= 0 {
		return fieldTable[i], true
	}
	return Field{}, false
}

// FieldPosition returns the position of the field called name in the
// documented order, or -1 for an unknown name.
func FieldPosition(name string) int {
	if i, ok := fieldIndex()[name]; ok {
		return i
	}
	return -1
}

// MatchKeyFields are the fields an import can match rows to existing
// clients by (--match-by, match_by): text fields that getCrmClients lists and
// that name one client, unlike a company or a full name.
func MatchKeyFields() []string { return []string{"email", "login", "phone", "invoice_tax_id"} }

// FilterNames returns the getCrmClients filter names without the "filter_"
// prefix, in the documented order.
func FilterNames() []string {
	var out []string
	for _, f := range fieldTable {
		if f.Filter != "" {
			out = append(out, f.Name)
		}
	}
	return out
}
