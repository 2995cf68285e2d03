package main

import (
	"context"
	"strings"
	"testing"
)

// TestSandboxFaultRateFlag: a --fault-rate out of 0..1 is said in the
// flag's words (the sandbox's own check finds it), as a usage error,
// before anything listens; also when another setting is wrong too.
func TestSandboxFaultRateFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--fault-rate", "2"}, "--fault-rate 2: must be between 0 and 1"},
		{[]string{"--fault-rate", "-0.5"}, "--fault-rate -0.5: must be between 0 and 1"},
		{[]string{"--fault-rate", "2", "--limit", "-1"}, "--fault-rate 2: must be between 0 and 1"},
		// Every range the sandbox checks is said in its flag's words, not
		// in the library's ("Config.Limit").
		{[]string{"--limit", "-1"}, "--limit -1: must be 0 or more (0: no limit)"},
		{[]string{"--read-errors", "3"}, "--read-errors 3: must be between 0 and 1"},
		{[]string{"--clients", "-2"}, "--clients -2: must be 0 or more"},
		{[]string{"--latency", "-1s"}, "--latency -1s: must be 0 or more"},
		{[]string{"--account-block-for", "-5m"}, "--account-block-for -5m0s: must be 0 or more"},
	} {
		full := append([]string{"sandbox", "--token", "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "--addr", "127.0.0.1:0"}, c.args...)
		r := runCmd(t, context.Background(), nil, full...)
		if r.code != exitError || !strings.Contains(r.errOut, c.want) || strings.Contains(r.out, "serving") || strings.Contains(r.errOut, "Config.") {
			t.Errorf("%v: exit %d, out %q, err %q; want exit %d and %q, nothing served", c.args, r.code, r.out, r.errOut, exitError, c.want)
		}
	}
}
