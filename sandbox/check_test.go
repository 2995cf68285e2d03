package sandbox_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
)

// TestCheckFieldError: a value out of its field's range is a *FieldError
// naming the field (what `crmbulk sandbox` turns into its flag's words),
// with the words the sandbox always said; New refuses the same Config.
func TestCheckFieldError(t *testing.T) {
	for _, c := range []struct {
		cfg   sandbox.Config
		field string // "" = not a FieldError
		msg   string
	}{
		{sandbox.Config{Token: token, FaultRate: 1.5}, "FaultRate", "sandbox: Config.FaultRate 1.5 is outside 0..1"},
		{sandbox.Config{Token: token, FaultRate: -0.1}, "FaultRate", "sandbox: Config.FaultRate -0.1 is outside 0..1"},
		{sandbox.Config{Token: token, Limit: -1}, "Limit", "sandbox: Config.Limit -1 is negative; use 0 for unlimited"},
		{sandbox.Config{Token: token, Clients: -3}, "Clients", "sandbox: Config.Clients -3 is negative"},
		{sandbox.Config{Token: token, ReadErrors: 1.2}, "ReadErrors", "sandbox: Config.ReadErrors 1.2 is outside 0..1"},
		{sandbox.Config{Token: token, Jitter: -time.Second}, "Jitter", "sandbox: Config.Jitter -1s is negative"},
		{sandbox.Config{Token: token, Limit: -1, FaultRate: 2}, "FaultRate", "sandbox: Config.FaultRate 2 is outside 0..1"},
		{sandbox.Config{}, "", "sandbox: Config.Token is empty; set the token clients must send"},
		{sandbox.Config{Token: token, Faults: []sandbox.Fault{"x"}}, "", `sandbox: unknown fault kind "x"; use one of http500, cut_before, cut_after, truncated`},
	} {
		err := c.cfg.Check()
		if err == nil || err.Error() != c.msg {
			t.Errorf("%+v: Check() = %v, want %q", c.cfg, err, c.msg)
			continue
		}
		var fe *sandbox.FieldError
		if got := ""; errors.As(err, &fe) {
			got = fe.Field
			if got != c.field {
				t.Errorf("%+v: FieldError.Field %q, want %q", c.cfg, got, c.field)
			}
		} else if c.field != "" {
			t.Errorf("%+v: %v is no *FieldError, want one naming %s", c.cfg, err, c.field)
		}
		if _, err := sandbox.New(c.cfg); err == nil || err.Error() != c.msg {
			t.Errorf("%+v: New: %v, want %q", c.cfg, err, c.msg)
		}
	}
	if err := (sandbox.Config{Token: token, FaultRate: 1}).Check(); err != nil {
		t.Errorf("FaultRate 1: %v, want none", err)
	}
}
