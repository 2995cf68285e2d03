package run

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestEveryFieldHasItsTags: every exported field of Line says where it is
// written — a report column (csv, with its XLSX width), a JSON key, a
// journal key — or "-" for each place it is not. A field added without
// them fails here (and the table refuses to build), so a new column cannot
// be added to one place and forgotten in another.
func TestEveryFieldHasItsTags(t *testing.T) {
	typ := reflect.TypeFor[Line]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		for _, k := range []string{"csv", "json", "journal", "xlsx"} {
			if v, ok := f.Tag.Lookup(k); !ok || v == "" {
				t.Errorf("Line.%s has no %s tag", f.Name, k)
			}
		}
	}
	if _, err := buildTable(typ); err != nil {
		t.Fatal(err)
	}
}

// TestEveryColumnIsInTheJournal: every report column of a line (all but
// the run's fingerprint, account and proof, which the journal's start and
// the report's key hold) is in the journal's done record, so a line
// settled from the journal after a crash is the line the report would
// have had. This is the copy that used to be forgotten.
func TestEveryColumnIsInTheJournal(t *testing.T) {
	perRun := map[string]bool{"InputSHA": true, "Account": true, "MAC": true}
	for _, f := range lineTable().columns {
		if f.journal == "" && !perRun[f.name] {
			t.Errorf("Line.%s is the report's column %q but not in the journal's done record: give it a journal tag", f.name, f.csv)
		}
	}
}

// TestBuildTableRefuses: a field without its tags, a column of a kind no
// cell holds, or a proof that is not the last column stop the table.
func TestBuildTableRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"no journal tag", reflect.TypeFor[struct {
			Row int    `csv:"row" json:"row" xlsx:"6"`
			MAC string `csv:"line_mac" json:"-" journal:"-" xlsx:"17"`
		}](), "Row has no journal tag"},
		{"no width", reflect.TypeFor[struct {
			Row int    `csv:"row" json:"row" journal:"row" xlsx:"wide"`
			MAC string `csv:"line_mac" json:"-" journal:"-" xlsx:"17"`
		}](), "not a column width"},
		{"a bool column", reflect.TypeFor[struct {
			OK  bool   `csv:"ok" json:"ok" journal:"ok" xlsx:"6"`
			MAC string `csv:"line_mac" json:"-" journal:"-" xlsx:"17"`
		}](), "cannot be a report column"},
		{"a column gocsv names otherwise", reflect.TypeFor[struct {
			Row int    `csv:",omitempty" json:"row" journal:"row" xlsx:"6"`
			MAC string `csv:"line_mac" json:"-" journal:"-" xlsx:"17"`
		}](), "gocsv reads the csv tags"},
		{"proof not last", reflect.TypeFor[struct {
			MAC string `csv:"line_mac" json:"-" journal:"-" xlsx:"17"`
			Row int    `csv:"row" json:"row" journal:"row" xlsx:"6"`
		}](), "last report column"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := buildTable(c.typ); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("buildTable: %v, want %q", err, c.want)
			}
		})
	}
}

// TestANewColumnIsOneField: a report column is one field with its tags:
// the header, the XLSX widths and the journal's and JSON's keys all follow
// from it, with nothing else to edit. (The places a new column touches:
// this field in line.go, the code that sets its value, and the golden
// reports under testdata that show it.)
func TestANewColumnIsOneField(t *testing.T) {
	typ := reflect.TypeFor[Line]()
	var fields []reflect.StructField
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Name == "InputSHA" { // the new column goes before the run's own
			fields = append(fields, reflect.StructField{Name: "NewColumnOfTheTest", Type: reflect.TypeFor[string](),
				Tag: `csv:"source" json:"source,omitempty" journal:"src" xlsx:"12"`})
		}
		fields = append(fields, f)
	}
	tb, err := buildTable(reflect.StructOf(fields))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Insert(Columns(), slices.Index(Columns(), "input_sha256"), "source")
	if !slices.Equal(tb.header, want) {
		t.Fatalf("header %q, want %q", tb.header, want)
	}
	i := slices.Index(tb.header, "source")
	if f := tb.columns[i]; f.width != 12 || f.journal != "src" || f.json != "source" || !f.jsonOmit {
		t.Fatalf("the new column %+v", f)
	}
	if tb.mac != len(tb.columns)-1 {
		t.Fatalf("the proof is column %d of %d", tb.mac, len(tb.columns))
	}
}

// TestColumnsAreTheGoldenReportsHeader: the header derived from the tags
// is the one every report so far was written with.
func TestColumnsAreTheGoldenReportsHeader(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "importer", "testdata", "no_match.golden.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	if got := strings.Join(Columns(), ","); got != sc.Text() {
		t.Fatalf("header %q, the golden report's %q", got, sc.Text())
	}
	// The XLSX widths and number columns the hand-written lists gave these
	// columns (a column added later brings its own).
	widths := map[string]float64{"row": 6, "status": 10, "crm_client_id": 13, "error_code": 16, "error_message": 60, "match_key": 24,
		"column": 18, "changes": 60, "warnings": 40, "note": 20, "input_sha256": 17, "account": 17, "line_mac": 17}
	numeric := XLSXOptions().NumericColumns
	for i, w := range XLSXOptions().Widths {
		name := Columns()[i]
		if want, ok := widths[name]; ok && w != want {
			t.Errorf("column %s is %v wide, want %v", name, w, want)
		}
		if _, old := widths[name]; old && numeric[i] != (name == "row" || name == "crm_client_id") {
			t.Errorf("column %s: a number %v", name, numeric[i])
		}
	}
}

// full is a line with every written field set.
func full() Line {
	return Line{Row: 7, Status: StatusUpdated, ID: 42, Code: "X", Message: "m, \"quoted\"", MatchKey: "email:a@b.pl",
		Column: "E-mail", Changes: Changes{{Field: "phone", Before: "1", After: "2", Known: true}, {Field: "status_id", Before: "3", After: "5", Known: true}},
		Warnings: "w", Note: "n", InputSHA: "sha", Account: "acc", MAC: "mac",
		StatusNames: map[string]string{"3": "Nowy", "5": "Stały"}}
}

// TestCellsRoundTrip: a line's cells read back are the line (its changes
// as text), and a cell that holds no number is an error naming its column.
func TestCellsRoundTrip(t *testing.T) {
	l := full()
	c := l.Cells()
	want := map[string]string{"row": "7", "status": "updated", "crm_client_id": "42", "error_code": "X", "error_message": "m, \"quoted\"",
		"match_key": "email:a@b.pl", "column": "E-mail", "changes": `phone: "1" → "2"; status_id: "3" → "5"`, "warnings": "w", "note": "n",
		"input_sha256": "sha", "account": "acc", "line_mac": "mac"}
	for name, cell := range want {
		if c.Cell(name) != cell {
			t.Errorf("column %s: %q, want %q", name, c.Cell(name), cell)
		}
	}
	back, err := c.Line()
	if err != nil {
		t.Fatal(err)
	}
	if back.Row != 7 || back.ID != 42 || back.Changes != nil || back.ChangesText() != want["changes"] || back.MAC != "mac" || back.Column != "E-mail" {
		t.Fatalf("read back %+v", back)
	}
	for _, id := range []int64{0, -3} { // -3: a dry run's placeholder
		if got := (&Line{Row: 2, ID: id}).Cells(); got[2] != "" {
			t.Errorf("client ID %d: the cell %q, want it empty", id, got[2])
		}
	}
	c[2] = "4x"
	if _, err := c.Line(); err == nil || !strings.Contains(err.Error(), `"crm_client_id"`) {
		t.Errorf("a bad client ID: %v", err)
	}
}

// TestLineJSON: the JSON of a line (import --format json) is its json
// tags: the keys scripts read, the changes with the statuses' names.
func TestLineJSON(t *testing.T) {
	l := full()
	b, err := json.Marshal(&l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"row":7,"status":"updated","crm_client_id":42,"error_code":"X","error_message":"m, \"quoted\"","match_key":"email:a@b.pl",` +
		`"changes":[{"field":"phone","before":"1","after":"2"},{"field":"status_id","before":"3","after":"5","before_name":"Nowy","after_name":"Stały"}],"warnings":"w","note":"n"}`
	if string(b) != want {
		t.Fatalf("JSON\n%s\nwant\n%s", b, want)
	}
	if b, _ := json.Marshal(Line{Row: 2, Status: StatusCreated, Changes: Changes{{Field: "email", After: "a@b.pl", Create: true}}}); string(b) !=
		`{"row":2,"status":"created","changes":[{"field":"email","after":"a@b.pl"}]}` {
		t.Fatalf("a create's JSON %s", b)
	}
}

// TestRequiredColumns: a report read back must have the columns tagged
// required (what a resume needs); any other may be missing.
func TestRequiredColumns(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		header string
		want   string // "" = read
	}{
		{"row,status,input_sha256", ""},
		{"row,status", `no "input_sha256" column`},
		{"status,input_sha256,changes", `no "row" column`},
		{"row,status,input_sha256, Row", "a column twice"},
	} {
		p := filepath.Join(dir, "r.csv")
		if err := os.WriteFile(p, []byte(c.header+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		rs, err := OpenCSVRecords(p)
		if err == nil {
			_ = rs.Close()
		}
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("header %q: %v, want %q", c.header, err, c.want)
		}
	}
}

// TestLineJSONReadBack: a line read back from its report's cells (resume,
// undo, the web page's report table) has the JSON the line had when it
// was written, its changes included — the report keeps them as text.
func TestLineJSONReadBack(t *testing.T) {
	for _, l := range []Line{
		{Row: 7, Status: StatusUpdated, ID: 42, Changes: Changes{{Field: "phone", Before: "1", After: "2", Known: true}}},
		{Row: 2, Status: StatusCreated, ID: 5, Changes: Changes{{Field: "email", After: "a@b.pl", Create: true}, {Field: "invoice_country_code", After: "PL", Create: true}}},
		{Row: 3, Status: StatusInvalid, Code: "X"},
	} {
		written, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := l.Cells().Line()
		if err != nil {
			t.Fatal(err)
		}
		read, err := json.Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		if string(read) != string(written) {
			t.Errorf("read back:\n%s\nwritten:\n%s", read, written)
		}
	}
}
