package baselinker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
)

// TestOnTry: a request's OnTry hook is told of each try as it goes out —
// after the limiter held it through a block, not before — and an error of
// the hook stops the call before that try reaches the server.
func TestOnTry(t *testing.T) {
	f, seenAt := blockedOnce(t)
	a, _ := testAPI(t, f.srv.URL, WithLimiter(pacer.New(1000, pacer.WithBlockBackoff(150*time.Millisecond, 150*time.Millisecond))))
	var went []time.Time
	ctx := OnTry(context.Background(), func(at time.Time) error { went = append(went, at); return nil })
	if _, err := a.GetCrmClients(ctx, 1, Filters{}); err != nil {
		t.Fatal(err)
	}
	got := seenAt()
	if len(went) != 2 || len(got) != 2 {
		t.Fatalf("%d tries told, %d seen; want 2 and 2", len(went), len(got))
	}
	for i := range went {
		if went[i].After(got[i]) {
			t.Errorf("try %d told at %s, after the server saw it at %s", i+1, went[i].Format(time.StampMicro), got[i].Format(time.StampMicro))
		}
	}
	if gap := went[1].Sub(went[0]); gap < 150*time.Millisecond {
		t.Errorf("the try after the block told %s after the first, want after the 150ms pause", gap)
	}

	full := errors.New("disk full")
	ctx = OnTry(context.Background(), func(time.Time) error { return full })
	if _, err := a.GetCrmClients(ctx, 1, Filters{}); !errors.Is(err, full) {
		t.Errorf("call = %v, want the hook's error", err)
	}
	if got := seenAt(); len(got) != 2 {
		t.Errorf("the server saw %d requests, want no third: the hook refused it", len(got))
	}
}
