package exporter

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestJSONLExport: --out clients.jsonl writes one object a client, in the
// CSV's order, keys the CSV's header, values the CSV's cells (the integer
// fields as numbers); --out - --format jsonl writes the same bytes to
// standard output. The file is the golden one.
func TestJSONLExport(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 3, Seed: 7})
	api := newAPI(t, url, 0, 0, "")
	dir := t.TempDir()
	cfg := capsConfig(api, Config{StatusNames: true})
	for _, name := range []string{"c.jsonl", "c.csv"} {
		if _, err := exportTo(t, api, OutputOptions{Path: filepath.Join(dir, name), NoFormulaGuard: true}, cfg); err != nil {
			t.Fatal(err)
		}
	}
	var stdout bytes.Buffer
	if _, err := exportTo(t, api, OutputOptions{Path: "-", Format: "jsonl", Stdout: &stdout}, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "c.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, stdout.Bytes()) {
		t.Errorf("--out - --format jsonl differs from the file:\n%s\n%s", stdout.Bytes(), got)
	}

	h, rows := readBack(t, filepath.Join(dir, "c.csv"))
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != len(rows) || len(rows) != len(s.Clients()) {
		t.Fatalf("%d JSON lines, %d CSV rows, %d clients", len(lines), len(rows), len(s.Clients()))
	}
	for i, line := range lines {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if keys := jsonKeys(t, line); !slices.Equal(keys, h) {
			t.Errorf("line %d keys %q, want the CSV header %q", i+1, keys, h)
		}
		for j, name := range h {
			var v string
			switch x := obj[name].(type) {
			case string:
				v = x
			case json.Number:
				v = x.String()
				if _, err := strconv.ParseInt(v, 10, 64); err != nil || !XLSXOptions(h).NumericColumns[j] {
					t.Errorf("line %d: %s is the number %s", i+1, name, v)
				}
			default:
				t.Errorf("line %d: %s is %T", i+1, name, x)
			}
			if v != rows[i][j] {
				t.Errorf("line %d, %s: %q, the CSV has %q", i+1, name, v, rows[i][j])
			}
		}
	}
	goldenFile(t, "clients.jsonl", got)
}

// jsonKeys returns an object's keys in the order they are written.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (run go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

// TestFormatTableIsTheOnePlace: a format added to the formats table alone
// is chosen by its name's ending and by --format, goes to standard output
// when the table says so, is named in the help and in every message that
// lists formats, and is written through its own writer — nothing else has
// to learn it.
func TestFormatTableIsTheOnePlace(t *testing.T) {
	saved := slices.Clone(formats)
	t.Cleanup(func() { formats = saved })
	var opened []string
	formats = append(formats, outputFormat{name: "psv", exts: []string{".psv"}, stdout: true, what: "pipes",
		open: func(w io.Writer, header []string, opt OutputOptions) (sheet.Writer, error) {
			opened = append(opened, strings.Join(header, "|"))
			return sheet.NewCSVWriter(w, sheet.CSVWriterOptions{Delimiter: '|'}), nil
		}})

	for _, tt := range []struct{ path, format, want string }{
		{"a.PSV", "", "psv"}, {"a.dat", "psv", "psv"}, {"-", "psv", "psv"}, {"-", "", "csv"},
		{"a.jsonl", "", "jsonl"}, {"a.NDJSON", "", "jsonl"}, {"-", "jsonl", "jsonl"},
	} {
		if got, err := FormatOf(tt.path, tt.format); err != nil || got != tt.want {
			t.Errorf("FormatOf(%q, %q) = %q, %v; want %q", tt.path, tt.format, got, err, tt.want)
		}
	}
	_, errName := FormatOf("a.csv", "ods")
	_, errExt := FormatOf("a.dat", "")
	_, errNone := OpenOutput(OutputOptions{})
	for _, f := range formats {
		for what, s := range map[string]string{"--format ods": errName.Error(), "a.dat": errExt.Error(),
			"no --out": errNone.Error(), "help": FormatHelp(), "FormatNames": strings.Join(FormatNames(), " ")} {
			if !strings.Contains(s, f.name) && !strings.Contains(s, f.exts[0]) {
				t.Errorf("%s does not name the %s format: %s", what, f.name, s)
			}
		}
	}
	if _, err := FormatOf("-", "xlsx"); err == nil || !strings.Contains(err.Error(), "clients.xlsx") {
		t.Errorf("xlsx to standard output: %v", err)
	}

	_, url := sandboxtest.New(t, sandbox.Config{Clients: 3, Seed: 7})
	path := filepath.Join(t.TempDir(), "c.psv")
	if _, err := exportTo(t, newAPI(t, url, 0, 0, ""), OutputOptions{Path: path}, Config{Columns: []string{"crm_client_id", "email"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || len(opened) != 1 || !strings.HasPrefix(string(b), "crm_client_id|email\n") || strings.Count(string(b), "\n") != 4 {
		t.Errorf("the table's writer was opened %v times; the file: %q (%v)", opened, b, err)
	}
}
