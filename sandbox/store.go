package sandbox

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/baselinker"
)

// store holds the clients ordered by id. Ids only grow (new ids are
// nextID), so appending keeps the order, a page is a slice walk and a
// look-up a binary search.
type store struct {
	clients []baselinker.Client
	nextID  int64
}

// newStore takes clients sorted by id without duplicates.
func newStore(clients []baselinker.Client, nextID int64) store {
	if n := len(clients); n > 0 {
		nextID = max(nextID, int64(clients[n-1].CrmClientID)+1)
	}
	return store{clients: clients, nextID: max(nextID, 1)}
}

// find returns the position of the client with id and whether there is one.
func (st *store) find(id int64) (int, bool) {
	i := sort.Search(len(st.clients), func(i int) bool { return int64(st.clients[i].CrmClientID) >= id })
	return i, i < len(st.clients) && int64(st.clients[i].CrmClientID) == id
}

func (st *store) get(id int64) *baselinker.Client {
	if i, ok := st.find(id); ok {
		return &st.clients[i]
	}
	return nil
}

// create appends c with a new id and returns a pointer to the stored copy.
func (st *store) create(c baselinker.Client) *baselinker.Client {
	c.CrmClientID = baselinker.Int(st.nextID)
	st.nextID++
	st.clients = append(st.clients, c)
	return &st.clients[len(st.clients)-1]
}

// remove deletes the client with id; it reports whether there was one.
func (st *store) remove(id int64) bool {
	i, ok := st.find(id)
	if ok {
		st.clients = slices.Delete(st.clients, i, i+1)
	}
	return ok
}

func cloneClient(c *baselinker.Client) baselinker.Client {
	out := *c
	out.CustomExtraFields = maps.Clone(c.CustomExtraFields) // nil stays nil
	return out
}

// appendClient encodes c as a JSON object with the listed fields in the
// field table's order, then notes and custom_extra_fields when asked.
func (s *Server) appendClient(b []byte, c *baselinker.Client, notes, extra bool) []byte {
	b = append(b, '{')
	for i, f := range s.listed {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, ':')
		v, _ := c.Get(f.Name)
		switch {
		case f.Kind == baselinker.KindInt && s.cfg.DriftTypes:
			if v == "0" {
				v = ""
			}
			b = appendString(b, v)
		case f.Kind == baselinker.KindInt:
			b = append(b, v...)
		case s.cfg.DriftTypes && digitsOnly(v):
			b = append(b, v...) // a phone or a postcode as a JSON number
		default:
			b = appendString(b, v)
		}
	}
	if notes {
		b = append(b, `,"notes":`...)
		b = appendString(b, c.Notes)
	}
	if extra {
		b = append(b, `,"custom_extra_fields":`...)
		if len(c.CustomExtraFields) == 0 {
			b = append(b, "[]"...) // how PHP encodes an empty array
		} else {
			b = append(b, '{')
			for i, k := range slices.SortedFunc(maps.Keys(c.CustomExtraFields), baselinker.CompareExtraIDs) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				b = appendString(b, c.CustomExtraFields[k])
			}
			b = append(b, '}')
		}
	}
	return append(b, '}')
}

// digitsOnly reports whether v is a JSON number as written: digits, no
// leading zero (which a number would lose).
func digitsOnly(v string) bool {
	return v != "" && v[0] != '0' && len(v) <= 15 && strings.Trim(v, "0123456789") == ""
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i, r := range s { // an invalid byte is one utf8.RuneError
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\ufffd"):
			b = append(b, `\ufffd`...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
