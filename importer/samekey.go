package importer

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/crmbulk/crmbulk/internal/chars"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/crmbulk/crmbulk/validate"
)

// Rows of one client in one file — a second address row, a duplicate with
// a newer phone — are applied in file order, so the last one wins. That is
// never silent: before the run, rows that share a match key (or a
// crm_client_id) and disagree on a field each get a warning naming the
// other rows and the fields in dispute. Rows without a key that repeat an
// earlier row value for value are planned once: the others are skipped
// ("same as row N").
//
// The search costs two reads of the file and memory for the rows that share
// keys or repeat only: the first read keeps 8 bytes a key and a row without
// one (a hash), the second maps just the rows whose hash is not alone.

// maxGroupRows bounds the rows of one key that are compared and named.
const maxGroupRows = 20

// keyedRow is a row that shares a key: its number and what it sends.
type keyedRow struct {
	num    int
	values map[string]string
}

// scanRows reads the rows before the run and counts them: the rows of one
// client that disagree (r.disputes), and the rows without a key that
// repeat an earlier row value for value (r.repeats: planned once, the
// others skipped); for a resume, the rows' numbers (r.nums).
func (r *run) scanRows() (int, error) {
	seed := maphash.MakeSeed()
	var keyHashes, rowHashes []uint64
	n, err := r.eachRow("reading "+r.file, -1, func(it *item) {
		if r.cfg.Resume != "" {
			r.nums = append(r.nums, it.num) // what prove walks: the input is not read again
		}
		for _, k := range sameKeys(it) { // none without a match key or a mapped crm_client_id
			keyHashes = append(keyHashes, maphash.String(seed, k))
		}
		if c, ok := repeatable(it); ok {
			rowHashes = append(rowHashes, maphash.String(seed, c))
		}
	})
	if err != nil {
		return 0, err
	}
	sharedKeys, sharedRows := shared(keyHashes), shared(rowHashes)
	keyHashes, rowHashes = nil, nil
	if len(sharedKeys) == 0 && len(sharedRows) == 0 {
		return n, nil
	}
	groups := map[string][]keyedRow{}
	first := map[string]int{} // a repeated row's content → the first row with it
	r.repeats = map[int]int{}
	_, err = r.eachRow("comparing the rows of "+r.file+" that share a key or repeat", int64(n), func(it *item) {
		for _, k := range sameKeys(it) {
			if sharedKeys[maphash.String(seed, k)] && len(groups[k]) < maxGroupRows {
				groups[k] = append(groups[k], keyedRow{num: it.num, values: sentValues(it)})
			}
		}
		if c, ok := repeatable(it); ok && sharedRows[maphash.String(seed, c)] {
			if n, seen := first[c]; seen {
				r.repeats[it.num] = n
			} else {
				first[c] = it.num
			}
		}
	})
	if err != nil {
		return 0, err
	}
	r.disputes = disputeWarnings(groups)
	return n, nil
}

// shared is the set of hashes that occur more than once.
func shared(hashes []uint64) map[uint64]bool {
	slices.Sort(hashes)
	out := map[uint64]bool{}
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			out[hashes[i]] = true
		}
	}
	return out
}

// repeatable returns what a row without a key (no match key value, no
// crm_client_id) maps, field by field in the form values are compared in
// (validate.CompareForm): two rows with the same are one client. ok is
// false for a row with a key (rows of one client are chained and compared
// instead) and for a row that is no client.
func repeatable(it *item) (string, bool) {
	if it.res.ID > 0 || len(it.keys) > 0 || it.skipCode != "" {
		return "", false
	}
	var b strings.Builder
	for _, v := range it.res.Values {
		fmt.Fprintf(&b, "%s\x00%s\x01", v.Field, validate.CompareForm(v.Field, v.Text))
	}
	for _, v := range sortedExtra(it.res.Extra) {
		fmt.Fprintf(&b, "extra_%s\x00%s\x01", v.Field, v.Text)
	}
	for _, p := range it.res.Problems {
		fmt.Fprintf(&b, "problem %s\x00%s\x01", p.Field, p.Value)
	}
	return b.String(), true
}

// eachRow maps every row of the input, in file order, counting them in
// the start phase what (of total rows; -1: not known), and returns how
// many there are. Any row that cannot be read (a ragged one too: the file
// is not what the mapping expects) refuses the file before anything is
// sent.
func (r *run) eachRow(what string, total int64, fn func(*item)) (int, error) {
	ph := r.startPhase(what, total, "rows")
	defer ph.end()
	rd, err := sheet.Open(r.input, r.cfg.Sheet)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	defer rd.Close()
	for n := 0; ; n++ {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, badInputNothingSent(err)
		}
		fn(r.mapRow(row))
		ph.add()
	}
}

// sameKeys are the keys that make two rows one client's: its crm_client_id
// and each of its match keys.
func sameKeys(it *item) []string {
	var keys []string
	if it.res.ID > 0 {
		keys = append(keys, fmt.Sprintf("crm_client_id:%d", it.res.ID))
	}
	for _, k := range it.keys {
		keys = append(keys, k.label())
	}
	return keys
}

// sentValues is what a row sends (created's plan), by field ("extra_15"
// for extra fields).
func sentValues(it *item) map[string]string {
	m := map[string]string{}
	for _, c := range created(it) {
		m[c.Field] = c.After
	}
	return m
}

// disputeWarnings names, for each row of a group that disagrees, the other
// rows and the fields in dispute with their values.
func disputeWarnings(groups map[string][]keyedRow) map[int][]string {
	out := map[int][]string{}
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		rows := groups[key]
		fields := disputed(rows)
		if len(fields) == 0 {
			continue
		}
		var parts []string
		for _, f := range fields {
			var vs []string
			for _, kr := range rows {
				if v, ok := kr.values[f]; ok {
					vs = append(vs, fmt.Sprintf("row %d %s", kr.num, chars.Quote(v)))
				}
			}
			parts = append(parts, f+" ("+strings.Join(vs, ", ")+")")
		}
		for _, kr := range rows {
			var others []string
			for _, o := range rows {
				if o.num != kr.num {
					others = append(others, fmt.Sprint(o.num))
				}
			}
			who := "rows " + strings.Join(others, ", ") + " share"
			if len(others) == 1 {
				who = "row " + others[0] + " shares"
			}
			out[kr.num] = append(out[kr.num], fmt.Sprintf("%s %s with this row, disagreeing on %s: applied in file order, the last row wins",
				who, key, strings.Join(parts, "; ")))
		}
	}
	return out
}

// disputed returns the fields that two rows of a group send with values
// that differ, in field order.
func disputed(rows []keyedRow) []string {
	var fields []string
	seen := map[string]bool{}
	for i, a := range rows {
		for f, va := range a.values {
			if seen[f] {
				continue
			}
			for _, b := range rows[i+1:] {
				if vb, ok := b.values[f]; ok && !sameValue(f, va, vb) {
					seen[f] = true
					fields = append(fields, f)
					break
				}
			}
		}
	}
	slices.SortFunc(fields, fieldOrder)
	return fields
}

// sameValue reports whether two rows send one value of field: by the
// identity rule (validate.Same) or ignoring case and the white space around.
func sameValue(field, a, b string) bool {
	return strings.EqualFold(chars.TrimSpace(a), chars.TrimSpace(b)) ||
		!strings.HasPrefix(field, "extra_") && validate.Same(field, a, b)
}
