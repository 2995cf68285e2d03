package bench

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where the figures came from.
type Machine struct {
	CPU       string // model name, "" when unknown
	Cores     int    // runtime.NumCPU
	GoVersion string
	OS, Arch  string
	LoadStart string // load averages (1, 5, 15 min) at the start, Linux only
}

// String is the one-line description printed above the table.
func (m Machine) String() string {
	s := fmt.Sprintf("%s, %d cores, %s %s/%s", cmp.Or(m.CPU, "unknown CPU"), m.Cores, m.GoVersion, m.OS, m.Arch)
	if m.LoadStart != "" {
		s += ", load average " + m.LoadStart + " at start"
	}
	return s
}

// ReadMachine describes this machine.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = parseCPUModel(f)
		_ = f.Close()
	}
	m.LoadStart = loadAverage()
	return m
}

// parseCPUModel returns the first "model name" (x86) or "Model"/"Hardware"
// (ARM) value of a /proc/cpuinfo text.
func parseCPUModel(r io.Reader) string {
	sc := bufio.NewScanner(r)
	fallback := ""
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name":
			return v
		case "Model", "Hardware":
			if fallback == "" {
				fallback = v
			}
		}
	}
	return fallback
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// parseStatusKB returns the value in kB of a field ("VmHWM", "VmRSS") of a
// /proc/self/status text.
func parseStatusKB(r io.Reader, field string) (int64, bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}
