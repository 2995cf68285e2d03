package baselinker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/crmbulk/crmbulk/internal/inorder"
)

// DefaultMaxClients bounds a walk whose caller gives no bound
// (maxClients < 1): far more clients than any account holds, far fewer
// pages than a walk that never ends would read.
const DefaultMaxClients = 5_000_000

// ErrNotPaging is matched (errors.Is) by a walk that ended because the
// API's pages did not page: a page held only clients of earlier pages, or
// the pages repeated more clients than they added. Going on would read the
// same clients for ever, spending the token's limit.
var ErrNotPaging = errors.New("the API is not paging")

// ErrTooManyClients is matched by a walk that read more clients than its
// bound (maxClients) and stopped there.
var ErrTooManyClients = errors.New("more clients than the walk's bound")

// WalkError is why a walk stopped although every page was answered: the
// page it stopped at, the clients read until then, and the reason
// (ErrNotPaging or ErrTooManyClients). Its words say what the pages did
// and why that stopped the walk, not what that means for the run: each
// caller says its own consequence (an export wrote nothing, an undo's
// look-up created nothing, …).
type WalkError struct {
	Page    int   // the page that ended the walk
	Clients int   // distinct clients read, that page included
	Repeats int   // clients met again on a later page
	Bound   int   // the bound of ErrTooManyClients
	Err     error // ErrNotPaging or ErrTooManyClients
}

func (e *WalkError) Error() string {
	if errors.Is(e.Err, ErrTooManyClients) {
		return fmt.Sprintf("page %d took the walk past %d clients (--max-clients %d): stopped; "+
			"if the account really holds more, give a larger --max-clients, else the API's pages never end", e.Page, e.Bound, e.Bound)
	}
	if e.Repeats == 0 {
		return fmt.Sprintf("%v: page %d holds no client that earlier pages did not (%d clients read on %d pages), "+
			"so the reading of pages stopped there; the endpoint seems to ignore the page number", e.Err, e.Page, e.Clients, e.Page)
	}
	return fmt.Sprintf("%v: by page %d the pages had repeated %d clients and added only %d, "+
		"so the reading of pages stopped there; the endpoint seems to ignore the page number", e.Err, e.Page, e.Repeats, e.Clients)
}

func (e *WalkError) Unwrap() error { return e.Err }

// walkBound is what a walk has seen, to tell pages from a server that does
// not page.
type walkBound struct {
	max     int
	seen    *roaring64.Bitmap
	repeats int
	met     []bool // the last page checked: met[i], its client i was met before
}

// check counts page's clients and says whether the walk must stop there.
// A page that adds no client is not paging; neither are pages that, in
// all, repeated more clients than they added (an account that changes
// while it is read shifts a few clients from page to page, not half).
func (b *walkBound) check(page int, clients []Client) error {
	fresh := 0
	b.met = slices.Grow(b.met[:0], len(clients))[:len(clients)]
	for i := range clients {
		if b.met[i] = !b.seen.CheckedAdd(uint64(clients[i].CrmClientID)); !b.met[i] {
			fresh++
		}
	}
	b.repeats += len(clients) - fresh
	n := int(b.seen.GetCardinality())
	switch {
	case len(clients) > 0 && fresh == 0:
		return &WalkError{Page: page, Clients: n, Err: ErrNotPaging}
	case b.repeats > PageSize/2 && 2*b.repeats > n:
		return &WalkError{Page: page, Clients: n, Repeats: b.repeats, Err: ErrNotPaging}
	case n > b.max:
		return &WalkError{Page: page, Clients: n, Bound: b.max, Err: ErrTooManyClients}
	}
	return nil
}

// PageError is the failure of one page of a walk (WalkPages).
type PageError struct {
	Page int
	Err  error
}

func (e *PageError) Error() string { return fmt.Sprintf("page %d: %v", e.Page, e.Err) }
func (e *PageError) Unwrap() error { return e.Err }

// ListFunc reads one page (numbered from 1) of getCrmClients.
type ListFunc func(ctx context.Context, page int) ([]Client, error)

// WalkPages reads pages from 1 until a page holds fewer than PageSize
// clients and calls visit with each page, in order, from the caller's
// goroutine. Up to ahead requests are in flight at once; page 2 and later
// are asked only once page 1 turned out full, so a small account costs one
// request. It returns the last page's number and size. A failed page is a
// *PageError; the walk stops at it, and at the first error of visit.
// The IDs the walk meets go into seen (nil: a set of its own), and visit
// is told which of the page's clients were met before (met[i]: on an
// earlier page, or earlier on this one; valid until visit returns), so a
// caller needs no set of its own.
//
// Every walk ends: a page that adds no client not met before, pages that
// repeat more clients than they add (ErrNotPaging), or more than
// maxClients distinct clients (< 1: DefaultMaxClients; ErrTooManyClients)
// stop it with a *WalkError before visit sees that page.
func WalkPages(ctx context.Context, list ListFunc, ahead int, seen *roaring64.Bitmap,
	visit func(page int, clients []Client, met []bool) error, maxClients int) (last, lastLen int, err error) {
	bound := walkBound{seen: cmp.Or(seen, roaring64.New()), max: cmp.Or(max(maxClients, 0), DefaultMaxClients)}
	type result struct {
		clients []Client
		err     error
	}
	// The walk's own context: the pages read ahead beyond the last are cut
	// as soon as the last is known, before visit sees it.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	firstFull := make(chan struct{}) // closed once page 1 turned out full
	p := 0
	next := func(ctx context.Context) (int, bool) {
		if p++; p == 2 {
			select {
			case <-firstFull:
			case <-ctx.Done():
				return 0, false
			}
		}
		return p, true
	}
	read := func(ctx context.Context, page int) result {
		cl, err := list(ctx, page)
		return result{cl, err}
	}
	ended := false
	err = inorder.Map(wctx, ahead, next, read, func(page int, r result) (bool, error) {
		if r.err != nil {
			return false, &PageError{Page: page, Err: r.err}
		}
		if err := bound.check(page, r.clients); err != nil {
			return false, err
		}
		last, lastLen = page, len(r.clients)
		if len(r.clients) < PageSize {
			cancel() // pages read ahead beyond the last are not needed
		} else if page == 1 {
			close(firstFull)
		}
		if err := visit(page, r.clients, bound.met); err != nil {
			return false, err
		}
		ended = len(r.clients) < PageSize
		return !ended, nil
	})
	if err != nil || ended {
		return last, lastLen, err
	}
	return last, lastLen, &PageError{Page: last + 1, Err: cmp.Or(ctx.Err(), context.Canceled)}
}

// MaxFindPages bounds the pages one look-up (FindClients) reads.
const MaxFindPages = 20

// ErrTooManyMatches is matched by a look-up that read MaxFindPages full
// pages of a filter's matches without coming to their end.
var ErrTooManyMatches = errors.New("too many clients match the filter")

// FindClients reads the pages of a filtered list (list) from the first until a
// page holds fewer than PageSize clients, or until enough of its clients
// (< 1: all) satisfy match, and returns those, in the list's order. A
// filter on a text field (email, name, …) is a partial match, so the
// client sought may be on any page of it, not only the first. More than
// MaxFindPages full pages is ErrTooManyMatches; pages that do not page
// stop it as they stop a walk (ErrNotPaging).
func FindClients(ctx context.Context, list ListFunc, match func(*Client) bool, enough int) ([]Client, error) {
	bound := walkBound{seen: roaring64.New(), max: MaxFindPages * PageSize}
	var found []Client
	for page := 1; ; page++ {
		cs, err := list(ctx, page)
		if err != nil {
			return nil, err
		}
		if err := bound.check(page, cs); err != nil {
			return nil, err
		}
		for i := range cs {
			if match(&cs[i]) {
				if found = append(found, cs[i]); len(found) == enough {
					return found, nil
				}
			}
		}
		switch {
		case len(cs) < PageSize:
			return found, nil
		case page == MaxFindPages:
			return nil, fmt.Errorf("%w: more than %d pages (%d clients) of partial matches", ErrTooManyMatches, MaxFindPages, MaxFindPages*PageSize)
		}
	}
}
