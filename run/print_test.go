package run

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/progress"
)

// TestDetail: the words beside the count, as the bar and the log always
// said them, from an Update's typed fields.
func TestDetail(t *testing.T) {
	statuses := []string{"created", "updated", "unchanged", "invalid", "failed"}
	tests := []struct {
		name string
		u    Update
		want string
	}{
		{"a start phase of known size", Update{Phase: "checking the report r.csv against in.csv", Done: 25000, Total: 50000, Unit: "rows"},
			"checking the report r.csv against in.csv: 25000 of 50000 rows"},
		{"a start phase of unknown size", Update{Phase: "reading in.csv", Done: 12000, Total: -1, Unit: "rows"}, "reading in.csv: 12000 rows so far"},
		{"a walk", Update{Phase: "export", Total: -1, Unit: "clients", Walk: true, Pages: 11, Requests: 12}, "reading the account's clients: 11 pages so far · 12 requests"},
		{"a walk's start", Update{Phase: "reading clients (email)", Total: -1, Unit: "clients", Walk: true}, "reading the account's clients: page 1"},
		{"counts in the statuses' order", Update{Phase: "import", Total: 10, Unit: "rows", Settles: true, Statuses: statuses,
			Counts: map[string]int{"failed": 1, "created": 3, "updated": 0, "zzz": 2, "conflict": 1}}, "created 3 · failed 1 · conflict 1 · zzz 2"},
		{"no line yet", Update{Phase: "import", Total: 10, Unit: "rows", Settles: true, Statuses: statuses}, ""},
		{"paced: rate and ETA", Update{Phase: "import", Total: 500, Unit: "rows", Settles: true, Paced: true, Statuses: statuses,
			Counts: map[string]int{"created": 40}, PerMinute: 97, ETA: 4*time.Minute + 40*time.Second, ETAWhy: "limit"},
			"created 40 · 97 rows/min · ETA 5m0s (limit)"},
		{"paced details", Update{Phase: "details", Total: 300, Unit: "clients", Paced: true, PerMinute: 10, ETA: 42400 * time.Millisecond, ETAWhy: "limit 100/1m0s"},
			"10 clients/min · ETA 42s (limit 100/1m0s)"},
		{"an ETA under a second is left out", Update{Phase: "details", Total: 300, Unit: "clients", Paced: true, ETA: 400 * time.Millisecond}, ""},
		{"waits are not in it", Update{Phase: "reading in.csv", Total: -1, Unit: "rows", Waiting: "blocked until 14:05:12 (8m0s left)"}, "reading in.csv: 0 rows so far"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detail(tt.u); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// reporter records the calls a progress.Reporter gets, as words.
type reporter struct {
	calls []string
	waits []string // each Wait
}

func (r *reporter) Start(phase string, total int64, unit string) {
	r.calls = append(r.calls, fmt.Sprintf("start %s %d %s", phase, total, unit))
}
func (r *reporter) Add(n int64)            { r.calls = append(r.calls, fmt.Sprintf("add %d", n)) }
func (r *reporter) Describe(detail string) { r.calls = append(r.calls, "describe "+detail) }
func (r *reporter) Wait(what string)       { r.waits = append(r.waits, what) }
func (r *reporter) Finish()                { r.calls = append(r.calls, "finish") }

// TestDraw: the bar's and the log's calls from a stream of Updates: a
// phase starts, adds what was done since the last Update, is described,
// finishes at its end; each Update's wait is the reporter's Wait.
func TestDraw(t *testing.T) {
	stream := []Update{
		{Phase: "reading in.csv", Total: -1, Unit: "rows"},
		{Phase: "reading in.csv", Total: -1, Unit: "rows", Done: 1000},
		{Phase: "reading in.csv", Total: -1, Unit: "rows", Done: 1500, Ended: true},
		{Phase: "import", Total: 3, Unit: "rows", Settles: true},
		{Phase: "import", Total: 3, Unit: "rows", Settles: true, Done: 2, Counts: map[string]int{"created": 2}, Waiting: "blocked until 14:05:12 (8m0s left)"},
		{Phase: "import", Total: 3, Unit: "rows", Settles: true, Done: 3, Counts: map[string]int{"created": 3}, Ended: true},
	}
	want := []string{"start reading in.csv -1 rows", "describe reading in.csv: 0 rows so far", "describe reading in.csv: 1000 rows so far", "add 1000",
		"describe reading in.csv: 1500 rows so far", "add 500", "finish", "start import 3 rows",
		"describe created 2", "add 2", "describe created 3", "add 1", "finish"}
	var r reporter
	p := Draw(&r)
	for _, u := range stream {
		p.Update(u)
	}
	p.Summary(Summary{})
	if !reflect.DeepEqual(r.calls, want) {
		t.Errorf("calls\n%s\nwant\n%s", strings.Join(r.calls, "\n"), strings.Join(want, "\n"))
	}
	if !reflect.DeepEqual(r.waits, []string{"", "", "", "", "blocked until 14:05:12 (8m0s left)", ""}) {
		t.Errorf("the reporter's waits were %q", r.waits)
	}
}

// TestDrawBarShowsEachUpdate: the bar's last frame after each Update shows
// that update's wait, detail and count — not the previous update's. A redraw
// at the wait, before the detail and count were set, throttled the ones that
// followed, so the bar was one update behind.
func TestDrawBarShowsEachUpdate(t *testing.T) {
	var buf bytes.Buffer
	d := Draw(progress.NewBar(&buf, 200))
	for i, tc := range []struct {
		done    int64
		waiting string
	}{
		{1, ""},
		{2, "the token is blocked: 9m left"},
		{3, "the token is blocked: 8m left"},
		{4, ""},
	} {
		u := Update{Phase: "importing rows", Unit: "rows", Total: 10, Done: tc.done, Settles: true,
			Counts: map[string]int{"created": int(tc.done)}, Statuses: []string{"created"}, Waiting: tc.waiting}
		buf.Reset()
		d.Update(u)
		frames := strings.Split(buf.String(), "\r")
		last := frames[len(frames)-1]
		for _, want := range []string{fmt.Sprintf("created %d", tc.done), fmt.Sprintf("%d/10", tc.done), tc.waiting} {
			if !strings.Contains(last, want) {
				t.Errorf("update %d: the bar shows %q, want %q in it", i+1, last, want)
			}
		}
		if tc.waiting == "" && strings.Contains(last, "blocked") {
			t.Errorf("update %d: the bar still says an ended wait: %q", i+1, last)
		}
	}
}
