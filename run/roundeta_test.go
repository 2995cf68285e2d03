package run

import (
	"testing"
	"time"
)

// TestRoundETA: the one rounding of an ETA (the progress line's and
// exporter.DetailsETA's), at its edges: to the second under a minute
// (half a second rounds up, so 59.5 s says a minute), to the minute from
// a minute on (half a minute rounds up), negatives away from zero.
func TestRoundETA(t *testing.T) {
	for _, c := range []struct{ in, want time.Duration }{
		{0, 0},
		{time.Nanosecond, 0},
		{499 * time.Millisecond, 0},
		{500 * time.Millisecond, time.Second},
		{time.Second, time.Second},
		{1499 * time.Millisecond, time.Second},
		{1500 * time.Millisecond, 2 * time.Second},
		{59*time.Second + 499*time.Millisecond, 59 * time.Second},
		{59*time.Second + 500*time.Millisecond, time.Minute},
		{time.Minute - time.Nanosecond, time.Minute},
		{time.Minute, time.Minute},
		{time.Minute + 29*time.Second, time.Minute},
		{time.Minute + 29*time.Second + 999*time.Millisecond, time.Minute},
		{time.Minute + 30*time.Second, 2 * time.Minute},
		{time.Hour + 29*time.Second, time.Hour},
		{time.Hour + 30*time.Second, time.Hour + time.Minute},
		{-1500 * time.Millisecond, -2 * time.Second},
		{1<<63 - 1, (1<<63 - 1) / time.Minute * time.Minute},
	} {
		if got := RoundETA(c.in); got != c.want {
			t.Errorf("RoundETA(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
