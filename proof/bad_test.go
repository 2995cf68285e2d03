package proof

import (
	"archive/zip"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.golden from the command's stderr")

// writeZipBomb writes a well-formed workbook whose sheet XML inflates
// past the reader's limit (sheet.DefaultMaxUnzipSize) from a few hundred KB.
func writeZipBomb(t *testing.T, path string) {
	t.Helper()
	writeWorkbook(t, path, func(w io.Writer) {
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>`)
		pad := bytes.Repeat([]byte(" "), 1<<20)
		for written := int64(0); written <= sheet.DefaultMaxUnzipSize; written += int64(len(pad)) {
			if _, err := w.Write(pad); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = io.WriteString(w, `</sheetData></worksheet>`)
	})
}

// writeWorkbook writes a workbook of one sheet, whose XML writeSheet
// streams (deflated: a hostile sheet is a small file), and the extra parts
// (name, then content, in pairs).
func writeWorkbook(t *testing.T, path string, writeSheet func(w io.Writer), extra ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	parts := []string{
		"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	parts = append(parts, extra...)
	for i := 0; i+1 < len(parts); i += 2 {
		w, err := zw.Create(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, parts[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	writeSheet(w)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBadInput runs the real command on each bad input and proves it stops
// with exit 2, a message that names the file (and row/column where there is
// one) and says what to do, and not one request.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		input string // file in testdata/bad, or built by the test
		args  []string
		names string // the file the message must name (default input)
	}{
		{"unclosed_quote", "unclosed_quote.csv", nil, ""},
		{"invalid_utf8", "invalid_utf8.csv", nil, ""},
		{"header_only", "header_only.csv", nil, ""},
		{"empty_file", "empty.csv", nil, ""},
		{"duplicate_headers", "duplicate_headers.csv", nil, ""},
		{"zip_bomb", "zip_bomb.xlsx", nil, ""},
		{"xlsx_not_a_zip", "not_a_zip.xlsx", nil, ""},
		{"unknown_extension", "clients.dat", nil, ""},
		{"mapping_typo", "shop.csv", []string{"--mapping", "typo_field.yaml"}, "typo_field.yaml:3"},
		{"missing_file", "nope.csv", nil, ""},
		{"unknown_encoding", "shop.csv", []string{"--encoding", "klingon"}, ""},
		{"mapping_not_yaml", "shop.csv", []string{"--mapping", "broken.yaml"}, "broken.yaml:"},
		{"mapping_missing_header", "shop.csv", []string{"--mapping", "missing_header.yaml"}, "missing_header.yaml:3"},
	}
	flags := importFlags(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 3})
			dir := t.TempDir()
			copyBad(t, dir)
			if tt.input == "zip_bomb.xlsx" {
				writeZipBomb(t, filepath.Join(dir, tt.input))
			}
			args := append([]string{"import", tt.input, "--match-by", "email", "--report", "r.csv", "--no-progress"}, tt.args...)
			res := runBin(t, dir, url, args...)
			if res.code != 2 {
				t.Errorf("exit %d, want 2\nstderr:\n%s", res.code, res.stderr)
			}
			if n := srv.Stats().Requests; n != 0 {
				t.Errorf("the sandbox saw %d requests, want none", n)
			}
			if strings.Contains(res.stderr, sandboxtest.DefaultToken) {
				t.Errorf("stderr shows the token:\n%s", res.stderr)
			}
			names := tt.names
			if names == "" {
				names = tt.input
			}
			if !strings.Contains(res.stderr, names) {
				t.Errorf("stderr does not name %s:\n%s", names, res.stderr)
			}
			// The house style puts what to do after a dash.
			if !strings.Contains(res.stderr, " — ") {
				t.Errorf("stderr does not say what to do:\n%s", res.stderr)
			}
			// Advice must be followable: every flag it names is a flag of import.
			for _, f := range flagRE.FindAllString(res.stderr, -1) {
				if !flags[f] {
					t.Errorf("stderr advises %s, which crmbulk import does not have:\n%s", f, res.stderr)
				}
			}
			got := normalise(res.stderr, dir, url)
			golden := filepath.Join("testdata", "bad", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("stderr differs from %s (-update to accept)\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

var flagRE = regexp.MustCompile(`--[a-z][a-z-]+`)

// importFlags returns the flags `crmbulk import --help` lists.
func importFlags(t *testing.T) map[string]bool {
	t.Helper()
	res := runBin(t, t.TempDir(), "http://127.0.0.1:1/", "import", "--help")
	if res.code != 0 {
		t.Fatalf("import --help: exit %d\n%s", res.code, res.stderr)
	}
	out := map[string]bool{}
	for _, f := range flagRE.FindAllString(res.stdout, -1) {
		out[f] = true
	}
	if !out["--mapping"] || !out["--encoding"] {
		t.Fatalf("import --help lists no --mapping/--encoding:\n%s", res.stdout)
	}
	return out
}

// TestRaggedRowIsBadInput: a row with more cells than the header is bad input
// like the others — a clear error naming file, row and column, exit 2, and
// nothing sent, not even for the good rows before it.
func TestRaggedRowIsBadInput(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 3})
	dir := t.TempDir()
	copyBad(t, dir)
	res := runBin(t, dir, url, "import", "ragged.csv", "--match-by", "email", "--report", "r.csv", "--no-progress")
	if res.code != 2 {
		t.Errorf("exit %d, want 2\n%s", res.code, res.stderr)
	}
	for _, s := range []string{"ragged.csv", "row 3", "column", "nothing was sent"} {
		if !strings.Contains(res.stderr, s) {
			t.Errorf("stderr does not say %q:\n%s", s, res.stderr)
		}
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests sent for a ragged file, want 0", n)
	}
}

// copyBad copies the committed bad inputs into dir.
func copyBad(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, filepath.Base(f), string(b))
	}
}

// normalise replaces the run's temporary directory and sandbox URL, and
// drops log timestamps, so the golden text is stable.
func normalise(s, dir, url string) string {
	s = strings.ReplaceAll(s, dir, "$DIR")
	s = strings.ReplaceAll(s, url, "$URL")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "time=") {
			if i := strings.Index(line, " "); i > 0 {
				line = line[i+1:]
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
