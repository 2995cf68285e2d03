package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestDemo runs `crmbulk demo` as a fresh clone would: no token, no network.
// It must exit 0 despite the sample's invalid rows, write a complete export
// and a report, print both summaries, and never print its token.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := runCmd(t, context.Background(), nil, "--no-progress", "demo", "--dir", dir, "--clients", "230", "--latency", "2ms")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.errOut)
	}
	all := r.out + r.errOut
	want := samples.DemoCounts()
	for _, want := range []string{"exported 230 clients", fmt.Sprintf("created %d", want["created"]), fmt.Sprintf("invalid %d", want["invalid"]), "invalid on purpose", dir} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if tok := regexp.MustCompile(`demo-[A-Z2-7]{26}`).FindString(all); tok != "" {
		t.Errorf("the demo printed its token %q", tok)
	}
	exports, _ := filepath.Glob(filepath.Join(dir, "clients-*.xlsx"))
	if len(exports) != 1 {
		t.Fatalf("exports in %s: %v", dir, exports)
	}
	rd, err := sheet.Open(exports[0], sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	n := 0
	for {
		if _, err := rd.Read(); err != nil {
			break
		}
		n++
	}
	if n != 230 {
		t.Errorf("the export holds %d clients, want 230", n)
	}
	if counts := reportCounts(t, filepath.Join(dir, "shopify-customers_export.report.csv")); counts["created"] != want["created"] || counts["invalid"] != want["invalid"] {
		t.Errorf("report counts %v, want %v", counts, want)
	}
	for _, f := range []string{"shopify-customers_export.csv", "shopify-mapping.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the demo did not leave %s: %v", f, err)
		}
	}
}
