package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/mapping"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sheet"
)

// fuzzMapping maps three columns through a template and transforms, so the
// fuzzer's cells go through mapping and every validation rule.
const fuzzMapping = `columns:
  email: { column: "a", transform: [trim, lower] }
  invoice_fullname: { template: "{b} {c}", transform: [collapse_spaces] }
  star: "c"
  invoice_country_code: { column: "b", transform: [upper] }
`

// FuzzDryRun feeds whole files — any bytes, any delimiter, any encoding —
// through the importer's read → map → validate → report path (a dry run: no
// API). It must never panic; a file it refuses is refused with ErrBadInput;
// a file it takes gets a report with one line per row, in order, each with
// a known status and nothing marked sent (skipped only as no client: an
// empty or total row, a repeat).
func FuzzDryRun(f *testing.F) {
	f.Add([]byte("a,b,c\nx@y.pl,pl,3\n"), uint8(0), uint8(0))
	f.Add([]byte("a;b;c\r\n\"x;@y.pl\";\"P\"\"L\";9\r\n\r\n;;\n"), uint8(2), uint8(1))
	f.Add([]byte("\xef\xbb\xbfa\tb\tc\nZ\xb3\xf3\tde\t1\n"), uint8(3), uint8(1))
	f.Add([]byte("\xff\xfea\x00,\x00b\x00,\x00c\x00\n\x00x\x00,\x00y\x00,\x001\x00\n\x00"), uint8(0), uint8(2))
	f.Add([]byte("a|b|c\n1|2|3|4\n\"open|2|3\n"), uint8(4), uint8(0))
	f.Add([]byte("a,b,c\n=cmd,'+1,-2\n"), uint8(1), uint8(3))
	f.Add([]byte("a,b,c,d\nx@y.pl,pl,3,\nx@y.pl,pl,3,\n,,,Razem: 2\n,,,z\n"), uint8(1), uint8(0))
	m, err := mapping.Parse("fuzz.yaml", []byte(fuzzMapping))
	if err != nil {
		f.Fatal(err)
	}
	delims := []rune{0, ',', ';', '\t', '|'}
	encs := []string{"", "windows-1250", "utf-16le", "iso-8859-2"}
	f.Fuzz(func(t *testing.T, data []byte, delim, enc uint8) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.csv")
		if err := os.WriteFile(in, data, 0o600); err != nil {
			t.Fatal(err)
		}
		so := sheet.Options{Delimiter: delims[int(delim)%len(delims)], Encoding: encs[int(enc)%len(encs)]}
		sum, err := importer.Run(context.Background(), nil, in, importer.Config{Mapping: m, DryRun: true, Sheet: so, Workers: 2})
		if err != nil {
			if !errors.Is(err, events.ErrBadInput) {
				t.Fatalf("refused without ErrBadInput: %v", err)
			}
			return
		}
		b, err := os.ReadFile(sum.Report)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("the report is not CSV: %v\n%s", err, b)
		}
		if len(recs)-1 != sum.Rows {
			t.Fatalf("%d report lines, summary says %d rows", len(recs)-1, sum.Rows)
		}
		known := map[string]bool{}
		for _, s := range events.Statuses() {
			known[string(s)] = true
		}
		last := 0
		for _, r := range recs[1:] {
			n, err := strconv.Atoi(r[0])
			if err != nil || n <= last {
				t.Fatalf("report row %q after %d: not in input order", r[0], last)
			}
			last = n
			noClient := r[1] == string(events.StatusSkipped) &&
				(r[3] == importer.CodeEmptyRow || r[3] == importer.CodeTotalRow || r[3] == importer.CodeSameAsRow)
			if !known[r[1]] || r[1] == string(events.StatusFailed) || r[1] == string(events.StatusSkipped) && !noClient {
				t.Fatalf("row %d: status %q (%s) in a dry run", n, r[1], r[3])
			}
		}
	})
}
