package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// officeClients hold the values a spreadsheet program likes to change.
var officeClients = []map[string]string{
	{"email": "zeros@example.pl", "phone": "0048600700800", "invoice_postcode": "01067", "invoice_fullname": "Jan Zerowy"},
	{"email": "plus@example.pl", "phone": "+48 501 222 333", "invoice_postcode": "00-950", "invoice_fullname": "Ola Plus"},
	{"email": "lines@example.pl", "phone": "48600700800", "invoice_address": "ul. Długa 5\nm. 7", "invoice_fullname": "Ewa Wiersz", "login": "2024-01-02"},
}

// officeSandbox starts a sandbox holding officeClients among 20 others
// and returns its number of clients and crmbulk's environment for it.
func officeSandbox(t *testing.T) (int, map[string]string) {
	t.Helper()
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 5, Clients: 20})
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range officeClients {
		if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: v}); err != nil {
			t.Fatal(err)
		}
	}
	return len(srv.Clients()), map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
}

// soffice converts in to the format of out's extension in out's folder
// with LibreOffice headless, as a second reader of crmbulk's files.
func soffice(t *testing.T, bin, in, infilter, convertTo string) string {
	t.Helper()
	outDir := t.TempDir()
	args := []string{"--headless", "-env:UserInstallation=file://" + filepath.Join(t.TempDir(), "profile")}
	if infilter != "" {
		args = append(args, "--infilter="+infilter)
	}
	args = append(args, "--convert-to", convertTo, "--outdir", outDir, in)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("soffice %v: %v\n%s", args, err, out)
	}
	ext, _, _ := strings.Cut(convertTo, ":")
	got := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))+"."+ext)
	if _, err := os.Stat(got); err != nil {
		t.Fatalf("soffice wrote no %s: %v", got, err)
	}
	return got
}

// TestLibreOfficeReadsTheExports opens crmbulk's XLSX export and its CSV
// for Excel in LibreOffice (headless: converted to CSV, and the XLSX saved
// again by LibreOffice) and checks what it read: every row, leading zeros
// and + kept as text, no apostrophes and no ="…" shown, a multi-line
// address whole, and the autofilter over every row. CI installs
// LibreOffice (.ci/run) and sets CRMBULK_NEED_SOFFICE; elsewhere, without
// soffice on the PATH, the test is skipped.
func TestLibreOfficeReadsTheExports(t *testing.T) {
	bin, err := exec.LookPath("soffice")
	if err != nil && os.Getenv("CRMBULK_NEED_SOFFICE") != "" {
		t.Fatal("CRMBULK_NEED_SOFFICE is set (CI installed LibreOffice) but soffice is not on the PATH")
	}
	if err != nil {
		t.Skip("soffice (LibreOffice) is not installed: apt-get install --no-install-recommends libreoffice-calc-nogui to run this check")
	}
	total, env := officeSandbox(t)
	dir := t.TempDir()
	xlsx, excelCSV := filepath.Join(dir, "clients.xlsx"), filepath.Join(dir, "excel.csv")
	for _, args := range [][]string{{"--out", xlsx}, {"--out", excelCSV, "--excel", "--delimiter", ";"}} {
		if r := runCmd(t, context.Background(), env, append([]string{"--no-progress", "export"}, args...)...); r.code != 0 {
			t.Fatalf("export %v: exit %d\n%s", args, r.code, r.errOut)
		}
	}
	// LibreOffice's CSV out: comma, double quote, UTF-8 (76), as it shows cells.
	const csvOut = "csv:Text - txt - csv (StarCalc):44,34,76,1"
	columns := 0
	for name, read := range map[string]string{
		"xlsx":          soffice(t, bin, xlsx, "", csvOut),
		"CSV for Excel": soffice(t, bin, excelCSV, "CSV:59,34,76,1", csvOut),
	} {
		rows := readOfficeCSV(t, read)
		columns = len(rows[0])
		if len(rows) != total+1 {
			t.Errorf("%s: LibreOffice read %d rows, want %d", name, len(rows)-1, total)
		}
		byEmail := map[string]map[string]string{}
		for _, r := range rows[1:] {
			m := map[string]string{}
			for i, h := range rows[0] {
				if i < len(r) {
					m[h] = r[i]
				}
			}
			byEmail[m["email"]] = m
			for h, v := range m {
				if textMarkShown.MatchString(v) || strings.HasPrefix(v, `="`) {
					t.Errorf("%s: LibreOffice shows %s of %s as %q", name, h, m["email"], v)
				}
			}
		}
		for _, want := range officeClients {
			got := byEmail[want["email"]]
			for field, v := range want {
				if got[field] != v {
					t.Errorf("%s: LibreOffice read %s of %s as %q, want %q", name, field, want["email"], got[field], v)
				}
			}
		}
	}
	// The autofilter LibreOffice took from the XLSX (saved again by it).
	resaved := soffice(t, bin, xlsx, "", "xlsx")
	sheetXML := zipText(t, resaved, "xl/worksheets/sheet1.xml")
	m := regexp.MustCompile(`<autoFilter ref="([^"]*)"`).FindStringSubmatch(sheetXML)
	last, _ := excelize.CoordinatesToCellName(columns, total+1)
	if m == nil || strings.ReplaceAll(m[1], "$", "") != "A1:"+last {
		t.Errorf("LibreOffice's autofilter is %v, want A1:%s (every row)", m, last)
	}
}

// textMarkShown is a text mark a spreadsheet shows: ' before a digit or a
// formula start (not the apostrophe of 's-Hertogenbosch).
var textMarkShown = regexp.MustCompile(`^'[0-9=+@-]`)

func readOfficeCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func zipText(t *testing.T, path, part string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open(part)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// TestXLSXReportShowsWholeErrors: an import's XLSX report holds each
// error text whole, and a text longer than its column wraps (top-aligned)
// instead of being cut at the next cell; the autofilter covers every line.
func TestXLSXReportShowsWholeErrors(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 50})
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	report := filepath.Join(t.TempDir(), "report.xlsx")
	r := runCmd(t, context.Background(), env, "--no-progress", "import", "../../samples/shopify/customers_export.csv",
		"--mapping", "../../samples/shopify/mapping.yaml", "--dry-run", "--report", report)
	if r.code != exitRowsFailed {
		t.Fatalf("import: exit %d\n%s", r.code, r.errOut)
	}
	f, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Report")
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "error_message" {
			col = i
		}
	}
	found := false
	for i, row := range rows[1:] {
		if col < 0 || col >= len(row) || len(row[col]) < 100 {
			continue
		}
		found = true
		cell, _ := excelize.CoordinatesToCellName(col+1, i+2)
		if !strings.Contains(row[col], "the API allows at most 20") {
			t.Errorf("%s holds %q, not the whole error", cell, row[col])
		}
		id, _ := f.GetCellStyle("Report", cell)
		st, err := f.GetStyle(id)
		if err != nil || st.Alignment == nil || !st.Alignment.WrapText || st.Alignment.Vertical != "top" {
			t.Errorf("%s (%d characters) does not wrap: %+v %v", cell, len(row[col]), st, err)
		}
	}
	if !found {
		t.Fatalf("no long error_message in the report: %q", rows)
	}
	sheetXML := zipText(t, report, "xl/worksheets/sheet1.xml")
	if m := regexp.MustCompile(`<autoFilter ref="([^"]*)"`).FindStringSubmatch(sheetXML); m == nil || !strings.HasSuffix(strings.ReplaceAll(m[1], "$", ""), strconv.Itoa(len(rows))) {
		t.Errorf("the report's autofilter %v does not reach its last line %d", m, len(rows))
	}
}

// TestXLSXExportLayout reads crmbulk's XLSX export as a second reader
// does (the zip's XML for the dimension and the autofilter, the cells'
// styles for wrapping): both name every row, and a multi-line address
// wraps instead of running over the rows below. It needs no LibreOffice.
func TestXLSXExportLayout(t *testing.T) {
	total, env := officeSandbox(t)
	out := filepath.Join(t.TempDir(), "clients.xlsx")
	if r := runCmd(t, context.Background(), env, "--no-progress", "export", "--out", out); r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.errOut)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Clients")
	last, _ := excelize.CoordinatesToCellName(len(rows[0]), total+1)
	sheetXML := zipText(t, out, "xl/worksheets/sheet1.xml")
	for _, re := range []string{`<dimension ref="([^"]*)"`, `<autoFilter ref="([^"]*)"`} {
		if m := regexp.MustCompile(re).FindStringSubmatch(sheetXML); m == nil || strings.ReplaceAll(m[1], "$", "") != "A1:"+last {
			t.Errorf("%s: %v, want A1:%s", re, m, last)
		}
	}
	if !regexp.MustCompile(`<definedName [^>]*name="_xlnm._FilterDatabase"[^>]*>[^<]*!\$A\$1:\$[A-Z]+\$` + strconv.Itoa(total+1) + `<`).MatchString(zipText(t, out, "xl/workbook.xml")) {
		t.Errorf("the workbook's _FilterDatabase does not reach row %d: %s", total+1, zipText(t, out, "xl/workbook.xml"))
	}
	wrapped := 0
	for i, row := range rows {
		for j, v := range row {
			if !strings.Contains(v, "\n") {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			id, _ := f.GetCellStyle("Clients", cell)
			if st, err := f.GetStyle(id); err != nil || st.Alignment == nil || !st.Alignment.WrapText {
				t.Errorf("%s %q does not wrap", cell, v)
			}
			wrapped++
		}
	}
	if wrapped == 0 {
		t.Error("no multi-line value in the export to check")
	}
}
