package sheet

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestBuildFastSameAsBuild: the one-pass reading of a row (build and view
// without UnguardFormulas) gives the same row, error and blankness as blank
// + buildGeneral, for cells of every
// kind: empty, ASCII and Unicode white space, values, invalid UTF-8, under
// named, empty and cut header cells and beyond the header.
func TestBuildFastSameAsBuild(t *testing.T) {
	pieces := []string{"", " ", "\t", "\r\n", "\u00a0", "\u2003", "a", "Ż", "1", " x ", "\xff", "a\xfe", "\u0085", "'=1"}
	headers := [][]string{{"a", "b", "c"}, {"a", "", "c"}, {"a"}}
	widths := []int{3, 3, 4} // the third header had trailing empty cells cut
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 20000 {
		h := n % len(headers)
		cells := make([]string, rng.IntN(6))
		for i := range cells {
			for range rng.IntN(3) {
				cells[i] += pieces[rng.IntN(len(pieces))]
			}
		}
		for _, check := range []bool{false, true} {
			l := &layout{file: "f.csv", checkUTF8: check, header: headers[h], width: widths[h], hdrNum: 1}
			var wantRow Row
			var wantErr error
			wantOK := !blank(cells)
			if wantOK {
				wantRow, wantErr, _ = l.buildGeneral(7, cells, check)
			}
			var slab, pad []string
			name := fmt.Sprintf("cells %q header %q checkUTF8 %v", cells, headers[h], check)
			for _, way := range []string{"build", "view"} {
				var gotRow Row
				var gotErr error
				var gotOK bool
				if way == "build" {
					gotRow, gotErr, gotOK = l.build(7, cells, check, &slab)
				} else {
					gotRow, gotErr, gotOK = l.view(7, cells, check, &pad)
				}
				if gotOK != wantOK {
					t.Fatalf("%s, %s: non-blank %v, want %v", name, way, gotOK, wantOK)
				}
				if !reflect.DeepEqual(gotRow, wantRow) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Fatalf("%s, %s:\n got %+v, %v\nwant %+v, %v", name, way, gotRow, gotErr, wantRow, wantErr)
				}
			}
		}
	}
}
