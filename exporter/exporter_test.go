package exporter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

func TestExportEveryClientOnce(t *testing.T) {
	tests := []struct {
		clients   int
		file      string
		wantPages int // pages read, the recheck included
	}{
		{250, "c.csv", 4},
		{250, "c.xlsx", 4},
		{200, "c.csv", 4}, // 100, 100, 0, recheck
		{200, "c.xlsx", 4},
		{100, "c.csv", 3},
		{37, "c.xlsx", 2},
		{0, "c.csv", 2},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+itoa(tt.clients), func(t *testing.T) {
			t.Parallel()
			s, url := sandboxtest.New(t, sandbox.Config{Clients: tt.clients, Seed: 7})
			path := tmpOut(t, tt.file)
			api := newAPI(t, url, 0, 0, "")
			sum, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{}))
			if err != nil {
				t.Fatal(err)
			}
			h, rows := readBack(t, path)
			want := header(expand(mustCols(t, nil, false, false), nil, nil))
			if tt.clients == 0 {
				b, _ := os.ReadFile(path)
				if got := strings.TrimSpace(string(b)); got != strings.Join(want, ",") {
					t.Errorf("empty export holds %q, want the header alone", got)
				}
				h = want
			}
			if !slices.Equal(h, want) {
				t.Errorf("header %q, want %q", h, want)
			}
			checkRows(t, h, rows, asRead(path, s.Clients()), nil)
			if sum.Clients != tt.clients || sum.Pages != tt.wantPages || sum.Duplicates != 0 || sum.Changed {
				t.Errorf("summary %+v, want %d clients, %d pages, no duplicates, unchanged", sum, tt.clients, tt.wantPages)
			}
			// Reading ahead may cost a few requests beyond the last page, never more than the bound.
			if got := s.Stats().ByMethod["getCrmClients"]; got < tt.wantPages || got > tt.wantPages+3 {
				t.Errorf("getCrmClients requests %d, want %d..%d", got, tt.wantPages, tt.wantPages+3)
			}
			// A read-ahead request cancelled in flight may be counted on one side only.
			if d := int64(s.Stats().Requests) - sum.Requests; d < -3 || d > 3 {
				t.Errorf("summary says %d requests, the sandbox saw %d", sum.Requests, s.Stats().Requests)
			}
		})
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func mustCols(t testing.TB, names []string, details, statuses bool) []column {
	t.Helper()
	c, err := resolveColumns(names, needs{notes: details, extras: details, statuses: statuses})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// trickyClients are values a spreadsheet likes to mangle.
func trickyClients() []map[string]string {
	long := strings.Repeat("żółć", 125) // 500 characters, 1000+ bytes
	return []map[string]string{
		{"invoice_postcode": "00-950", "phone": "0048123456789", "login": "007", "email": "a@b.pl"},
		{"login": "1e5", "invoice_city": "TRUE", "invoice_state": "2024-01-02", "phone": "+48 600 100 200"},
		{"login": "=SUM(A1:A9)", "invoice_company": "@cmd", "invoice_fullname": "-5", "delivery_city": "'=quoted"},
		{"invoice_address": "ul. Długa 1\nm. 5\r\nklatka B", "delivery_address": "\ttab first", "invoice_tax_id": "PL5260250274"},
		{"invoice_company": long, "invoice_fullname": long, "delivery_address": long, "invoice_city": "Łódź"},
		{"login": "  padded  ", "delivery_postcode": "01067", "invoice_country_code": "DE", "star": "5"},
		{"invoice_fullname": "\"quoted\", with comma; and semicolon", "delivery_fullname": "Dvořák 'Ž'"},
	}
}

func TestTrickyValuesSurvive(t *testing.T) {
	for _, file := range []string{"t.csv", "t.xlsx"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			s, url := sandboxtest.New(t, sandbox.Config{})
			api := newAPI(t, url, 0, 0, "")
			for i, v := range trickyClients() {
				if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: v}); err != nil {
					t.Fatalf("seeding tricky client %d: %v", i, err)
				}
			}
			path := tmpOut(t, file)
			if _, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{})); err != nil {
				t.Fatal(err)
			}
			h, rows := readBack(t, path)
			checkRows(t, h, rows, asRead(path, s.Clients()), nil)
		})
	}
}

func TestFilters(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 300, Seed: 3})
	all := s.Clients()
	target := all[123]
	var f baselinker.Filters
	if err := f.Set("status_id", itoa(int(target.StatusID))); err != nil {
		t.Fatal(err)
	}
	var want []baselinker.Client
	for _, c := range all {
		if c.StatusID == target.StatusID {
			want = append(want, c)
		}
	}
	path := tmpOut(t, "f.csv")
	api := newAPI(t, url, 0, 0, "")
	sum, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Filters: f}))
	if err != nil {
		t.Fatal(err)
	}
	h, rows := readBack(t, path)
	checkRows(t, h, rows, asRead(path, want), nil)
	if sum.Clients != len(want) || len(want) == 0 || len(want) == len(all) {
		t.Errorf("filtered export wrote %d clients, want %d of %d", sum.Clients, len(want), len(all))
	}

	var byID baselinker.Filters
	if err := byID.Set("crm_client_id", itoa(int(target.CrmClientID))); err != nil {
		t.Fatal(err)
	}
	path = tmpOut(t, "one.xlsx")
	if _, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Filters: byID})); err != nil {
		t.Fatal(err)
	}
	h, rows = readBack(t, path)
	checkRows(t, h, rows, []baselinker.Client{target}, nil)
}

func TestDetailsAndStatusNames(t *testing.T) {
	for _, file := range []string{"d.csv", "d.xlsx"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			s, url := sandboxtest.New(t, sandbox.Config{Clients: 130, Seed: 11})
			path := tmpOut(t, file)
			api := newAPI(t, url, 0, 0, "")
			sum, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Notes: true, ExtraFields: true, StatusNames: true}))
			if err != nil {
				t.Fatal(err)
			}
			h, rows := readBack(t, path)
			all := s.Clients()
			checkRows(t, h, rows, asRead(path, all), statusNames(s))
			if h[2] != StatusNameColumn || !slices.Contains(h, "notes") {
				t.Errorf("header %q lacks status_name after status_id or notes", h)
			}
			// One column per extra field the account defines or a client
			// holds, ascending, headed with the field's name.
			ids := map[string]bool{}
			for _, d := range sandbox.ExtraFieldDefs() {
				ids[strconv.FormatInt(d.ID, 10)] = true
				if !slices.Contains(h, baselinker.ExtraColumn(strconv.FormatInt(d.ID, 10), d.Name)) {
					t.Errorf("no column headed %q: %q", baselinker.ExtraColumn(strconv.FormatInt(d.ID, 10), d.Name), h)
				}
			}
			for _, c := range all {
				for k := range c.CustomExtraFields {
					ids[k] = true
				}
			}
			var wantExtra []string
			for k := range ids {
				wantExtra = append(wantExtra, k)
			}
			slices.SortFunc(wantExtra, baselinker.CompareExtraIDs)
			var gotExtra []string
			for _, name := range h {
				if id, ok := baselinker.ParseExtraColumn(name); ok {
					gotExtra = append(gotExtra, id)
				}
			}
			if len(wantExtra) == 0 || !slices.Equal(gotExtra, wantExtra) {
				t.Errorf("extra columns %q, want %q", gotExtra, wantExtra)
			}
			st := s.Stats()
			if st.ByMethod["getCrmClientData"] != 130 || st.ByMethod["getCrmClientStatuses"] != 1 {
				t.Errorf("requests by method %v, want 130 getCrmClientData and 1 getCrmClientStatuses", st.ByMethod)
			}
			if sum.Clients != 130 {
				t.Errorf("summary %+v", sum)
			}
		})
	}
}

func TestColumnsSelectAndOrder(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 40, Seed: 5})
	path := tmpOut(t, "cols.csv")
	cols := []string{"email", "crm_client_id", "status_name", "invoice_postcode"}
	api := newAPI(t, url, 0, 0, "")
	_, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Columns: cols}))
	if err != nil {
		t.Fatal(err)
	}
	h, rows := readBack(t, path)
	if !slices.Equal(h, cols) {
		t.Errorf("header %q, want %q", h, cols)
	}
	checkRows(t, h, rows, asRead(path, s.Clients()), statusNames(s))
	if n := s.Stats().ByMethod["getCrmClientData"]; n != 0 {
		t.Errorf("%d getCrmClientData requests for columns that do not need them", n)
	}
}

func TestColumnErrors(t *testing.T) {
	tests := []struct {
		cols    []string
		details bool
		want    string
	}{
		{[]string{"emial"}, false, `did you mean "email"`},
		{[]string{"invoice_postocde"}, false, `did you mean "invoice_postcode"`},
		{[]string{"email", "EMAIL"}, false, "listed twice"},
		{[]string{"notes"}, false, "needs --notes (or --with-details)"},
		{[]string{"extra_15"}, false, "needs --extra-fields (or --with-details)"},
		{[]string{"extra_015"}, true, "without leading zeros"},
		{[]string{"custom_extra_fields"}, true, "extra_<ID>"},
		{[]string{" ", ""}, false, "is empty"},
		{[]string{"zzzzzzzzzz"}, false, "valid columns: crm_client_id"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.cols, ","), func(t *testing.T) {
			_, err := New(nil, Config{Columns: tt.cols, Notes: tt.details, ExtraFields: tt.details})
			if !errors.Is(err, ErrColumn) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrColumn containing %q", err, tt.want)
			}
		})
	}
}

func TestFatalTokenLeavesOldFile(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Clients: 250})
	path := tmpOut(t, "old.xlsx")
	if err := os.WriteFile(path, []byte("previous export"), 0o600); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, url, 0, 0, "wrong-token-3000011-3000012-XY")
	_, err := exportTo(t, api, OutputOptions{Path: path, Force: true}, capsConfig(api, Config{}))
	if !errors.Is(err, ErrFatal) {
		t.Fatalf("error %v, want ErrFatal", err)
	}
	if strings.Contains(err.Error(), "wrong-token-3000011-3000012-XY") {
		t.Errorf("the token leaked into the error: %v", err)
	}
	if got := api.Stats().Requests; got != 1 {
		t.Errorf("%d requests after a fatal answer, want 1 (stop at once)", got)
	}
	assertOnlyFile(t, path, "previous export")
}

// TestFailureMidWayLeavesOldFile: an export that fails mid-way leaves the
// previous file as it was and nothing beside it, in every format of the
// table.
func TestFailureMidWayLeavesOldFile(t *testing.T) {
	for _, ext := range FormatExts() {
		t.Run(ext, func(t *testing.T) {
			t.Parallel()
			failMidWay(t, tmpOut(t, "old"+ext))
		})
	}
}

func failMidWay(t *testing.T, path string) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 450, Seed: 1, Faults: []sandbox.Fault{sandbox.FaultHTTP500}})
	if err := os.WriteFile(path, []byte("previous export"), 0o600); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, url, 0, 0, "")
	e, err := New(api, capsConfig(api, Config{Ahead: 1, PageHook: func(page int) {
		if page == 2 {
			s.SetFaultRate(1) // every later request fails, beyond the client's retries
		}
	}}))
	if err != nil {
		t.Fatal(err)
	}
	out, err := OpenOutput(OutputOptions{Path: path, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.Run(context.Background(), out.Opener())
	if err == nil {
		t.Fatal("the export succeeded with every request failing")
	}
	if !strings.Contains(err.Error(), "page 3") {
		t.Errorf("error %q does not name the page", err)
	}
	if err := out.Abort(); err != nil {
		t.Fatal(err)
	}
	if sum.Clients != 200 {
		t.Errorf("wrote %d clients before failing, want 200", sum.Clients)
	}
	assertOnlyFile(t, path, "previous export")
}

// assertOnlyFile checks path still holds want and nothing but its lock file
// is left beside it.
func assertOnlyFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want {
		t.Errorf("%s now holds %q (%v), want the previous %q", path, b, err, want)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		if n := e.Name(); n != filepath.Base(path) && n != "."+filepath.Base(path)+".lock" {
			t.Errorf("left behind: %s", n)
		}
	}
}

func TestRateLimitedWalkStaysUnderTheLimit(t *testing.T) {
	// The limiter counts starts, the sandbox arrivals; on a loaded CI machine
	// (-race, two cores) the gap between the two can reach a few hundred ms,
	// so the scaled window is 2 s and the limiter's margin (window/5) 400 ms.
	const limit, window = 5, 2 * time.Second
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 650, Seed: 2, Limit: limit, Window: window, BlockFor: time.Second})
	path := tmpOut(t, "r.csv")
	api := newAPI(t, url, limit, window, "")
	sum, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Ahead: 4}))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.MaxInWindow(window); got > limit {
		t.Errorf("%d requests in one window, limit %d", got, limit)
	}
	if st := s.Stats(); st.Blocked != 0 {
		t.Errorf("%d blocked answers", st.Blocked)
	}
	if sum.Clients != 650 {
		t.Errorf("summary %+v", sum)
	}
}

// TestColumnsDecideTheRequests: with an explicit column list, neither the
// details nor the statuses are requested for columns nobody asked for.
func TestColumnsDecideTheRequests(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 5, Seed: 12})
	path := tmpOut(t, "c.csv")
	api := newAPI(t, url, 0, 0, "")
	if _, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{
		Columns: []string{"crm_client_id", "email"}, Notes: true, ExtraFields: true, StatusNames: true})); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if n := st.ByMethod["getCrmClientStatuses"] + st.ByMethod["getCrmClientData"]; n != 0 {
		t.Errorf("%d status or details requests for columns crm_client_id,email: %v", n, st.ByMethod)
	}
}
