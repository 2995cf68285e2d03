package proof

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
	"github.com/xuri/excelize/v2"
)

// The hostile files of issue 20.

const hostileSheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
	`<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c><c r="B1" t="inlineStr"><is><t>notes</t></is></c></row>`

// fill writes n bytes of c.
func fill(t *testing.T, w io.Writer, c byte, n int) {
	chunk := bytes.Repeat([]byte{c}, 1<<20)
	for ; n > 0; n -= len(chunk) {
		if _, err := w.Write(chunk[:min(n, len(chunk))]); err != nil {
			t.Fatal(err)
		}
	}
}

// eppHead is an EDI++ file's head, up to the contractors.
const eppHead = "[INFO]\r\n\"1.05\",3,1250,\"Subiekt GT\"\r\n\r\n[NAGLOWEK]\r\n\"KONTRAHENCI\"\r\n\r\n[ZAWARTOSC]\r\n"

func eppRecord(i int) string {
	return fmt.Sprintf(`0,"K%d","Klient %d","Klient %d","Lodz","90-001","ul. A 1","%010d",,,,,"k%d@example.pl"`, i, i, i, i, i) + strings.Repeat(",", 17)
}

// TestHostileFilesRefused (issue 20, items 3, 5, 6): a 200 MB cell, a
// sheet of white space, a table of too many shared strings, an EDI++ file
// cut mid-record, one with an unclosed quote or a 3-field record, and a
// mapping with a second YAML document are each refused by the real binary
// — exit 2, not one request, the file and line (row, column) named — the
// workbooks under 150 MB of peak RSS.
func TestHostileFilesRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 3})
	dir := t.TempDir()
	writeWorkbook(t, filepath.Join(dir, "cell.xlsx"), func(w io.Writer) {
		_, _ = io.WriteString(w, hostileSheetHead+`<row r="2"><c r="A2" t="inlineStr"><is><t>a@example.com</t></is></c><c r="B2" t="inlineStr"><is><t>`)
		fill(t, w, 'x', 200<<20)
		_, _ = io.WriteString(w, `</t></is></c></row></sheetData></worksheet>`)
	})
	writeWorkbook(t, filepath.Join(dir, "space.xlsx"), func(w io.Writer) {
		_, _ = io.WriteString(w, hostileSheetHead+`<row r="2"><c r="A2" t="inlineStr"><is><t>a@example.com</t></is></c></row>`)
		fill(t, w, ' ', 200<<20)
		_, _ = io.WriteString(w, `</sheetData></worksheet>`)
	})
	sst := `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + strings.Repeat("<si><t>a</t></si>", sheet.MaxSharedStrings+1) + `</sst>`
	writeWorkbook(t, filepath.Join(dir, "sst.xlsx"), func(w io.Writer) {
		_, _ = io.WriteString(w, hostileSheetHead+`<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>`)
	}, "xl/sharedStrings.xml", sst)
	whole := eppHead + eppRecord(1) + "\r\n" + eppRecord(2) + "\r\n" + eppRecord(3) + "\r\n"
	writeFile(t, dir, "cut.epp", whole[:len(whole)-50])
	writeFile(t, dir, "short.epp", eppHead+eppRecord(1)+"\r\n"+`0,"K2","Klient 2"`+"\r\n"+eppRecord(3)+"\r\n")
	writeFile(t, dir, "quote.epp", eppHead+eppRecord(1)+"\r\n"+`0,"K2","Klient 2`+"\r\n"+eppRecord(3)+"\r\n")
	writeFile(t, dir, "ok.csv", "email\na@example.com\n")
	writeFile(t, dir, "two.yaml", "columns:\n  email: email\n---\ncolumns:\n  email: email\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"a 200 MB cell", []string{"cell.xlsx"}, []string{"cell.xlsx", "row 2, column 2", "nothing was sent"}},
		{"200 MB of white space", []string{"space.xlsx"}, []string{"space.xlsx", "row 2", "more than 1 MB"}},
		{"too many shared strings", []string{"sst.xlsx"}, []string{"sst.xlsx", "distinct texts", "CSV"}},
		{"EDI++ cut mid-record", []string{"cut.epp"}, []string{"cut.epp", "row 10", "cut short"}},
		{"EDI++ 3-field record", []string{"short.epp"}, []string{"short.epp", "row 9", "3 fields"}},
		{"EDI++ unclosed quote", []string{"quote.epp"}, []string{"short.epp", "row 9, column 3", "not closed"}},
		{"a second YAML document", []string{"ok.csv", "--mapping", "two.yaml"}, []string{"two.yaml:3", "second YAML document"}},
	}
	tests[5].want[0] = "quote.epp"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := command(t.Context(), t, dir, url, append([]string{"import"}, append(tt.args, "--report", "r.csv", "--rate", crashRate, "--no-progress")...)...)
			peak := measured(t, cmd)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, errb.String())
				}
			}
			if n := strings.Count(errb.String(), "nothing was sent"); n > 1 {
				t.Errorf("the message says %d times that nothing was sent:\n%s", n, errb.String())
			}
			rss := peak() >> 10
			if rss > 150 {
				t.Errorf("peak RSS %d MB refusing it", rss)
			}
			t.Logf("peak RSS %d MB: %s", rss, strings.TrimSpace(errb.String()))
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests for refused files, want 0", n)
	}
}

// TestNULNeverStored (issue 20, item 6): a NUL in a CSV past its first
// 32 KiB, in an XLSX cell (its _x0000_ escape) or in an EDI++ field makes
// that row invalid, named in the report; the other rows are imported and
// no stored client holds a control character.
func TestNULNeverStored(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	var csvb strings.Builder
	csvb.WriteString("email,invoice_fullname\n")
	for i := 0; csvb.Len() < 40<<10; i++ {
		fmt.Fprintf(&csvb, "c%d@example.com,Klient %d\n", i, i)
	}
	nulRow := strings.Count(csvb.String(), "\n") + 1
	csvb.WriteString("nul@example.com,Nul\x00Name\nlast@example.com,Last\n")
	writeFile(t, dir, "nul.csv", csvb.String())
	f, err := os.Create(filepath.Join(dir, "nul.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sheet.NewXLSXWriter(f, sheet.XLSXWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]string{{"email", "invoice_fullname"}, {"x1@example.com", "One"}, {"x2@example.com", "Two\x00"}, {"x3@example.com", "Bell\x07"}} {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	writeFile(t, dir, "nul.epp", eppHead+eppRecord(1)+"\r\n"+strings.Replace(eppRecord(2), `"Klient 2","Lodz"`, "\"Klient\x002\",\"Lodz\"", 1)+"\r\n")
	writeFile(t, dir, "epp.yaml", "columns:\n  email: E-mail\n  invoice_fullname: Nazwa pełna\n")
	for _, tc := range []struct {
		file string
		args []string
		bad  []string // report rows that must be invalid
		ok   int      // rows imported
	}{
		{"nul.csv", nil, []string{fmt.Sprint(nulRow)}, nulRow - 1},
		{"nul.xlsx", nil, []string{"3", "4"}, 1},
		{"nul.epp", []string{"--mapping", "epp.yaml"}, []string{"9"}, 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
			res := runBin(t, dir, url, append([]string{"import", tc.file, "--match-by", "email", "--report", "r.csv", "--rate", crashRate, "--no-progress"}, tc.args...)...)
			if res.code == 0 || res.code == 2 {
				t.Errorf("exit %d, want the exit of a run with invalid rows\n%s", res.code, res.stderr)
			}
			lines := readReport(t, filepath.Join(dir, "r.csv"))
			bad := map[string]bool{}
			for _, l := range lines {
				if strings.Contains(l["error_message"], "control_character") {
					bad[l["row"]] = true
				}
			}
			for _, r := range tc.bad {
				if !bad[r] {
					t.Errorf("row %s is not reported invalid for its control character (%d report lines)", r, len(lines))
				}
			}
			clients := srv.Clients()
			if len(clients) != tc.ok {
				t.Errorf("%d clients stored, want %d", len(clients), tc.ok)
			}
			for _, c := range clients {
				if s := fmt.Sprint(c); strings.ContainsAny(s, "\x00\x07") {
					t.Errorf("a stored client holds a control character: %q", s)
				}
			}
		})
	}
}

// TestUnsavedFormulaRowReported (issue 20, item 6): a row whose every
// cell is a formula with no saved value gets its report line (it
// disappeared, exit 0).
func TestUnsavedFormulaRowReported(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"email", "invoice_fullname"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"a@example.com", "A"})
	_ = f.SetCellFormula("Sheet1", "A3", `=LOWER("B@EXAMPLE.COM")`)
	_ = f.SetCellFormula("Sheet1", "B3", `=B2&"B"`)
	_ = f.SetSheetRow("Sheet1", "A4", &[]any{"c@example.com", "C"})
	if err := f.SaveAs(filepath.Join(dir, "formulas.xlsx")); err != nil {
		t.Fatal(err)
	}
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
	res := runBin(t, dir, url, "import", "formulas.xlsx", "--match-by", "email", "--report", "r.csv", "--rate", crashRate, "--no-progress")
	if res.code == 0 {
		t.Errorf("exit 0 with a row not sent\n%s", res.stderr)
	}
	var got reportLine
	for _, l := range readReport(t, filepath.Join(dir, "r.csv")) {
		if l["row"] == "3" {
			got = l
		}
	}
	if got["status"] != "invalid" || !strings.Contains(got["error_message"], "formula") {
		t.Errorf("row 3: %v, want an invalid line naming the unsaved formulas", got)
	}
	if n := len(srv.Clients()); n != 2 {
		t.Errorf("%d clients stored, want 2", n)
	}
}

// TestEPPFiftyThousandContractors (issue 20, item 5): a Subiekt export of
// 50,000 contractors imports (a dry run here): the bounds of a record are
// per record, not per section (it was refused past ~2,200).
func TestEPPFiftyThousandContractors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(eppHead)
	for i := range 50_000 {
		b.WriteString(eppRecord(i) + "\r\n")
	}
	writeFile(t, dir, "k.epp", b.String())
	writeFile(t, dir, "epp.yaml", "columns:\n  email: E-mail\n  invoice_fullname: Nazwa pełna\n")
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1})
	res := runBin(t, dir, url, "import", "k.epp", "--mapping", "epp.yaml", "--dry-run", "--report", "r.csv", "--no-progress")
	if res.code != 0 || !strings.Contains(res.stderr, "50000 rows") {
		t.Fatalf("exit %d, want 0 and 50000 rows\n%s", res.code, res.stderr)
	}
}
