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
	for _, args := range [][]string{
		{"--fault-rate", "2"},
		{"--fault-rate", "-0.5"},
		{"--fault-rate", "2", "--limit", "-1"},
	} {
		full := append([]string{"sandbox", "--token", "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y", "--addr", "127.0.0.1:0"}, args...)
		r := runCmd(t, context.Background(), nil, full...)
		want := "--fault-rate " + args[1] + ": must be between 0 and 1"
		if r.code != exitError || !strings.Contains(r.errOut, want) || strings.Contains(r.out, "serving") {
			t.Errorf("%v: exit %d, out %q, err %q; want exit %d and %q, nothing served", args, r.code, r.out, r.errOut, exitError, want)
		}
	}
}
