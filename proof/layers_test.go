package proof

import (
	"os/exec"
	"strings"
	"testing"
)

// The pipeline's layers, lowest first: a package may import only packages
// of a lower layer (DESIGN.md: cmd/ui → importer/exporter/undo → run →
// mapping/validate/table I/O → API client; nothing imports cmd, and only
// cmd imports ui). A package under ui/ ranks as ui. The sandbox is the API's
// double, ranked above the importer and exporter so that they can never
// import it: only the commands, the benchmarks and tests do.
var layers = map[string]int{
	"internal/chars":          -1, // what white space, a dash and blank mean: every layer asks it
	"internal/flock":          -1, // file locks between processes
	"internal/inorder":        -1, // "k in flight, results in order": the page walk, export details, the run pool
	"internal/safefile":       -1, // files written without following links, read without blocking on FIFOs
	"internal/shellquote":     -1, // the commands crmbulk prints, quoted for the user's shell
	"baselinker/sharedwindow": 0,
	"baselinker/pacer":        0,
	"internal/iostreams":      0,
	"internal/progress":       0,
	"internal/recordmac":      0, // the proof of a report line (a MAC keyed by the account's secret)
	"internal/runlock":        0, // one run per report and per input: locks that name their holder
	"internal/schedule":       0, // the nightly crontab, systemd units and Task Scheduler lines of an export
	"internal/suggest":        0,
	"sheet":                   1, // above runlock (an export's lock), below every package that reads or writes a sheet
	"samples":                 0,
	"baselinker":              1,
	"validate":                2,
	"mapping":                 2,
	"mapping/guess":           3, // judges values as validate does: above it
	"run":                     3, // what import, undo and export share: below them, above the API
	"importer":                4,
	"exporter":                4,
	"undo":                    5, // reads an import's report: above the importer
	"sandbox":                 5,
	"sandbox/sandboxtest":     6,
	"bench":                   6,
	"bench/cmd/crmbulk-bench": 7,
	"samples/internal/gen":    6,
	"ui":                      6, // the web page (crmbulk ui): handlers over importer/exporter/undo, beside cmd; only cmd imports it
	"cmd/crmbulk":             7,
	"proof":                   7,
}

func TestLayers(t *testing.T) {
	const module = "github.com/crmbulk/crmbulk/"
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		rank, ok := layerOf(pkg)
		if !ok {
			t.Errorf("package %s has no layer: add it to the layers table in proof/layers_test.go", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			if r, ok := layerOf(dep); ok && r >= rank && !(inUI(pkg) && inUI(dep)) {
				t.Errorf("%s (layer %d) imports %s (layer %d): a package may import only lower layers", pkg, rank, dep, r)
			}
			if inUI(dep) && !inUI(pkg) && pkg != "cmd/crmbulk" {
				t.Errorf("%s imports %s: only the commands (cmd/crmbulk) import the web page", pkg, dep)
			}
		}
	}
}

// inUI reports whether pkg is the web page's (ui or a package under it).
func inUI(pkg string) bool { return pkg == "ui" || strings.HasPrefix(pkg, "ui/") }

// layerOf is pkg's layer: its own, or ui's for a package under ui/.
func layerOf(pkg string) (int, bool) {
	if r, ok := layers[pkg]; ok {
		return r, true
	}
	if inUI(pkg) {
		return layers["ui"], true
	}
	return 0, false
}
