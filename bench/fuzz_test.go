package bench

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseOnly: --only never panics and yields only known, distinct names.
func FuzzParseOnly(f *testing.F) {
	for _, s := range []string{"", "rate", "rate,perrow", " MEMORY ,,throughput", "rate,speed", ",,,", "ṙate"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		names, err := ParseOnly(s)
		if err != nil {
			if names != nil {
				t.Fatalf("names %v with error %v", names, err)
			}
			return
		}
		for i, n := range names {
			if !slices.Contains(Scenarios(), n) || slices.Contains(names[:i], n) {
				t.Fatalf("ParseOnly(%q) = %v", s, names)
			}
		}
	})
}

// FuzzParseStatusKB: /proc/self/status parsing never panics nor returns a
// negative size.
func FuzzParseStatusKB(f *testing.F) {
	for _, s := range []string{"VmHWM:\t  1776 kB\n", "VmHWM: 1 MB", "VmHWM:", "VmHWM:\t-5 kB", "VmHWM:\t99999999999999999999 kB", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseStatusKB(strings.NewReader(s), "VmHWM"); n < 0 || (!ok && n != 0) {
			t.Fatalf("parseStatusKB(%q) = %d, %v", s, n, ok)
		}
	})
}

// FuzzParseCPUModel: /proc/cpuinfo parsing never panics and returns a value
// from one line.
func FuzzParseCPUModel(f *testing.F) {
	for _, s := range []string{"model name\t: AMD EPYC\n", "Model : Pi\nHardware : BCM\n", ":::", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := parseCPUModel(strings.NewReader(s)); strings.Contains(got, "\n") {
			t.Fatalf("parseCPUModel(%q) = %q spans lines", s, got)
		}
	})
}
