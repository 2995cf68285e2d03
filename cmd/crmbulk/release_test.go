package main

import (
	"os"
	"strings"
	"testing"
)

// TestReleaseArchivesCarryEverySample: every folder of samples/ an
// operator uses (all but the Go generator) is in the release archives.
func TestReleaseArchivesCarryEverySample(t *testing.T) {
	cfg, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("../../samples")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "internal" {
			continue
		}
		if !strings.Contains(string(cfg), "src: samples/"+e.Name()+"/*") {
			t.Errorf(".goreleaser.yaml's archives lack samples/%s/", e.Name())
		}
	}
	for _, f := range []string{"README.md", "LICENSE", "samples/README.md"} {
		if !strings.Contains(string(cfg), "src: "+f) {
			t.Errorf(".goreleaser.yaml's archives lack %s", f)
		}
	}
}
