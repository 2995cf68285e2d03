package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
)

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkListed fails unless c has exactly the 22 documented listed fields,
// ints as JSON numbers and texts as strings.
func checkListed(t *testing.T, c map[string]any, extra ...string) {
	t.Helper()
	var want []string
	for _, f := range baselinker.ListedFields() {
		want = append(want, f.Name)
		switch v := c[f.Name].(type) {
		case json.Number:
			if f.Kind != baselinker.KindInt {
				t.Errorf("%s is a number (%v), want a string", f.Name, v)
			}
			if _, err := v.Int64(); err != nil {
				t.Errorf("%s = %v is not an integer", f.Name, v)
			}
		case string:
			if f.Kind != baselinker.KindText {
				t.Errorf("%s is a string (%q), want a number", f.Name, v)
			}
		default:
			t.Errorf("%s is %T (%v)", f.Name, v, v)
		}
	}
	if len(want) != 22 {
		t.Fatalf("the field table lists %d fields, the vendor's page 22", len(want))
	}
	want = append(want, extra...)
	sort.Strings(want)
	if got := keys(c); !slices.Equal(got, want) {
		t.Errorf("keys\n got %v\nwant %v", got, want)
	}
}

func TestShapes(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{Clients: 5, Seed: 1})
	for _, c := range clientsOf(t, call(t, u, "getCrmClients", map[string]any{})) {
		checkListed(t, c)
	}
	id := create(t, u, map[string]any{"invoice_fullname": "Jan", "notes": "n", "custom_extra_fields": map[string]any{"7": "x"}})

	data := mustOK(t, call(t, u, "getCrmClientData", map[string]any{"crm_client_id": id}))
	delete(data, "status")
	checkListed(t, data, "notes")
	if data["notes"] != "n" {
		t.Errorf("notes = %v", data["notes"])
	}

	data = mustOK(t, call(t, u, "getCrmClientData", map[string]any{"crm_client_id": id, "include_custom_extra_fields": true}))
	delete(data, "status")
	checkListed(t, data, "notes", "custom_extra_fields")
	if ef, ok := data["custom_extra_fields"].(map[string]any); !ok || ef["7"] != "x" || len(ef) != 1 {
		t.Errorf("custom_extra_fields = %#v, want {\"7\":\"x\"}", data["custom_extra_fields"])
	}

	// No extra fields: PHP encodes the empty array as [].
	id2 := create(t, u, map[string]any{"invoice_fullname": "Bez pól"})
	_, body, err := post(u, token, "getCrmClientData", fmt.Sprintf(`{"crm_client_id":%d,"include_custom_extra_fields":1}`, id2))
	if err != nil || !strings.Contains(string(body), `"custom_extra_fields":[]`) {
		t.Errorf("empty extra fields: %v %s", err, body)
	}

	st := mustOK(t, call(t, u, "getCrmClientStatuses", map[string]any{}))
	list, ok := st["statuses"].([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("statuses = %v", st["statuses"])
	}
	primaries := 0
	for _, s := range list {
		m := s.(map[string]any)
		if got := keys(m); !slices.Equal(got, []string{"color", "group_id", "id", "is_primary", "name"}) {
			t.Errorf("status keys %v", got)
		}
		for _, k := range []string{"id", "group_id", "is_primary"} {
			idOf(t, m[k])
		}
		if _, ok := m["name"].(string); !ok {
			t.Errorf("name is %T", m["name"])
		}
		if c, _ := m["color"].(string); !strings.HasPrefix(c, "#") || len(c) != 7 {
			t.Errorf("color %q is not #RRGGBB", c)
		}
		if idOf(t, m["is_primary"]) == 1 {
			primaries++
		}
	}
	if primaries != 1 {
		t.Errorf("%d primary statuses, want 1", primaries)
	}

	e := call(t, u, "nope", "{}")
	if got := keys(e); !slices.Equal(got, []string{"error_code", "error_message", "status"}) || e["status"] != "ERROR" {
		t.Errorf("error answer %v", e)
	}
}

func TestGolden(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{Clients: 3, Seed: 42})
	_, page, err := post(u, token, "getCrmClients", `{"page":1}`)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "getCrmClients_seed42.json", page)
	_, data, err := post(u, token, "getCrmClientData", `{"crm_client_id":1,"include_custom_extra_fields":true}`)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "getCrmClientData_seed42.json", data)
}

func TestPages(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{Clients: 250, Seed: 3})
	var all []int64
	for page, want := range map[int]int{1: 100, 2: 100, 3: 50, 4: 0, 1000: 0} {
		cs := clientsOf(t, call(t, u, "getCrmClients", map[string]any{"page": page}))
		if len(cs) != want {
			t.Errorf("page %d: %d clients, want %d", page, len(cs), want)
		}
	}
	for page := 1; page <= 3; page++ {
		for _, c := range clientsOf(t, call(t, u, "getCrmClients", map[string]any{"page": page})) {
			all = append(all, idOf(t, c["crm_client_id"]))
		}
	}
	if len(all) != 250 {
		t.Fatalf("%d clients over 3 pages, want 250", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("ids not increasing at %d: %d after %d", i, all[i], all[i-1])
		}
	}
	// page < 1 is page 1; a numeric string is an int, as in PHP.
	first := clientsOf(t, call(t, u, "getCrmClients", map[string]any{}))
	for _, p := range []string{`{"page":0}`, `{"page":-3}`, `{"page":"1"}`, ``, `{"page":"","filter_status_id":"","filter_email":""}`} {
		got := clientsOf(t, call(t, u, "getCrmClients", p))
		if len(got) != 100 || idOf(t, got[0]["crm_client_id"]) != idOf(t, first[0]["crm_client_id"]) {
			t.Errorf("%s: not page 1", p)
		}
	}
}

func TestFilters(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{})
	var ids []int64
	for i, c := range []map[string]any{
		{"email": "Jan.Kowalski@Example.com", "phone": "+48 600 100 200", "login": "jank", "invoice_company": "ŻÓŁĆ Sp. z o.o.",
			"invoice_tax_id": "PL 123-456-32-18", "invoice_fullname": "Jan Łęcki", "status_id": 2},
		{"email": "anna@example.de", "phone": "0049 30 1234567", "login": "anna.mueller", "invoice_company": "Müller GmbH",
			"invoice_tax_id": "DE123456789", "invoice_fullname": "Anna Müller", "status_id": 1},
		{"email": "jiri@example.cz", "phone": "+420 777 100 200", "login": "dvorak", "invoice_company": "Dvořák s.r.o.",
			"invoice_fullname": "Jiří Dvořák", "status_id": 2},
	} {
		_ = i
		ids = append(ids, create(t, u, c))
	}
	for i := 0; i < 8; i++ { // ids 4..11, so that 1 must not match 11
		create(t, u, map[string]any{"login": fmt.Sprintf("x%d", i), "status_id": 12})
	}
	tests := []struct {
		filter string
		value  any
		want   []int64
	}{
		{"filter_crm_client_id", ids[0], []int64{ids[0]}},
		{"filter_crm_client_id", fmt.Sprint(ids[1]), []int64{ids[1]}}, // numeric string
		{"filter_crm_client_id", 999, nil},
		{"filter_status_id", 2, []int64{ids[0], ids[2]}},
		{"filter_status_id", 1, []int64{ids[1]}}, // exact: 12 does not match 1
		{"filter_email", "EXAMPLE.C", []int64{ids[0], ids[2]}},
		{"filter_email", "kowalski@", []int64{ids[0]}},
		{"filter_phone", "100 200", []int64{ids[0], ids[2]}},
		{"filter_phone", "0049", []int64{ids[1]}},
		{"filter_login", "MUELL", []int64{ids[1]}},
		{"filter_invoice_company", "żółć", []int64{ids[0]}},
		{"filter_invoice_company", "MÜLLER", []int64{ids[1]}},
		{"filter_invoice_company", "s.r.o", []int64{ids[2]}},
		{"filter_invoice_tax_id", "4563218", []int64{ids[0]}}, // stored without spaces and dashes
		{"filter_invoice_tax_id", "de1234", []int64{ids[1]}},
		{"filter_invoice_fullname", "łĘck", []int64{ids[0]}},
		{"filter_invoice_fullname", "DVOŘ", []int64{ids[2]}},
		{"filter_invoice_fullname", "nobody", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s=%v", tt.filter, tt.value), func(t *testing.T) {
			var got []int64
			for _, c := range clientsOf(t, call(t, u, "getCrmClients", map[string]any{tt.filter: tt.value})) {
				checkListed(t, c)
				got = append(got, idOf(t, c["crm_client_id"]))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Filters combine (AND).
	got := clientsOf(t, call(t, u, "getCrmClients", map[string]any{"filter_status_id": 2, "filter_email": ".cz"}))
	if len(got) != 1 || idOf(t, got[0]["crm_client_id"]) != ids[2] {
		t.Errorf("combined filters: %v", got)
	}
}

func TestFilteredPages(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{Clients: 600, Seed: 9})
	want := 0
	for _, c := range s.Clients() {
		if c.StatusID == 2 {
			want++
		}
	}
	got := 0
	for page := 1; ; page++ {
		cs := clientsOf(t, call(t, u, "getCrmClients", map[string]any{"page": page, "filter_status_id": 2}))
		got += len(cs)
		if len(cs) < 100 {
			break
		}
	}
	if got != want || want < 101 {
		t.Errorf("filtered walk found %d clients of status 2, want %d (> 100 to span pages)", got, want)
	}
}

func errCode(t *testing.T, m map[string]any) string {
	t.Helper()
	if m["status"] != "ERROR" {
		t.Fatalf("want ERROR, got %v", m)
	}
	msg, _ := m["error_message"].(string)
	if msg == "" && m["error_code"] != sandbox.CodeParseJSON { // the live API's habit: sometimes empty
		t.Errorf("empty error_message in %v", m)
	}
	if strings.Contains(msg, token) {
		t.Errorf("the token appears in %q", msg)
	}
	return m["error_code"].(string)
}

func TestAddCrmClient(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{})
	id := create(t, u, map[string]any{"invoice_fullname": "Zofia Wójcik", "email": "z@example.pl", "star": "3",
		"invoice_tax_id": " 123-456 32 18 ", "invoice_postcode": "00-950", "notes": "pierwsza\ndruga",
		"invoice_country_code": "PL"})
	c, ok := s.Client(id)
	if !ok || c.InvoiceFullname != "Zofia Wójcik" || c.Star != 3 || c.InvoiceTaxID != "1234563218" ||
		c.InvoicePostcode != "00-950" || c.Notes != "pierwsza\ndruga" {
		t.Fatalf("created %+v", c)
	}
	id2 := create(t, u, map[string]any{"crm_client_id": 0, "login": "second"})
	if id2 <= id {
		t.Errorf("new id %d not after %d", id2, id)
	}

	// Update changes only the fields sent; "" clears a field.
	if got := create(t, u, map[string]any{"crm_client_id": id, "email": "", "phone": "+48 600 000 000"}); got != id {
		t.Fatalf("update answered id %d, want %d", got, id)
	}
	c, _ = s.Client(id)
	if c.Email != "" || c.Phone != "+48 600 000 000" || c.InvoiceFullname != "Zofia Wójcik" || c.Star != 3 || c.Notes == "" {
		t.Errorf("after update %+v", c)
	}
	if st := s.Stats(); st.Creates != 2 || st.Updates != 1 {
		t.Errorf("stats creates %d updates %d", st.Creates, st.Updates)
	}

	before := s.Clients()
	refusals := []struct {
		name   string
		params string
		code   string
		inMsg  string
	}{
		{"unknown id", `{"crm_client_id":999,"login":"x"}`, sandbox.CodeClientNotFound, "999"},
		{"postcode 21 characters", `{"invoice_postcode":"` + strings.Repeat("ł", 21) + `"}`, sandbox.CodeInvalidValue, "invoice_postcode"},
		{"UK", `{"delivery_country_code":"UK"}`, sandbox.CodeInvalidValue, "delivery_country_code"},
		{"star 6", `{"crm_client_id":1,"star":6}`, sandbox.CodeInvalidValue, "star"},
		{"star text", `{"star":"lots"}`, sandbox.CodeInvalidValue, "star"},
		{"star float", `{"star":2.5}`, sandbox.CodeInvalidValue, "star"},
		{"star bool", `{"star":true}`, sandbox.CodeParameterType, "star"},
		{"login object", `{"login":{"a":1}}`, sandbox.CodeParameterType, "login"},
		{"login null", `{"login":null}`, sandbox.CodeParameterType, "login"},
		{"email 221", `{"email":"` + strings.Repeat("a", 209) + `@example.com"}`, sandbox.CodeInvalidValue, "email"},
		{"negative contractor", `{"contractor_id":-1}`, sandbox.CodeInvalidValue, "contractor_id"},
		{"unknown field", `{"emial":"x"}`, sandbox.CodeUnknownParameter, "emial"},
		{"bad extra id", `{"custom_extra_fields":{"abc":"x"}}`, sandbox.CodeInvalidValue, "custom_extra_fields[abc]"},
		{"extra not object", `{"custom_extra_fields":"x"}`, sandbox.CodeParameterType, "custom_extra_fields"},
		{"file title 41", `{"custom_extra_fields":{"5":{"title":"` + strings.Repeat("ą", 41) + `","file":"data:AAAA"}}}`, sandbox.CodeInvalidValue, "title"},
		{"one good one bad", `{"crm_client_id":1,"login":"changed","star":9}`, sandbox.CodeInvalidValue, "star"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			m := call(t, u, "addCrmClient", tt.params)
			if code := errCode(t, m); code != tt.code {
				t.Errorf("code %s, want %s (%v)", code, tt.code, m["error_message"])
			}
			if msg := m["error_message"].(string); !strings.Contains(msg, tt.inMsg) {
				t.Errorf("message %q does not name %q", msg, tt.inMsg)
			}
		})
	}
	if after := s.Clients(); !slices.EqualFunc(before, after, func(a, b baselinker.Client) bool {
		return fmt.Sprint(a) == fmt.Sprint(b)
	}) {
		t.Errorf("a refused request changed the store")
	}

	// Limits are characters, not bytes: 20 × "ł" (40 bytes) is a valid postcode.
	okID := create(t, u, map[string]any{"invoice_postcode": strings.Repeat("ł", 20), "delivery_country_code": "GB", "star": "5"})
	if c, _ := s.Client(okID); c.InvoicePostcode != strings.Repeat("ł", 20) || c.Star != 5 {
		t.Errorf("stored %+v", c)
	}
}

func TestExtraFields(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{})
	file := map[string]any{"title": "umowa.pdf", "file": "data:JVBERi0xLjQK"}
	id := create(t, u, map[string]any{"custom_extra_fields": map[string]any{"1": "VIP", "2": "B2B", "15": file}})
	c, _ := s.Client(id)
	if len(c.CustomExtraFields) != 3 || c.CustomExtraFields["1"] != "VIP" ||
		c.CustomExtraFields["15"] != `{"file":"data:JVBERi0xLjQK","title":"umowa.pdf"}` && c.CustomExtraFields["15"] != `{"title":"umowa.pdf","file":"data:JVBERi0xLjQK"}` {
		t.Fatalf("extra fields %#v", c.CustomExtraFields)
	}
	// "" removes a field, others are set, unsent ones stay.
	create(t, u, map[string]any{"crm_client_id": id, "custom_extra_fields": map[string]any{"1": "", "3": "nowe"}})
	c, _ = s.Client(id)
	if _, has := c.CustomExtraFields["1"]; has || c.CustomExtraFields["2"] != "B2B" || c.CustomExtraFields["3"] != "nowe" || len(c.CustomExtraFields) != 3 {
		t.Errorf("after update %#v", c.CustomExtraFields)
	}
	// An empty list, as PHP sends an empty array, changes nothing.
	create(t, u, `{"crm_client_id":`+fmt.Sprint(id)+`,"custom_extra_fields":[]}`)
	data := mustOK(t, call(t, u, "getCrmClientData", map[string]any{"crm_client_id": id, "include_custom_extra_fields": "1"}))
	ef := data["custom_extra_fields"].(map[string]any)
	if len(ef) != 3 || ef["3"] != "nowe" {
		t.Errorf("getCrmClientData extra fields %v", ef)
	}
}

func TestAuth(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{Limit: 1, Clients: 1})
	for _, tt := range []struct{ tok, code string }{{"", sandbox.CodeEmptyToken}, {"wrong-token", sandbox.CodeBadToken}} {
		for range 3 {
			code, body, err := post(u, tt.tok, "getCrmClients", "{}")
			if err != nil || code != http.StatusOK {
				t.Fatalf("HTTP %d %v", code, err)
			}
			if got := errCode(t, decode(t, body)); got != tt.code {
				t.Errorf("token %q: %s, want %s", tt.tok, got, tt.code)
			}
			if strings.Contains(string(body), "wrong-token") {
				t.Errorf("the sent token is echoed: %s", body)
			}
		}
	}
	// Six auth failures did not use up the limit of 1.
	mustOK(t, call(t, u, "getCrmClients", "{}"))
	if st := s.Stats(); st.AuthFailures != 6 || st.Requests != 1 || st.Blocked != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRequestErrors(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{Clients: 1})
	tests := []struct{ method, params, code string }{
		{"", "{}", sandbox.CodeUnknownMethod},
		{"getOrders", "{}", sandbox.CodeUnknownMethod},
		{"getCrmClients", "{", sandbox.CodeParseJSON},
		{"getCrmClients", "[1]", sandbox.CodeParseJSON},
		{"getCrmClients", `"page"`, sandbox.CodeParseJSON},
		{"getCrmClients", "null", sandbox.CodeParseJSON},
		{"getCrmClients", `{"page":1} {"page":2}`, sandbox.CodeParseJSON},
		{"getCrmClients", `{"page":"two"}`, sandbox.CodeParameterType},
		{"getCrmClients", `{"page":[1]}`, sandbox.CodeParameterType},
		{"getCrmClients", `{"filter_email":{"a":1}}`, sandbox.CodeParameterType},
		{"getCrmClients", `{"filter_status_id":"x"}`, sandbox.CodeParameterType},
		{"getCrmClients", `{"filter_notes":"x"}`, sandbox.CodeUnknownParameter},
		{"getCrmClientData", `{}`, sandbox.CodeMissingParameter},
		{"getCrmClientData", `{"crm_client_id":"x"}`, sandbox.CodeParameterType},
		{"getCrmClientData", `{"crm_client_id":424242}`, sandbox.CodeClientNotFound},
		{"getCrmClientData", `{"crm_client_id":1,"include_custom_extra_fields":"maybe"}`, sandbox.CodeParameterType},
		{"getCrmClientStatuses", `{"x":1}`, sandbox.CodeUnknownParameter},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.params, func(t *testing.T) {
			if got := errCode(t, call(t, u, tt.method, tt.params)); got != tt.code {
				t.Errorf("code %s, want %s", got, tt.code)
			}
		})
	}
	// Not a POST.
	req, _ := http.NewRequest(http.MethodGet, u+"?method=getCrmClients", nil)
	req.Header.Set("X-BLToken", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m["error_code"] != sandbox.CodeBadRequest {
		t.Errorf("GET: %v %v", m, err)
	}
}

func TestHugePageWithFilter(t *testing.T) {
	_, u := newSandbox(t, sandbox.Config{Clients: 10, Seed: 1})
	for _, p := range []string{`{"page":9223372036854775807,"filter_status_id":1}`, `{"page":92233720368547759,"filter_email":"e"}`} {
		if cs := clientsOf(t, call(t, u, "getCrmClients", p)); len(cs) != 0 {
			t.Errorf("%s: %d clients, want none", p, len(cs))
		}
	}
}

// TestExtraFieldsAndDelete: getCrmClientExtraFields lists the account's
// extra fields; deleteCrmClient removes a client (getCrmClientData and the
// list then miss it) and answers not found for an unknown one.
func TestExtraFieldsAndDelete(t *testing.T) {
	s, u := newSandbox(t, sandbox.Config{Seed: 2, Clients: 5})
	api, err := baselinker.New(u, baselinker.Token(token), baselinker.WithLimiter(pacer.New(10000)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	defs, err := api.GetCrmClientExtraFields(ctx)
	if err != nil || len(defs) != len(sandbox.ExtraFieldDefs()) || defs[0].ID != 1 || defs[2].ID != 15 || defs[2].Name != "Rabat" || defs[4].Options[1] != "B" {
		t.Fatalf("extra fields %+v, %v", defs, err)
	}
	id := int64(s.Clients()[2].CrmClientID)
	if err := api.DeleteCrmClient(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetCrmClientData(ctx, id, false); !baselinker.IsNotFound(err) {
		t.Errorf("the deleted client's data: %v, want not found", err)
	}
	if len(s.Clients()) != 4 || s.Stats().Deletes != 1 {
		t.Errorf("%d clients, %d deletes after one delete", len(s.Clients()), s.Stats().Deletes)
	}
	if err := api.DeleteCrmClient(ctx, id); !baselinker.IsNotFound(err) {
		t.Errorf("deleting it again: %v, want not found", err)
	}
}

// TestListExtraFields: the list takes include_custom_extra_fields only with
// the ListExtraFields switch, and then lists each client's extra fields
// exactly as getCrmClientData does.
func TestListExtraFields(t *testing.T) {
	ask := map[string]any{"page": 1, "include_custom_extra_fields": true}
	t.Run("off: refused as unknown", func(t *testing.T) {
		_, u := newSandbox(t, sandbox.Config{Seed: 3, Clients: 40})
		m := call(t, u, "getCrmClients", ask)
		if m["status"] != "ERROR" || m["error_code"] != sandbox.CodeUnknownParameter {
			t.Errorf("got %v, want %s", m, sandbox.CodeUnknownParameter)
		}
	})
	t.Run("on: every client carries its extra fields", func(t *testing.T) {
		s, u := newSandbox(t, sandbox.Config{Seed: 3, Clients: 40, ListExtraFields: true})
		withExtra := 0
		for _, c := range clientsOf(t, call(t, u, "getCrmClients", ask)) {
			checkListed(t, c, "custom_extra_fields")
			id, _ := c["crm_client_id"].(json.Number).Int64()
			want, _ := s.Client(id)
			got := map[string]string{}
			switch ef := c["custom_extra_fields"].(type) {
			case map[string]any:
				for k, v := range ef {
					got[k] = v.(string)
				}
			case []any: // PHP's empty array
				if len(ef) != 0 {
					t.Errorf("client %d: custom_extra_fields %v", id, ef)
				}
			default:
				t.Errorf("client %d: custom_extra_fields is %T", id, ef)
			}
			if fmt.Sprint(got) != fmt.Sprint(map[string]string(want.CustomExtraFields)) && len(got)+len(want.CustomExtraFields) > 0 {
				t.Errorf("client %d: listed %v, holds %v", id, got, want.CustomExtraFields)
			}
			if len(got) > 0 {
				withExtra++
			}
		}
		if withExtra == 0 {
			t.Error("no seeded client has an extra field; the test proves nothing")
		}
		// Asked false or not at all, the list is as before.
		for _, c := range clientsOf(t, call(t, u, "getCrmClients", map[string]any{"include_custom_extra_fields": false})) {
			checkListed(t, c)
		}
		if m := call(t, u, "getCrmClients", map[string]any{"include_custom_extra_fields": "maybe"}); m["error_code"] != sandbox.CodeParameterType {
			t.Errorf("a non-bool: %v", m)
		}
	})
}

// TestCommitAfter: with CommitAfter a create is applied that long after it
// arrives, also when its client gave up before the answer.
func TestCommitAfter(t *testing.T) {
	srv, url := newSandbox(t, sandbox.Config{CommitAfter: 300 * time.Millisecond})
	form := "method=addCrmClient&parameters=" + `{"email":"late@example.com"}`
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(strings.ReplaceAll(form, `"`, "%22")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-BLToken", token)
	c := &http.Client{Timeout: 50 * time.Millisecond} // gone long before the commit
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("answered before CommitAfter")
	}
	if n := srv.Stats().Creates; n != 0 {
		t.Fatalf("%d creates applied before CommitAfter", n)
	}
	time.Sleep(400 * time.Millisecond)
	if n := srv.Stats().Creates; n != 1 {
		t.Fatalf("%d creates applied after CommitAfter, want 1 (the client's leaving must not cancel it)", n)
	}
}
