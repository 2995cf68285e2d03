package sandbox

import (
	"testing"
	"time"
)

func TestMaxInWindow(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name     string
		arrivals []time.Duration
		window   time.Duration
		want     int
	}{
		{"none", nil, time.Second, 0},
		{"one", ms(5), time.Second, 1},
		{"exactly a window apart do not share it", ms(0, 1000, 2000), time.Second, 1},
		{"just under a window apart share it", ms(0, 999, 1998), time.Second, 2},
		{"burst", ms(0, 0, 0, 0), time.Second, 4},
		{"unsorted", ms(2500, 0, 2100, 100, 2999, 2000), time.Second, 4},
		{"sliding, not fixed buckets", ms(900, 950, 1000, 1050, 1100), 300 * time.Millisecond, 5},
		{"best window in the middle", ms(0, 5000, 5001, 5002, 5999, 6000, 9000), time.Second, 4},
		{"negative times (clock before epoch)", ms(-500, -100, 0, 600), time.Second, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maxInWindow(tt.arrivals, tt.window); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// The limiter's view of the window must agree with MaxInWindow: a request
// is blocked exactly when it would make MaxInWindow exceed the limit.
func TestLimiterAgreesWithMaxInWindow(t *testing.T) {
	now := time.Unix(0, 0)
	s, err := New(Config{Token: "t", Limit: 3, Window: time.Second, BlockFor: time.Millisecond, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	steps := []int{0, 400, 400, 199, 1, 600, 399, 1000} // ms between arrivals
	for i, d := range steps {
		now = now.Add(time.Duration(d) * time.Millisecond)
		a := s.arrive("getCrmClients")
		s.mu.Lock()
		arr := append([]time.Duration(nil), s.arrivals...)
		s.mu.Unlock()
		// Count arrivals in (now-window, now].
		n := 0
		last := arr[len(arr)-1]
		for _, x := range arr {
			if last-x < time.Second {
				n++
			}
		}
		if want := n > 3; a.blocked != want {
			t.Errorf("arrival %d at %v: blocked=%v, want %v (%d in window)", i, last, a.blocked, want, n)
		}
	}
}
