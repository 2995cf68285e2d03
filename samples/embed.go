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

// Names the demo gives the embedded files on disk.
const (
	DemoDataName    = "shopify-customers_export.csv"
	DemoMappingName = "shopify-mapping.yaml"
)
