package proof

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sheet"
)

// TestXLSXReportSurvivesSIGKILL: an XLSX can only be written whole, so a
// real run keeps its report's lines in a CSV record beside it as it goes.
// SIGKILL mid-run leaves that record (every finished line) and no half
// XLSX; --resume of the XLSX report reads the record, finishes, renders the
// XLSX and removes the record; the account ends as after a clean run.
func TestXLSXReportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary for several seconds")
	}
	rows := genInput(5, 300)
	bin(t)

	clean, cleanURL := crashSandbox(t)
	dir := crashDir(t, rows)
	start := time.Now()
	if res := runBin(t, dir, cleanURL, importArgs("r.xlsx")...); res.code != 1 {
		t.Fatalf("clean run: exit %d, want 1\n%s", res.code, res.stderr)
	}
	took := time.Since(start)
	checkOneLinePerRow(t, readXLSXReport(t, filepath.Join(dir, "r.xlsx")), rows)
	if _, err := os.Stat(filepath.Join(dir, "r.xlsx.record.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record of a finished run is still there: %v", err)
	}
	want := imported(t, clean)

	srv, url := crashSandbox(t)
	dir = crashDir(t, rows)
	cmd, errb := startBin(t, dir, url, importArgs("r.xlsx")...)
	timer := time.AfterFunc(took/2, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	_ = cmd.Wait()
	if timer.Stop() {
		t.Fatalf("the run ended before the SIGKILL at %s\n%s", took/2, errb.String())
	}
	record := filepath.Join(dir, "r.xlsx.record.csv")
	done := readReport(t, record)
	if len(done) == 0 {
		t.Fatalf("SIGKILL at %s left an empty record", took/2)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.xlsx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("SIGKILL left an XLSX report: %v", err)
	}
	t.Logf("SIGKILL at %s: %d of %d lines in the record", took/2, len(done), len(rows))

	for round := 1; ; round++ {
		res := runBin(t, dir, url, importArgs("r.xlsx", "--resume", "r.xlsx")...)
		if res.code == 1 || res.code == 0 {
			break
		}
		if round == 5 {
			t.Fatalf("resume %d: exit %d\n%s", round, res.code, res.stderr)
		}
	}
	checkOneLinePerRow(t, readXLSXReport(t, filepath.Join(dir, "r.xlsx")), rows)
	if _, err := os.Stat(record); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record is still there after the resume finished: %v", err)
	}
	assertSameClients(t, imported(t, srv), want)
}

// readXLSXReport reads an XLSX report's lines by column name.
func readXLSXReport(t testing.TB, path string) []reportLine {
	t.Helper()
	r, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		t.Fatalf("the XLSX report: %v", err)
	}
	defer r.Close()
	var out []reportLine
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("the XLSX report: %v", err)
		}
		l := reportLine{}
		for i, h := range r.Header() {
			l[h] = row.Cells[i]
		}
		out = append(out, l)
	}
}
