package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/validate"
)

// index maps normalised match keys to the clients that hold them. It grows
// with the account's clients, never with the rows.
type index struct {
	mu     sync.Mutex
	fields []string // the match keys, in the order rows try them
	// rowKey.label() → clients: a field's normalised value, by field (an
	// email and a login may be the same text).
	byKey map[string][]int64
	byID  map[int64]*baselinker.Client
}

func newIndex(fields []string) *index {
	return &index{fields: fields, byKey: map[string][]int64{}, byID: map[int64]*baselinker.Client{}}
}

// keysOf returns the index keys of c, one per match field it has a value for.
func (x *index) keysOf(c *baselinker.Client) []string {
	var keys []string
	for _, f := range x.fields {
		v, _ := c.Get(f)
		if k := validate.MatchKey(f, v); k != "" {
			keys = append(keys, rowKey{f, k}.label())
		}
	}
	return keys
}

// put adds or replaces c (by ID), moving it to its current keys.
func (x *index) put(c *baselinker.Client) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.putLocked(c)
}

func (x *index) putLocked(c *baselinker.Client) {
	id := int64(c.CrmClientID)
	if old, ok := x.byID[id]; ok {
		for _, k := range x.keysOf(old) {
			if ids := slices.DeleteFunc(x.byKey[k], func(v int64) bool { return v == id }); len(ids) > 0 {
				x.byKey[k] = ids
			} else {
				delete(x.byKey, k)
			}
		}
	}
	x.byID[id] = c
	for _, k := range x.keysOf(c) {
		x.byKey[k] = append(x.byKey[k], id)
	}
}

// find returns the IDs of the clients whose field holds key.
func (x *index) find(field, key string) []int64 {
	if x == nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.byKey[rowKey{field, key}.label()])
}

// client returns a copy of the client with id.
func (x *index) client(id int64) (baselinker.Client, bool) {
	if x == nil {
		return baselinker.Client{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.byID[id]
	if !ok {
		return baselinker.Client{}, false
	}
	return *c, true
}

// apply records that client id now holds the changes (after a create or
// update, or its plan in a dry run). A nil index records nothing.
func (x *index) apply(id int64, changes events.Changes) {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var c baselinker.Client
	if old, ok := x.byID[id]; ok {
		c = *old
	}
	c.CrmClientID = baselinker.Int(id)
	for _, ch := range changes {
		_ = c.Set(ch.Field, ch.After) // notes and extra fields are not indexed
	}
	x.putLocked(&c)
}

// walk fills the index with every client, one page of 100 at a time.
func (x *index) walk(ctx context.Context, api API, pageDone func(clients int64), maxClients int) error {
	list := func(ctx context.Context, page int) ([]baselinker.Client, error) {
		return api.GetCrmClients(ctx, page, baselinker.Filters{})
	}
	_, _, err := baselinker.WalkPages(ctx, list, 1, nil, func(_ int, cs []baselinker.Client, _ []bool) error {
		for i := range cs {
			x.put(&cs[i])
		}
		pageDone(int64(len(cs)))
		return nil
	}, maxClients)
	if err != nil {
		return fmt.Errorf("reading the clients (%s): %w", x.why(), err)
	}
	return nil
}

func (x *index) why() string {
	if len(x.fields) == 0 {
		return "rows keyed by crm_client_id"
	}
	return "--match-by " + strings.Join(x.fields, ",")
}
