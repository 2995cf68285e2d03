package sandbox

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestCodesMatchDocs: Codes() lists the codes of the table in
// docs/sandbox.md, in its order, so the documentation cannot drift from the
// codes the sandbox answers with.
func TestCodesMatchDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/sandbox.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(ERROR_[A-Z_]+)` \\(`Code").FindAllSubmatch(doc, -1) {
		documented = append(documented, string(m[1]))
	}
	if !slices.Equal(documented, Codes()) {
		t.Errorf("docs/sandbox.md's table lists %v,\nCodes() returns %v", documented, Codes())
	}
}
