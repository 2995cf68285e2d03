package importer

import (
	"testing"
	"time"
)

// TestLandBy: a carried create is looked up only once the larger of its
// run's request timeout and this run's has passed since it was sent; an
// update, or a send of unknown time, is not waited for; while one waits,
// the reorder window widens so the other rows go on.
func TestLandBy(t *testing.T) {
	now := time.Now()
	r := &run{cfg: Config{Workers: 4, RequestTimeout: 10 * time.Second}.withDefaults("in.csv"), carry: map[int]pendingSend{
		2: {Op: "create", At: now.Add(-time.Second), Timeout: time.Minute},      // its run's timeout decides
		3: {Op: "create", At: now.Add(-time.Second), Timeout: time.Second},      // this run's decides
		4: {Op: "create", At: now.Add(-time.Minute), Timeout: 30 * time.Second}, // landed or lost long ago
		5: {Op: "update", At: now},
		6: {Op: "create"},
	}}
	for _, tc := range []struct {
		row   int
		later bool
		until time.Time
	}{
		{2, true, now.Add(59 * time.Second)},
		{3, true, now.Add(9 * time.Second)},
		{4, false, now.Add(-30 * time.Second)},
		{5, false, time.Time{}},
		{6, false, time.Time{}},
		{7, false, time.Time{}},
	} {
		until, later := r.landBy(tc.row)
		if later != tc.later || !until.Equal(tc.until) {
			t.Errorf("row %d: until %v later %v, want %v %v", tc.row, until, later, tc.until, tc.later)
		}
	}
	if w := r.reorder(); w != inDoubtWindow {
		t.Errorf("window %d while creates wait to land, want %d", w, inDoubtWindow)
	}
	r.carry = map[int]pendingSend{4: r.carry[4]}
	if w := r.reorder(); w != reorderWindow(4) {
		t.Errorf("window %d with nothing to wait for, want %d", w, reorderWindow(4))
	}
}
