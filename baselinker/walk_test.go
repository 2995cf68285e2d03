package baselinker

import (
	"context"
	"errors"
	"testing"
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
			_, _, err := WalkPages(context.Background(), tc.list, 3, func(int, []Client) error {
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
