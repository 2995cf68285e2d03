// Package samples carries the sample file `crmbulk demo` imports, embedded,
// so the demo works from any directory. The samples themselves (data files,
// mappings, schedules) are documented in samples/README.md.
package samples

import (
	"embed"
	"encoding/json"
)

// Mappings holds every sample's mapping file, NAME/mapping.yaml (NAME:
// google, polish-excel, shopify, subiekt…), for crmbulk ui's "open a
// sample".
//
//go:embed */mapping.yaml
var Mappings embed.FS

// DemoData is the Shopify customers export the demo imports (its expected
// outcome is DemoCounts); DemoMapping is its mapping file.
var (
	//go:embed shopify/customers_export.csv
	DemoData []byte
	//go:embed shopify/mapping.yaml
	DemoMapping []byte
)

// The demo sandbox's seed and size. The round-trip sample's client IDs are
// those of this sandbox, so the demo, the samples test and the generator
// (samples/internal/gen) all use these.
const (
	DemoSeed    = 1
	DemoClients = 350
)

// Names the demo gives the embedded files on disk.
const (
	DemoDataName    = "shopify-customers_export.csv"
	DemoMappingName = "shopify-mapping.yaml"
)

//go:embed expected.json
var expectedJSON []byte

// DemoCounts is the outcome of a dry run of the demo's sample, by status,
// as samples/expected.json states it (and the samples test enforces).
func DemoCounts() map[string]int {
	var doc struct {
		Samples []struct {
			Name   string         `json:"name"`
			Counts map[string]int `json:"counts"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(expectedJSON, &doc); err != nil {
		panic("samples/expected.json: " + err.Error()) // embedded at build time: a test reads it
	}
	for _, s := range doc.Samples {
		if s.Name == "shopify" {
			return s.Counts
		}
	}
	panic("samples/expected.json has no shopify sample")
}
