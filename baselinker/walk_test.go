package baselinker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// pageOf returns a full or partial page of clients with ids from..from+n-1.
func pageOf(from, n int) []Client {
	cs := make([]Client, n)
	for i := range cs {
		cs[i].CrmClientID = Int(from + i)
	}
	return cs
}

// TestWalkEnds: every walk ends — on a short page as always, and on pages
// that do not page or never end, with a *WalkError naming why, before
// visit sees the page that gave it away; an account that shifts a few
// clients while it is read still walks to the end.
func TestWalkEnds(t *testing.T) {
	for _, tc := range []struct {
		name      string
		list      ListFunc
		max       int
		wantErr   error
		wantPages int // pages visited
	}{
		{name: "a paging API ends on its short page", list: func(_ context.Context, p int) ([]Client, error) {
			if p == 4 {
				return pageOf(301, 7), nil
			}
			return pageOf((p-1)*100+1, 100), nil
		}, wantPages: 4},
		{name: "an API that ignores page", list: func(context.Context, int) ([]Client, error) {
			return pageOf(1, 100), nil
		}, wantErr: ErrNotPaging, wantPages: 1},
		{name: "pages that repeat 99 clients and add one", list: func(_ context.Context, p int) ([]Client, error) {
			return append(pageOf(1, 99), pageOf(1000+p, 1)...), nil
		}, wantErr: ErrNotPaging, wantPages: 1},
		{name: "an account that shifts by 3 clients a page still ends", list: func(_ context.Context, p int) ([]Client, error) {
			from := (p-1)*97 + 1
			if p == 30 {
				return pageOf(from, 40), nil
			}
			return pageOf(from, 100), nil
		}, wantPages: 30},
		{name: "pages that never end stop at the bound", list: func(_ context.Context, p int) ([]Client, error) {
			return pageOf((p-1)*100+1, 100), nil
		}, max: 1000, wantErr: ErrTooManyClients, wantPages: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			visited := 0
			_, _, err := WalkPages(context.Background(), tc.list, 3, nil, func(int, []Client, []bool) error {
				visited++
				return nil
			}, tc.max)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var we *WalkError
			if err != nil && (!errors.As(err, &we) || we.Page != visited+1) {
				t.Errorf("err %v: want a *WalkError at page %d", err, visited+1)
			}
			if visited != tc.wantPages {
				t.Errorf("visited %d pages, want %d", visited, tc.wantPages)
			}
		})
	}
}

// TestFindClients: a look-up reads the pages of its filter until it has found
// enough clients or the list ends — the client sought may be on any page
// of a partial match — and stops at MaxFindPages full pages, at pages that
// do not page, and at a failed page.
func TestFindClients(t *testing.T) {
	pages := func(n, last int) ListFunc { // n full pages, then one of last
		return func(_ context.Context, p int) ([]Client, error) {
			if p > n {
				return pageOf(n*100+1, last), nil
			}
			return pageOf((p-1)*100+1, 100), nil
		}
	}
	failed := errors.New("cut")
	for _, tc := range []struct {
		name      string
		list      ListFunc
		ids       []int // the clients that match
		enough    int
		wantIDs   []int
		wantPages int
		wantErr   error
	}{
		{name: "one page", list: pages(0, 40), ids: []int{7}, enough: 1, wantIDs: []int{7}, wantPages: 1},
		{name: "the match on page 3", list: pages(4, 10), ids: []int{250}, enough: 1, wantIDs: []int{250}, wantPages: 3},
		{name: "every match, to the end", list: pages(2, 10), ids: []int{3, 150, 205}, wantIDs: []int{3, 150, 205}, wantPages: 3},
		{name: "no match", list: pages(1, 0), ids: nil, enough: 1, wantPages: 2},
		{name: "more pages than the bound", list: pages(1000, 0), ids: []int{-1}, enough: 1, wantPages: MaxFindPages, wantErr: ErrTooManyMatches},
		{name: "an API that ignores page", list: func(context.Context, int) ([]Client, error) {
			return pageOf(1, 100), nil
		}, ids: []int{-1}, enough: 1, wantPages: 2, wantErr: ErrNotPaging},
		{name: "a page that fails", list: func(_ context.Context, p int) ([]Client, error) {
			if p == 2 {
				return nil, failed
			}
			return pageOf(1, 100), nil
		}, enough: 1, wantPages: 2, wantErr: failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := 0
			list := func(ctx context.Context, p int) ([]Client, error) { read++; return tc.list(ctx, p) }
			match := func(c *Client) bool {
				for _, id := range tc.ids {
					if int(c.CrmClientID) == id {
						return true
					}
				}
				return false
			}
			got, err := FindClients(context.Background(), list, match, tc.enough)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			var ids []int
			for _, c := range got {
				ids = append(ids, int(c.CrmClientID))
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.wantIDs) || read != tc.wantPages {
				t.Errorf("found %v on %d pages, want %v on %d", ids, read, tc.wantIDs, tc.wantPages)
			}
		})
	}
}

// TestWalkSaysWhatWasMet: visit is told which clients an earlier page (or
// an earlier place of the same page) held, and the caller's set holds every
// ID the walk met, so the exporter keeps no second set beside the walk's.
func TestWalkSaysWhatWasMet(t *testing.T) {
	pages := map[int][]Client{
		1: pageOf(1, 100),
		2: pageOf(98, 100), // 98–100 again, then 101–196
		3: pageOf(197, 5),
	}
	pages[2][99] = pages[2][60] // client 158 twice on one page
	list := func(_ context.Context, p int) ([]Client, error) { return pages[p], nil }
	seen := roaring64.New()
	var got []string
	_, _, err := WalkPages(context.Background(), list, 2, seen, func(page int, cs []Client, met []bool) error {
		for i := range cs {
			if met[i] {
				got = append(got, fmt.Sprintf("%d:%d", page, cs[i].CrmClientID))
			}
		}
		return nil
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2:98", "2:99", "2:100", "2:158"}; !slices.Equal(got, want) {
		t.Errorf("met = %v, want %v", got, want)
	}
	if n := seen.GetCardinality(); n != 201 || !seen.Contains(1) || !seen.Contains(201) {
		t.Errorf("seen holds %d IDs, want 1–201", n)
	}
}
