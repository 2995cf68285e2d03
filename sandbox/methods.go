package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/chars"
	"github.com/crmbulk/crmbulk/validate"
)

// jsonText returns the text of a parameter that must be a text: a JSON
// string, or a number taken as its literal (PHP casts numbers to strings).
func jsonText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw), true
	}
	return "", false
}

// jsonInt decodes an int parameter leniently, as a PHP API would: a JSON
// number or a numeric string.
func jsonInt(raw json.RawMessage) (int64, bool) {
	s, ok := jsonText(raw)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

// jsonBool decodes a bool parameter: true/false, 0/1, "0"/"1"/"true"/"false".
func jsonBool(raw json.RawMessage) (bool, bool) {
	switch strings.ToLower(string(bytes.TrimSpace(raw))) {
	case "true", "1", `"1"`, `"true"`:
		return true, true
	case "false", "0", `"0"`, `"false"`, `""`, "null":
		return false, true
	}
	return false, false
}

func typeError(name, want string) *apiError {
	return &apiError{CodeParameterType, fmt.Sprintf("Parameter %s: wrong type, expected %s.", name, want)}
}

func unknownParam(method, name string) *apiError {
	return &apiError{CodeUnknownParameter, fmt.Sprintf("Parameter %.100q is not a parameter of %s.", name, method)}
}

// sortedKeys gives the parameters in a stable order, so the first problem
// reported does not depend on map iteration.
func sortedKeys(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }

type textFilter struct {
	field  string
	needle string // lower case
}

// listQuery is what a getCrmClients request asks for.
type listQuery struct {
	page   int64
	id     int64 // crm_client_id filter (0 = none)
	status int64 // status_id filter (0 = none)
	texts  []textFilter
	extra  bool // include_custom_extra_fields (with Config.ListExtraFields)
}

func (s *Server) getCrmClients(params map[string]json.RawMessage) ([]byte, *apiError) {
	q := listQuery{page: 1}
	for _, k := range sortedKeys(params) {
		if err := s.readListParam(&q, k, params[k]); err != nil {
			return nil, err
		}
	}
	if q.page < 1 || s.cfg.IgnorePage {
		q.page = 1
	}
	return s.listPage(q), nil
}

// readListParam reads one parameter of getCrmClients into q, as the live
// API reads it: its type checked, an empty value PHP's empty().
func (s *Server) readListParam(q *listQuery, k string, raw json.RawMessage) *apiError {
	if k == "include_custom_extra_fields" && s.cfg.ListExtraFields {
		var ok bool
		if q.extra, ok = jsonBool(raw); !ok {
			return typeError(k, "bool")
		}
		return nil
	}
	f, known := baselinker.LookupField(strings.TrimPrefix(k, "filter_"))
	known = known && f.Filter == k // a field's filter is filter_ and its name
	switch {
	case k == "page" || known && f.FilterExact:
		n, ok := jsonInt(raw)
		if string(bytes.TrimSpace(raw)) == `""` {
			n, ok = 0, true // PHP's empty(): no filter, page 1
		}
		if !ok {
			return typeError(k, "int")
		}
		switch {
		case k == "page":
			q.page = n
		case f.Name == "crm_client_id":
			q.id = n
		case f.Name == "status_id":
			q.status = n
		}
	case !known:
		return unknownParam("getCrmClients", k)
	default:
		v, ok := jsonText(raw)
		if !ok {
			return typeError(k, "text")
		}
		if v != "" { // an empty filter filters nothing, as PHP's empty() reads it
			q.texts = append(q.texts, textFilter{f.Name, strings.ToLower(v)})
		}
	}
	return nil
}

// match says whether c passes q's status and text filters.
func (q *listQuery) match(c *baselinker.Client) bool {
	if q.status != 0 && int64(c.StatusID) != q.status {
		return false
	}
	for _, t := range q.texts {
		v, _ := c.Get(t.field)
		if !strings.Contains(strings.ToLower(v), t.needle) {
			return false
		}
	}
	return true
}

// listPage answers q: the page of the clients it matches.
func (s *Server) listPage(q listQuery) []byte {
	b := make([]byte, 0, 64<<10)
	b = append(b, `{"status":"SUCCESS","clients":[`...)
	n := 0
	add := func(c *baselinker.Client) {
		if n > 0 {
			b = append(b, ',')
		}
		b = s.appendClient(b, c, false, q.extra)
		n++
	}
	s.data.RLock()
	all := s.store.clients
	switch {
	case s.cfg.EndlessPages && q.page > int64(len(all))/baselinker.PageSize:
		// Past the store's full pages: 100 clients never listed before.
		base := s.store.nextID + (q.page-1)*baselinker.PageSize
		for i := range int64(baselinker.PageSize) {
			add(&baselinker.Client{CrmClientID: baselinker.Int(base + i), InvoiceFullname: fmt.Sprintf("Endless %d", base+i)})
		}
	case q.page > int64(len(all))/baselinker.PageSize+1:
		// Past the last page (and no overflow of the skip count below).
	case q.id != 0:
		if c := s.store.get(q.id); c != nil && q.page == 1 && q.match(c) {
			add(c)
		}
	default:
		from, skip := 0, (q.page-1)*baselinker.PageSize // skip: the matching clients of earlier pages
		if q.status == 0 && len(q.texts) == 0 {
			from, skip = int(skip), 0 // no filter: the page is a slice of the store
		}
		for i := from; i < len(all) && n < baselinker.PageSize; i++ {
			if !q.match(&all[i]) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			add(&all[i])
		}
	}
	s.data.RUnlock()
	return append(b, "]}"...)
}

// clientIDParams reads the crm_client_id a method requires and, when flag
// is not "", the bool parameter called flag; any other parameter is refused.
func clientIDParams(method, flag string, params map[string]json.RawMessage) (id int64, on bool, aerr *apiError) {
	have := false
	for _, k := range sortedKeys(params) {
		var ok bool
		switch {
		case k == "crm_client_id":
			if id, ok = jsonInt(params[k]); !ok {
				return 0, false, typeError(k, "int")
			}
			have = true
		case k == flag && flag != "":
			if on, ok = jsonBool(params[k]); !ok {
				return 0, false, typeError(k, "bool")
			}
		default:
			return 0, false, unknownParam(method, k)
		}
	}
	if !have {
		return 0, false, &apiError{CodeMissingParameter, "Parameter crm_client_id is required."}
	}
	return id, on, nil
}

func (s *Server) getCrmClientData(params map[string]json.RawMessage) ([]byte, *apiError) {
	id, extra, aerr := clientIDParams("getCrmClientData", "include_custom_extra_fields", params)
	if aerr != nil {
		return nil, aerr
	}
	s.data.RLock()
	defer s.data.RUnlock()
	c := s.store.get(id)
	if c == nil {
		return nil, &apiError{CodeClientNotFound, fmt.Sprintf("No CRM client with crm_client_id %d.", id)}
	}
	obj := s.appendClient(make([]byte, 0, 2048), c, true, extra)
	return append([]byte(`{"status":"SUCCESS",`), obj[1:]...), nil // the client's fields at the top level
}

func (s *Server) getCrmClientStatuses(params map[string]json.RawMessage) ([]byte, *apiError) {
	for _, k := range sortedKeys(params) {
		return nil, unknownParam("getCrmClientStatuses", k)
	}
	b, _ := json.Marshal(struct {
		Status   string   `json:"status"`
		Statuses []Status `json:"statuses"`
	}{"SUCCESS", seedStatuses()})
	return b, nil
}

// fileMaxBytes is the documented limit of a file sent in an extra field.
const fileMaxBytes = 2 << 20

// extraValue decodes one custom_extra_fields value: a text ("" removes the
// field) or a file object {"title","file"}, stored as its compact JSON text.
func extraValue(id string, raw json.RawMessage) (string, *apiError) {
	name := "custom_extra_fields[" + id + "]"
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var file map[string]json.RawMessage
		if err := json.Unmarshal(raw, &file); err != nil {
			return "", typeError(name, `text or {"title","file"}`)
		}
		title, ok1 := jsonText(file["title"])
		body, ok2 := jsonText(file["file"])
		if !ok1 || !ok2 || len(file) != 2 {
			return "", typeError(name, `a file object with exactly "title" and "file" texts`)
		}
		if n := validate.Length(title); n > 40 {
			return "", &apiError{CodeInvalidValue, fmt.Sprintf("%s: the file title has %d characters, the API allows at most 40; shorten it.", name, n)}
		}
		if len(body)/4*3 > fileMaxBytes+3 {
			return "", &apiError{CodeInvalidValue, fmt.Sprintf("%s: the file is larger than 2 MB; send a smaller file.", name)}
		}
		var buf bytes.Buffer
		_ = json.Compact(&buf, raw) // it unmarshalled above: valid JSON compacts
		return buf.String(), nil
	}
	v, ok := jsonText(raw)
	if !ok {
		return "", typeError(name, `text or {"title","file"}`)
	}
	return v, nil
}

func (s *Server) addCrmClient(params map[string]json.RawMessage) ([]byte, *apiError) {
	values, extra, aerr := readClientParams(params)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkClient(values, extra); aerr != nil {
		return nil, aerr
	}
	var id int64
	if v, ok := values["crm_client_id"]; ok {
		id, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		delete(values, "crm_client_id")
	}
	if v, ok := values["invoice_tax_id"]; ok {
		values["invoice_tax_id"] = chars.StripSpaceAndDashes(v)
	}
	id, created, aerr := s.saveClient(id, values, extra)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	if created {
		s.stats.Creates++
	} else {
		s.stats.Updates++
	}
	writes := s.stats.Creates + s.stats.Updates
	s.mu.Unlock()
	if n := s.cfg.WarnEvery; n > 0 && writes%n == 0 {
		return []byte(fmt.Sprintf(`{"status":"SUCCESS","crm_client_id":%d,"warnings":["Klient %d zapisany, ale pole \"notes\" zostało skrócone."]}`, id, id)), nil
	}
	return []byte(fmt.Sprintf(`{"status":"SUCCESS","crm_client_id":%d}`, id)), nil
}

// readClientParams reads addCrmClient's parameters: the fields' values
// (crm_client_id among them) and the custom extra fields, each type
// checked as the live API checks it.
func readClientParams(params map[string]json.RawMessage) (values, extra map[string]string, aerr *apiError) {
	values = map[string]string{}
	for _, k := range sortedKeys(params) {
		f, ok := baselinker.LookupField(k)
		if !ok || !f.Writable {
			return nil, nil, unknownParam("addCrmClient", k)
		}
		if f.Kind == baselinker.KindExtra {
			if extra, aerr = readExtraParam(k, params[k]); aerr != nil {
				return nil, nil, aerr
			}
			continue
		}
		v, ok := jsonText(params[k])
		if !ok {
			return nil, nil, typeError(k, f.Kind.String()) // "int" or "text"
		}
		values[k] = v
	}
	return values, extra, nil
}

// readExtraParam reads custom_extra_fields: an object of extra field ID →
// value (nil for [] or null).
func readExtraParam(k string, raw json.RawMessage) (map[string]string, *apiError) {
	b := bytes.TrimSpace(raw)
	if string(b) == "[]" || string(b) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &obj) != nil {
		return nil, typeError(k, "an object of extra field ID → value")
	}
	extra := make(map[string]string, len(obj))
	for _, id := range sortedKeys(obj) {
		v, aerr := extraValue(id, obj[id])
		if aerr != nil {
			return nil, aerr
		}
		extra[id] = v
	}
	return extra, nil
}

// checkClient refuses values the live API refuses, saving nothing.
func checkClient(values, extra map[string]string) *apiError {
	var msgs []string
	for _, p := range validate.Fields(values, extra) {
		// The API takes codes only: a country's name, which crmbulk sends
		// as its code (a warning to the importer), is refused here.
		if p.Severity == validate.Error || p.Rule == validate.RuleCountryName {
			msgs = append(msgs, p.Error())
		}
	}
	if len(msgs) > 0 {
		return &apiError{CodeInvalidValue, "Invalid value: " + strings.Join(msgs, "; ") + ". Nothing was saved."}
	}
	return nil
}

// saveClient updates client id (> 0) or creates one (created) with the
// values and extra fields (an empty extra field value removes it), and
// returns its ID.
func (s *Server) saveClient(id int64, values, extra map[string]string) (_ int64, created bool, _ *apiError) {
	s.data.Lock()
	defer s.data.Unlock()
	c, created := &baselinker.Client{}, id <= 0
	if !created {
		if c = s.store.get(id); c == nil {
			return 0, false, &apiError{CodeClientNotFound, fmt.Sprintf("No CRM client with crm_client_id %d; send 0 or omit it to create one.", id)}
		}
	}
	for name, v := range values {
		_ = c.Set(name, v) // validated: ints parse, names are known
	}
	for k, v := range extra {
		if v == "" {
			delete(c.CustomExtraFields, k)
			continue
		}
		if c.CustomExtraFields == nil {
			c.CustomExtraFields = baselinker.ExtraFields{}
		}
		c.CustomExtraFields[k] = v
	}
	if len(c.CustomExtraFields) == 0 {
		c.CustomExtraFields = nil
	}
	if created {
		c = s.store.create(*c)
	}
	s.changes++
	return int64(c.CrmClientID), created, nil
}

// ExtraFieldDefs are the account's custom extra fields the sandbox knows
// (getCrmClientExtraFields): the client type and the contract date the
// seeded clients hold (fields 1 and 3), a discount, an account manager, a
// segment and a consent, as a Polish shop might define them.
func ExtraFieldDefs() []baselinker.ExtraFieldDef {
	return []baselinker.ExtraFieldDef{
		{ID: 1, Name: "Typ klienta", EditorType: "select", Options: []string{"VIP", "B2B", "hurt"}},
		{ID: 3, Name: "Data umowy", EditorType: "date"},
		{ID: 15, Name: "Rabat", EditorType: "number"},
		{ID: 16, Name: "Opiekun", EditorType: "text"},
		{ID: 17, Name: "Segment", EditorType: "select", Options: []string{"A", "B", "C"}},
		{ID: 18, Name: "Zgoda marketingowa", EditorType: "checkbox", Options: []string{"tak"}},
	}
}

func (s *Server) getCrmClientExtraFields(params map[string]json.RawMessage) ([]byte, *apiError) {
	for _, k := range sortedKeys(params) {
		return nil, unknownParam("getCrmClientExtraFields", k)
	}
	type def struct {
		ID         int64    `json:"extra_field_id"`
		Name       string   `json:"name"`
		EditorType string   `json:"editor_type"`
		Options    []string `json:"options,omitempty"`
	}
	out := map[string]def{}
	for _, d := range ExtraFieldDefs() {
		out[fmt.Sprint(d.ID)] = def{d.ID, d.Name, d.EditorType, d.Options}
	}
	b, _ := json.Marshal(struct {
		Status string         `json:"status"`
		Fields map[string]def `json:"extra_fields"`
	}{"SUCCESS", out})
	return b, nil
}

// deleteCrmClient removes a client (orders linked to it would stay).
func (s *Server) deleteCrmClient(params map[string]json.RawMessage) ([]byte, *apiError) {
	id, _, aerr := clientIDParams("deleteCrmClient", "", params)
	if aerr != nil {
		return nil, aerr
	}
	s.data.Lock()
	gone := s.store.remove(id)
	if gone {
		s.changes++
	}
	s.data.Unlock()
	if !gone {
		return nil, &apiError{CodeClientNotFound, fmt.Sprintf("No CRM client with crm_client_id %d.", id)}
	}
	s.mu.Lock()
	s.stats.Deletes++
	s.mu.Unlock()
	return []byte(`{"status":"SUCCESS"}`), nil
}
