package baselinker

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Int is an integer decoded leniently: a JSON number, a numeric string
// ("5", " 5 "), an empty string or null (both 0) are all accepted.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decoding an integer: a malformed JSON string: %w", err)
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || string(b) == "null" { // nothing, null or a blank string
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Some encoders write integral floats ("5.0", 5e0).
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return errors.New("decoding an integer: a string that is not a whole number") // (the value is not quoted: an answer's bytes may echo the token)
		}
		v = int64(f)
	}
	*n = Int(v)
	return nil
}

// ExtraFields holds custom_extra_fields: extra field ID → value. Values that
// are not strings (file objects, numbers) are kept as their JSON text. An empty
// JSON array (how PHP encodes an empty map) decodes as an empty map.
type ExtraFields map[string]string

// ExtraColumnPrefix starts the header of a custom extra field's column.
const ExtraColumnPrefix = "extra_"

// ExtraColumn is the header of extra field id's column: "extra_15", or
// "extra_15 Rabat" when the field's name is known (getCrmClientExtraFields).
// White space inside the name is folded to single spaces.
func ExtraColumn(id, name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return ExtraColumnPrefix + id
	}
	return ExtraColumnPrefix + id + " " + name
}

// ParseExtraColumn reads a header written by ExtraColumn, in either form
// and ignoring case: "extra_15" or "extra_15 Rabat" give "15". The ID is a
// positive number; leading zeros are dropped ("extra_015" is field 15).
func ParseExtraColumn(header string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(header)), ExtraColumnPrefix)
	if !ok {
		return "", false
	}
	if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
		rest = rest[:i]
	}
	if rest == "" || strings.TrimLeft(rest, "0123456789") != "" {
		return "", false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n <= 0 {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

// CompareExtraIDs is the order every room shows custom extra field IDs in:
// numeric IDs first, by value, then the others as text.
func CompareExtraIDs(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		if c := cmp.Compare(na, nb); c != 0 {
			return c
		}
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *ExtraFields) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*e = nil
		return nil
	}
	if b[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil {
			return fmt.Errorf("decoding custom_extra_fields: %w", err)
		}
		if len(arr) != 0 {
			return fmt.Errorf("decoding custom_extra_fields: a non-empty list, want an object")
		}
		*e = ExtraFields{}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("decoding custom_extra_fields: %w", err)
	}
	out := make(ExtraFields, len(raw))
	for k, v := range raw {
		out[k] = textOf(v)
	}
	*e = out
	return nil
}

// Client is one CRM client with every documented field, in the order of
// the field table (Fields). getCrmClients fills the listed fields;
// getCrmClientData adds Notes and, on request, CustomExtraFields.
type Client struct {
	CrmClientID         Int         `json:"crm_client_id"`
	StatusID            Int         `json:"status_id"`
	Star                Int         `json:"star"`
	Login               string      `json:"login"`
	Phone               string      `json:"phone"`
	Email               string      `json:"email"`
	ContractorID        Int         `json:"contractor_id"`
	InvoiceCompany      string      `json:"invoice_company"`
	InvoiceFullname     string      `json:"invoice_fullname"`
	InvoiceAddress      string      `json:"invoice_address"`
	InvoicePostcode     string      `json:"invoice_postcode"`
	InvoiceCity         string      `json:"invoice_city"`
	InvoiceState        string      `json:"invoice_state"`
	InvoiceCountryCode  string      `json:"invoice_country_code"`
	InvoiceTaxID        string      `json:"invoice_tax_id"`
	DeliveryCompany     string      `json:"delivery_company"`
	DeliveryFullname    string      `json:"delivery_fullname"`
	DeliveryAddress     string      `json:"delivery_address"`
	DeliveryPostcode    string      `json:"delivery_postcode"`
	DeliveryCity        string      `json:"delivery_city"`
	DeliveryState       string      `json:"delivery_state"`
	DeliveryCountryCode string      `json:"delivery_country_code"`
	Notes               string      `json:"notes,omitempty"`
	CustomExtraFields   ExtraFields `json:"custom_extra_fields,omitempty"`
}

// UnmarshalJSON decodes a client leniently, both ways: integers as numbers,
// numeric strings or "" (Int); text fields as strings, or as the literal
// text of a number or a boolean the API sent instead (a phone or a postcode
// as a JSON number); custom_extra_fields as an object, [] or null; null as
// empty. Unknown fields are ignored.
func (c *Client) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("decoding a client: %w", err)
	}
	*c = Client{}
	for k, v := range raw {
		switch p := c.field(k).(type) {
		case *ExtraFields:
			if err := p.UnmarshalJSON(v); err != nil {
				return err
			}
		case *Int:
			if err := p.UnmarshalJSON(v); err != nil {
				return fmt.Errorf("decoding a client: field %s: %w", k, err)
			}
		case *string:
			*p = textOf(v)
		}
	}
	return nil
}

// Warnings decodes the warnings of a SUCCESS answer, whatever their shape
// (seen on other methods): a text, a list, or an object of texts; other
// values as their JSON text.
type Warnings []string

// UnmarshalJSON implements json.Unmarshaler.
func (w *Warnings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*w = nil
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err == nil {
			for _, v := range list {
				*w = append(*w, textOf(v))
			}
			return nil
		}
	case b[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err == nil {
			for _, k := range slices.Sorted(maps.Keys(m)) {
				*w = append(*w, k+": "+textOf(m[k]))
			}
			return nil
		}
	}
	if t := textOf(b); t != "" {
		*w = Warnings{t}
	}
	return nil
}

// textOf is a JSON value as text: a string's content, else its JSON text.
func textOf(v json.RawMessage) string {
	var t lenientString
	_ = t.UnmarshalJSON(v)
	return string(t)
}

// field returns a pointer to the field called name (*Int, *string or
// *ExtraFields), or nil for an unknown name. Client's fields are the
// table's, in its order (TestClientIsTheFieldTable): a field's position
// in the table is its index in the struct.
func (c *Client) field(name string) any {
	i := FieldPosition(name)
	if i < 0 {
		return nil
	}
	return reflect.ValueOf(c).Elem().Field(i).Addr().Interface()
}

// Get returns the value of the field called name as text (integers in
// decimal). ok is false for an unknown name and for custom_extra_fields
// (use CustomExtraFields).
func (c *Client) Get(name string) (value string, ok bool) {
	switch p := c.field(name).(type) {
	case *Int:
		return strconv.FormatInt(int64(*p), 10), true
	case *string:
		return *p, true
	}
	return "", false
}

// Set stores value, given as text, in the field called name. Integer fields
// must hold a decimal integer.
func (c *Client) Set(name, value string) error {
	switch p := c.field(name).(type) {
	case *Int:
		v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return fmt.Errorf("field %s: %q is not an integer", name, value)
		}
		*p = Int(v)
		return nil
	case *string:
		*p = value
		return nil
	}
	return fmt.Errorf("unknown CRM field %q", name)
}

// ClientFields is the input of addCrmClient: only the fields present are
// sent, so an update changes only those ("" clears a text field).
type ClientFields struct {
	// ID is crm_client_id: > 0 updates that client, 0 creates a new one.
	ID int64
	// Values maps an API field name to its value as text. Integer fields are
	// sent as JSON numbers. crm_client_id and custom_extra_fields do not
	// belong here (use ID and Extra).
	Values map[string]string
	// Extra maps a custom extra field ID to its value ("" removes it).
	Extra map[string]string
}

// Params encodes f as addCrmClient's parameters object, fields in the
// documented order. It fails on an unknown field or a non-integer value for
// an integer field; nothing is sent then.
func (f ClientFields) Params() (json.RawMessage, error) {
	for _, name := range slices.Sorted(maps.Keys(f.Values)) { // the same name every time
		fd, ok := LookupField(name)
		if !ok || !fd.Mappable() || name == "crm_client_id" {
			return nil, fmt.Errorf("addCrmClient: field %q cannot be sent", name)
		}
	}
	var members []string // "name":value, the field names being plain ASCII
	if f.ID > 0 {
		members = append(members, fmt.Sprintf(`"crm_client_id":%d`, f.ID))
	}
	for _, fd := range fieldTable {
		v, ok := f.Values[fd.Name]
		switch {
		case !ok:
		case fd.Kind == KindInt:
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("addCrmClient: field %s: %q is not an integer", fd.Name, v)
			}
			members = append(members, fmt.Sprintf("%q:%d", fd.Name, n))
		default:
			s, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			members = append(members, fmt.Sprintf("%q:%s", fd.Name, s))
		}
	}
	if len(f.Extra) > 0 {
		e, err := json.Marshal(f.Extra) // map keys are sorted: deterministic
		if err != nil {
			return nil, err
		}
		members = append(members, `"custom_extra_fields":`+string(e))
	}
	return json.RawMessage("{" + strings.Join(members, ",") + "}"), nil
}
