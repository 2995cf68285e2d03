package sheet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExcelOwnerFile: an owner file is refused naming the workbook it
// stands for, Excel's (~$ before the whole name) and Word's (~$ over the
// first two letters), also in a folder whose name holds glob characters.
func TestExcelOwnerFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "[2026] *klienci?")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"klienci sklep.xlsx", "~$ienci sklep.xlsx", "raport.xlsx", "~$port.xlsx", "~$whole.xlsx"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ owner, want string }{
		{"~$ienci sklep.xlsx", "import " + filepath.Join(dir, "klienci sklep.xlsx") + " itself"},
		{"~$port.xlsx", "import " + filepath.Join(dir, "raport.xlsx") + " itself"},
		{"~$whole.xlsx", "import the workbook itself"},
	}
	for _, tt := range tests {
		err := excelOwnerFile(filepath.Join(dir, tt.owner))
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrFormat saying %q", tt.owner, err, tt.want)
		}
	}
	if err := excelOwnerFile(filepath.Join(dir, "raport.xlsx")); err != nil {
		t.Errorf("a workbook is refused: %v", err)
	}
}
