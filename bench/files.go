package bench

import (
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/crmbulk/crmbulk/sheet"
)

// inputHeader is the header of every generated import file: API field names,
// so the importer's default identity mapping binds it.
var inputHeader = []string{"email", "invoice_fullname", "invoice_company", "invoice_address", "invoice_postcode",
	"invoice_city", "invoice_country_code", "phone", "star"}

// inputRecord is row i of a generated file; city replaces the city (the
// per-row scenario changes it to make every row an update).
func inputRecord(buf []string, i int, city string) []string {
	return append(buf[:0], fmt.Sprintf("client%d@example.com", i), fmt.Sprintf("Jan Kowalski %d", i), "Kowalski Sp. z o.o.",
		fmt.Sprintf("ul. Długa %d", i%300), "00-950", city, "PL", fmt.Sprintf("+48 600 %06d", i%1000000), strconv.Itoa(i%6))
}

// fileCache generates each input file once per run.
type fileCache struct {
	dir   string
	mu    sync.Mutex
	files map[string]string
}

// input returns a generated file of rows rows in format "csv" or "xlsx",
// the city of every row being city.
func (fc *fileCache) input(format string, rows int, city string) (string, error) {
	name := fmt.Sprintf("in-%d-%s.%s", rows, city, format)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if p, ok := fc.files[name]; ok {
		return p, nil
	}
	p := filepath.Join(fc.dir, name)
	if err := writeInput(p, rows, city); err != nil {
		return "", err
	}
	fc.files[name] = p
	return p, nil
}

func writeInput(path string, rows int, city string) error {
	w, err := sheet.Create(path, sheet.CreateOptions{})
	if err != nil {
		return fmt.Errorf("generating %s: %w", filepath.Base(path), err)
	}
	if err := w.Write(inputHeader); err != nil {
		_ = w.Close()
		return fmt.Errorf("generating %s: %w", filepath.Base(path), err)
	}
	var buf []string
	for i := range rows {
		buf = inputRecord(buf, i, city)
		if err := w.Write(buf); err != nil {
			_ = w.Close()
			return fmt.Errorf("generating %s, row %d: %w", filepath.Base(path), i+2, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("generating %s: %w", filepath.Base(path), err)
	}
	return nil
}
