// Package samples carries the sample file `crmbulk demo` imports, embedded,
// so the demo works from any directory. The samples themselves (data files,
// mappings, schedules) are documented in samples/README.md.
package samples

import _ "embed"

// DemoData is the Shopify customers export the demo imports (15 rows, 2
// invalid on purpose); DemoMapping is its mapping file.
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
