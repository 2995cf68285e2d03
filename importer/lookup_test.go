package importer

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/mapping"
)

// pagedAPI answers getCrmClients with the pages of a filter's partial
// matches; a page of nil is a short (last) page.
type pagedAPI struct {
	API                                               // nothing else is asked
	page  func(page int) ([]baselinker.Client, error) //
	asked []int
}

func (a *pagedAPI) GetCrmClients(_ context.Context, page int, _ baselinker.Filters) ([]baselinker.Client, error) {
	a.asked = append(a.asked, page)
	return a.page(page)
}

// partial is a page of n clients whose emails only contain the row's
// (ids from..from+n-1).
func partial(from, n int) []baselinker.Client {
	cs := make([]baselinker.Client, n)
	for i := range cs {
		cs[i] = baselinker.Client{CrmClientID: baselinker.Int(from + i), Email: fmt.Sprintf("x%d.ann@example.com", from+i)}
	}
	return cs
}

// TestLookupPages: a lost create's look-up reads the pages of its
// partial-match filter until the client it sought shows up or the pages
// end (baselinker.FindClients): found on a later page, two fits named, a
// failed page asked again; more than MaxFindPages full pages stop it in
// the words the report has always said, and pages that do not page stop
// it at the second page (it read 20 pages of the same clients before).
func TestLookupPages(t *testing.T) {
	ann := baselinker.Client{CrmClientID: 7, Email: "Ann@Example.com"}
	flaky := 0
	for _, tc := range []struct {
		name    string
		page    func(int) ([]baselinker.Client, error)
		wantID  int64
		wantErr string
		is      error
		asked   int // getCrmClients requests
	}{
		{"on the third page", func(p int) ([]baselinker.Client, error) {
			if p < 3 {
				return partial(100*p, baselinker.PageSize), nil
			}
			return append(partial(1000, 3), ann), nil
		}, 7, "", nil, 3},
		{"not there", func(p int) ([]baselinker.Client, error) { return partial(1, 4), nil }, 0, "", nil, 1},
		{"two fit", func(p int) ([]baselinker.Client, error) {
			return []baselinker.Client{ann, {CrmClientID: 9, Email: "ann@example.com"}}, nil
		}, 0, "2 clients fit (crm_client_id 7, 9), cannot tell which one this row made", nil, 1},
		{"a failed page is asked again", func(p int) ([]baselinker.Client, error) {
			if flaky++; flaky == 1 {
				return nil, &baselinker.TransportError{Method: "getCrmClients", Cause: errors.New("connection reset")}
			}
			return []baselinker.Client{ann}, nil
		}, 7, "", nil, 2},
		{"more pages than it reads", func(p int) ([]baselinker.Client, error) {
			return partial(1000*p, baselinker.PageSize), nil
		}, 0, fmt.Sprintf("look-up by email: more than %d pages of partial matches", baselinker.MaxFindPages), baselinker.ErrTooManyMatches, baselinker.MaxFindPages},
		{"pages that do not page", func(p int) ([]baselinker.Client, error) {
			return partial(1, baselinker.PageSize), nil
		}, 0, "look-up by email: the API is not paging: page 2 of the filter's matches repeats the clients of earlier pages", baselinker.ErrNotPaging, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &pagedAPI{page: tc.page}
			r := &run{api: api, sendCtx: context.Background()}
			it := &item{num: 2, keys: []rowKey{{"email", "ann@example.com"}},
				res: mapping.Result{Values: []mapping.Value{{Field: "email", Text: "ann@example.com"}}}}
			c, err := r.lookup(it)
			switch {
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Errorf("error %v, want %q", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("error %v is not %v", err, tc.is)
			}
			var id int64
			if c != nil {
				id = int64(c.CrmClientID)
			}
			if id != tc.wantID || len(api.asked) != tc.asked {
				t.Errorf("found client %d after %d requests, want %d after %d", id, len(api.asked), tc.wantID, tc.asked)
			}
		})
	}
}
