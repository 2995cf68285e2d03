package sandbox

import (
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/baselinker"
)

// store holds the clients ordered by id. Ids only grow (new ids are
// nextID), so appending keeps the order and a page is a slice walk.
type store struct {
	clients []baselinker.Client
	index   map[int64]int // id → position in clients
	nextID  int64
}

// newStore takes clients sorted by id without duplicates.
func newStore(clients []baselinker.Client, nextID int64) store {
	st := store{clients: clients, index: make(map[int64]int, len(clients)), nextID: nextID}
	for i, c := range clients {
		st.index[int64(c.CrmClientID)] = i
		if int64(c.CrmClientID) >= st.nextID {
			st.nextID = int64(c.CrmClientID) + 1
		}
	}
	if st.nextID < 1 {
		st.nextID = 1
	}
	return st
}

func (st *store) get(id int64) *baselinker.Client {
	i, ok := st.index[id]
	if !ok {
		return nil
	}
	return &st.clients[i]
}

// create appends c with a new id and returns a pointer to the stored copy.
func (st *store) create(c baselinker.Client) *baselinker.Client {
	id := st.nextID
	st.nextID++
	c.CrmClientID = baselinker.Int(id)
	st.index[id] = len(st.clients)
	st.clients = append(st.clients, c)
	return &st.clients[len(st.clients)-1]
}

// remove deletes the client with id; it reports whether there was one.
func (st *store) remove(id int64) bool {
	i, ok := st.index[id]
	if !ok {
		return false
	}
	st.clients = slices.Delete(st.clients, i, i+1)
	delete(st.index, id)
	for j := i; j < len(st.clients); j++ {
		st.index[int64(st.clients[j].CrmClientID)] = j
	}
	return true
}

func cloneClient(c *baselinker.Client) baselinker.Client {
	out := *c
	if c.CustomExtraFields != nil {
		out.CustomExtraFields = maps.Clone(c.CustomExtraFields)
	}
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
			for i, k := range sortedExtraIDs(c.CustomExtraFields) {
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
	if v == "" || v[0] == '0' || len(v) > 15 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// sortedExtraIDs returns m's keys in baselinker.SortExtraIDs order.
func sortedExtraIDs(m map[string]string) []string {
	ids := slices.Collect(maps.Keys(m))
	baselinker.SortExtraIDs(ids)
	return ids
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
