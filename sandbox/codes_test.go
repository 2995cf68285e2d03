package sandbox

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCodesMatchDocs: the table in docs/sandbox.md lists every Code
// constant of codes.go, each with its value, so the documentation cannot
// drift from the codes the sandbox answers with.
func TestCodesMatchDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/sandbox.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(ERROR_[A-Z_]+)` \\(`(Code[A-Za-z]+)`\\)").FindAllSubmatch(doc, -1) {
		documented[string(m[2])] = string(m[1])
	}
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && len(v.Values) == 1 && strings.HasPrefix(v.Names[0].Name, "Code") {
			if lit, ok := v.Values[0].(*ast.BasicLit); ok {
				declared[v.Names[0].Name], _ = strconv.Unquote(lit.Value)
			}
		}
		return true
	})
	if len(declared) < 13 || !maps.Equal(documented, declared) {
		t.Errorf("docs/sandbox.md's table lists %v,\ncodes.go declares %v", documented, declared)
	}
}
