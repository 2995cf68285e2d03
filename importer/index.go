package importer

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/validate"
)

// index maps normalised match keys to the clients that hold them. It grows
// with the account's clients, never with the rows.
type index struct {
	mu    sync.Mutex
	field string
	byKey map[string][]int64
	byID  map[int64]*baselinker.Client
}

func newIndex(field string) *index {
	return &index{field: field, byKey: map[string][]int64{}, byID: map[int64]*baselinker.Client{}}
}

// keyOf returns the normalised key of c ("" when c has none).
func (x *index) keyOf(c *baselinker.Client) string {
	v, _ := c.Get(x.field)
	return validate.MatchKey(x.field, v)
}

// put adds or replaces c (by ID), moving it to its current key.
func (x *index) put(c *baselinker.Client) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.putLocked(c)
}

func (x *index) putLocked(c *baselinker.Client) {
	id := int64(c.CrmClientID)
	if old, ok := x.byID[id]; ok {
		x.removeKeyLocked(x.keyOf(old), id)
	}
	x.byID[id] = c
	if k := x.keyOf(c); k != "" {
		x.byKey[k] = append(x.byKey[k], id)
	}
}

func (x *index) removeKeyLocked(k string, id int64) {
	ids := x.byKey[k]
	for i, v := range ids {
		if v == id {
			ids = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(x.byKey, k)
	} else {
		x.byKey[k] = ids
	}
}

// find returns the IDs of the clients holding key.
func (x *index) find(key string) []int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]int64(nil), x.byKey[key]...)
}

// client returns a copy of the client with id.
func (x *index) client(id int64) (baselinker.Client, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.byID[id]
	if !ok {
		return baselinker.Client{}, false
	}
	return *c, true
}

// apply records that client id now holds values (after a create or update).
// The values are copied: a row's cells may share the memory of a whole
// chunk of the input, which the index must not keep alive.
func (x *index) apply(id int64, values []mapping.Value) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := &baselinker.Client{}
	if old, ok := x.byID[id]; ok {
		cp := *old
		c = &cp
	}
	c.CrmClientID = baselinker.Int(id)
	for _, v := range values {
		_ = c.Set(v.Field, strings.Clone(v.Text)) // notes and unknown fields are not indexed
	}
	x.putLocked(c)
}

// walk fills the index with every client, one page of 100 at a time.
func (x *index) walk(ctx context.Context, api API, pageDone func(clients int)) error {
	for page := 1; ; page++ {
		cs, err := api.GetCrmClients(ctx, page, baselinker.Filters{})
		if err != nil {
			return fmt.Errorf("reading clients for --match-by %s (page %d): %w", x.field, page, err)
		}
		for i := range cs {
			c := cs[i]
			x.put(&c)
		}
		if pageDone != nil {
			pageDone(len(cs))
		}
		if len(cs) < baselinker.PageSize {
			return nil
		}
	}
}

// sameValues reports whether c already holds every value of the row, compared
// in canonical form. A row with custom extra fields or notes cannot be
// proven unchanged from getCrmClients and is never unchanged.
func sameValues(c *baselinker.Client, values, extra []mapping.Value) bool {
	return len(extra) == 0 && holds(c, values, false)
}

// holds reports whether c holds values, compared in canonical form. A field
// getCrmClients does not return (notes) cannot be compared: with
// listedOnly it is passed over, else it makes the answer false.
func holds(c *baselinker.Client, values []mapping.Value, listedOnly bool) bool {
	for _, v := range values {
		if fd, ok := baselinker.LookupField(v.Field); !ok || !fd.Listed {
			if listedOnly {
				continue
			}
			return false
		}
		have, _ := c.Get(v.Field)
		if validate.Normalize(v.Field, have) != validate.Normalize(v.Field, v.Text) {
			return false
		}
	}
	return true
}

// chains serialises rows that share a key: each row waits for the previous
// row with any of its keys. It holds one entry per key in flight, so it is
// bounded by the pool.
type chains struct {
	mu   sync.Mutex
	tail map[string]chan struct{}
}

func newChains() *chains { return &chains{tail: map[string]chan struct{}{}} }

// enter registers a row with keys (in file order) and returns what it must
// wait for and the channel it closes when done.
func (c *chains) enter(keys []string) (wait []chan struct{}, done chan struct{}) {
	done = make(chan struct{})
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if t, ok := c.tail[k]; ok {
			wait = append(wait, t)
		}
		c.tail[k] = done
	}
	return wait, done
}

func (c *chains) leave(keys []string, done chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(done)
	for _, k := range keys {
		if c.tail[k] == done {
			delete(c.tail, k)
		}
	}
}
