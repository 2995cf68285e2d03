package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/sheet"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of cmd/crmbulk/testdata")

// initFlags are the flags a person would give `mapping init` for each sample.
// None: the cp1250 sample's code page is detected (and written into
// source.encoding).
var initFlags = map[string][]string{}

// TestMappingInitSamples runs `crmbulk mapping init` on every sample, compares
// the proposal with its golden file, and proves it loads with mapping.Parse
// and binds to the sample's header when read the way its source: says.
func TestMappingInitSamples(t *testing.T) {
	for _, s := range loadExpected(t) {
		t.Run(s.Name, func(t *testing.T) {
			file := filepath.Join(samplesDir, s.File)
			args := append([]string{"mapping", "init", file}, initFlags[s.Name]...)
			r := runCmd(t, context.Background(), nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			golden := filepath.Join("testdata", "mapping_init", s.Name+".golden.yaml")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(r.out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestMappingInitSamples -update)", err)
			}
			if !bytes.Equal([]byte(r.out), want) {
				t.Errorf("proposal differs from %s (run with -update if intended):\n%s", golden, r.out)
			}
			m, err := mapping.Parse("proposed.yaml", []byte(r.out))
			if err != nil {
				t.Fatalf("the proposal does not parse: %v", err)
			}
			rd, err := sheet.Open(file, sheet.Options{Sheet: m.Source.Sheet, Encoding: m.Source.Encoding, Delimiter: m.Source.Delimiter})
			if err != nil {
				t.Fatalf("reading the sample as the proposal's source: says: %v", err)
			}
			defer rd.Close()
			if _, err := m.Bind(rd.Header()); err != nil {
				t.Fatalf("the proposal does not bind to the header: %v", err)
			}
			if len(m.Fields()) < 3 {
				t.Errorf("only %v proposed", m.Fields())
			}
		})
	}
}

func TestMappingInitErrors(t *testing.T) {
	dir := t.TempDir()
	nothing := filepath.Join(dir, "nothing.csv")
	if err := os.WriteFile(nothing, []byte("Foo,Bar\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no column fits", []string{"mapping", "init", nothing}, "no column of the header"},
		{"missing file", []string{"mapping", "init", filepath.Join(dir, "missing.csv")}, "missing.csv"},
		{"bad delimiter", []string{"mapping", "init", nothing, "--delimiter", "x"}, "--delimiter"},
		{"no file", []string{"mapping", "init"}, "arg"},
		{"no subcommand", []string{"mapping"}, "mapping init FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, context.Background(), nil, tt.args...)
			if r.code != exitError {
				t.Errorf("exit %d, want %d", r.code, exitError)
			}
			if !strings.Contains(r.errOut, tt.want) {
				t.Errorf("stderr %q does not mention %q", r.errOut, tt.want)
			}
			if r.out != "" {
				t.Errorf("stdout not empty on error: %q", r.out)
			}
		})
	}
}

// TestMappingInitDelimiter: the proposal names the delimiter the reader
// split the header with, so that an import with it reads the same columns —
// also when the header line alone would suggest another delimiter.
func TestMappingInitDelimiter(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		want          string // the source: delimiter line, "" = none (comma)
	}{
		{"comma", "email,phone\nx@example.org,1\n", ""},
		{"semicolon", "email;phone;\"Kod, pocztowy\"\nx@example.org;1;00-950\n", `delimiter: ";"`},
		{"tab", "email\tphone\nx@example.org\t1\n", `delimiter: "tab"`},
		{"header misleads", "E-mail,Telefon;Miasto;Kraj\njan@x.pl,600100200\nola@x.pl,600100201\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".csv")
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := mappingInit(p, mappingInitFlags{})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, line := range strings.Split(string(out), "\n") {
				if l := strings.TrimSpace(line); strings.HasPrefix(l, "delimiter:") {
					got = strings.TrimSpace(strings.SplitN(l, "#", 2)[0])
				}
			}
			if got != tt.want {
				t.Errorf("delimiter line %q, want %q in:\n%s", got, tt.want, out)
			}
		})
	}
}
