package bench

import (
	"slices"
	"strconv"
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

// noKeyLines keeps the lines of s that hold no "key: value" pair (and are
// of a length a /proc file has), so a fuzzed prefix cannot shadow the line
// the targets append.
func noKeyLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, ":") && len(l) < 4096 {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// FuzzParseStatusKB: whatever other lines /proc/self/status holds, the
// field's line is read back exactly; a malformed line is refused, not
// misread.
func FuzzParseStatusKB(f *testing.F) {
	f.Add("VmPeak:\t 1 kB\nName: x", uint32(1776), "kB")
	f.Add("", uint32(0), "MB")
	f.Add("\x00\r", uint32(99), "kb")
	f.Fuzz(func(t *testing.T, other string, n uint32, unit string) {
		in := noKeyLines(other) + "\nVmHWM:\t  " + strconv.FormatUint(uint64(n), 10) + " " + unit + "\n"
		got, ok := parseStatusKB(strings.NewReader(in), "VmHWM")
		// The unit is what follows the number on the field's line, white
		// space around it not counting (as in /proc, where it is aligned).
		line, _, _ := strings.Cut(unit, "\n")
		if want := slices.Equal(strings.Fields(line), []string{"kB"}); ok != want || (ok && got != int64(n)) || (!ok && got != 0) {
			t.Fatalf("parseStatusKB(%q) = %d, %v; want %d, %v", in, got, ok, n, want)
		}
	})
}

// FuzzParseCPUModel: the "model name" line's value is read back trimmed,
// whatever other lines /proc/cpuinfo holds.
func FuzzParseCPUModel(f *testing.F) {
	f.Add("processor\nflags", " AMD EPYC ")
	f.Add("", "")
	f.Add("\r\n", "Pi: 4")
	f.Fuzz(func(t *testing.T, other, model string) {
		if strings.ContainsAny(model, "\n\r") || len(model) > 1024 {
			return // a value is one line
		}
		in := noKeyLines(other) + "\nmodel name\t: " + model + "\n"
		if got := parseCPUModel(strings.NewReader(in)); got != strings.TrimSpace(model) {
			t.Fatalf("parseCPUModel(%q) = %q, want %q", in, got, strings.TrimSpace(model))
		}
	})
}
