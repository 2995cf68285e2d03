package sheet

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readCSV reads CSV from r as Open reads a file.
func readCSV(r io.Reader, name string, opt Options) (*Reader, error) {
	return newCSVReader(io.NopCloser(r), name, opt)
}

// dump reads everything from r into the text the golden files hold.
func dump(r *Reader, openErr error) string {
	var b strings.Builder
	if openErr != nil {
		fmt.Fprintf(&b, "open error: %v\n", openErr)
		return b.String()
	}
	fmt.Fprintf(&b, "header: %q\n", r.Header())
	for i := 0; i < 1000; i++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			b.WriteString("EOF\n")
			break
		}
		if err != nil {
			fmt.Fprintf(&b, "error (recoverable=%v): %v\n", Recoverable(err), err)
			if !Recoverable(err) {
				break
			}
			continue
		}
		fmt.Fprintf(&b, "row %d: %q\n", row.Num, row.Cells)
	}
	if err := r.Close(); err != nil {
		fmt.Fprintf(&b, "close error: %v\n", err)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestOpenCSVGolden(t *testing.T) {
	tests := []struct {
		file    string
		golden  string
		opt     Options
		openErr error // kind expected from Open
		readErr error // kind expected from some Read
	}{
		{file: "cp1250_semicolon.csv", opt: Options{Encoding: "cp1250"}},
		{file: "cp1250_semicolon.csv", golden: "cp1250_semicolon_windows1250", opt: Options{Encoding: "Windows-1250", Delimiter: ';'}},
		{file: "cp1250_semicolon.csv", golden: "cp1250_semicolon_noenc"}, // detected
		{file: "mixed_utf8.csv", readErr: ErrEncoding},                   // no code page makes sense of it
		{file: "utf8_bom.csv"},
		{file: "utf16le_tab.csv"},
		{file: "quoted_newlines.csv"},
		{file: "ragged.csv", readErr: ErrRagged},
		{file: "unclosed_quote.csv", readErr: ErrQuote},
		{file: "bare_quote.csv", readErr: ErrQuote},
		{file: "invalid_utf8.csv"}, // detected: windows-1250
		{file: "invalid_utf8.csv", golden: "invalid_utf8_latin2", opt: Options{Encoding: "latin2"}},
		{file: "header_only.csv", openErr: ErrNoRows},
		{file: "empty.csv", openErr: ErrEmpty},
		{file: "blank_lines_only.csv", openErr: ErrEmpty},
		{file: "duplicate_header.csv"}, // read: only a mapping that uses the name refuses it
		{file: "empty_header_data.csv", readErr: ErrEmptyHeader},
		{file: "header_row3.csv", opt: Options{HeaderRow: 3}},
		{file: "header_row3.csv", golden: "header_row9", opt: Options{HeaderRow: 9}, openErr: ErrEmpty},
		{file: "guarded.csv", opt: Options{UnguardFormulas: true}},
		{file: "guarded.csv", golden: "guarded_raw"},
		{file: "pipe.csv"},
		{file: "utf8_bom.csv", golden: "unknown_encoding", opt: Options{Encoding: "klingon"}, openErr: ErrEncoding},
		{file: "utf8_bom.csv", golden: "bad_delimiter", opt: Options{Delimiter: '"'}, openErr: ErrFormat},
	}
	for _, tt := range tests {
		name := tt.golden
		if name == "" {
			name = strings.TrimSuffix(tt.file, ".csv")
		}
		t.Run(name, func(t *testing.T) {
			r, err := Open(filepath.Join("testdata", tt.file), tt.opt)
			if tt.openErr != nil {
				var pe *ParseError
				if !errors.Is(err, tt.openErr) || !errors.As(err, &pe) {
					t.Fatalf("Open error = %v, want a *ParseError of kind %v", err, tt.openErr)
				}
				if pe.File != tt.file {
					t.Errorf("ParseError.File = %q, want %q", pe.File, tt.file)
				}
			} else if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if tt.readErr != nil {
				// Read again to find the error kind (dump below reads its own copy).
				r2, _ := Open(filepath.Join("testdata", tt.file), tt.opt)
				found := false
				for i := 0; i < 100; i++ {
					_, err := r2.Read()
					if errors.Is(err, tt.readErr) {
						var pe *ParseError
						if !errors.As(err, &pe) || pe.Row == 0 {
							t.Errorf("read error %v is not a *ParseError with a row", err)
						}
						found = true
						break
					}
					if err != nil && !Recoverable(err) {
						break
					}
				}
				_ = r2.Close()
				if !found {
					t.Errorf("no Read returned %v", tt.readErr)
				}
			}
			golden(t, name, dump(r, err))
		})
	}
}

func TestCSVRowNumbers(t *testing.T) {
	// Empty lines count, quoted newlines do not, blank rows are skipped.
	in := "h1,h2\r\n\r\n\"a\nb\nc\",1\r\n,\r\nx,\"y\r\nz\"\r\nlast,2"
	r, err := readCSV(strings.NewReader(in), "n.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var nums []int
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		nums = append(nums, row.Num)
	}
	if want := []int{3, 5, 6}; fmt.Sprint(nums) != fmt.Sprint(want) {
		t.Errorf("row numbers = %v, want %v", nums, want)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a;b;c\n1;2,5;3\n", ';'},
		{"a\tb\n1\t2\n", '\t'},
		{"a|b\n1|2\n", '|'},
		{"\"x;y\",b\n\"1;2\",3\n", ','},
		{"name;address\nAla;\"ul. A, 5\"\nOla;\"ul. B, 6, m. 7\"\n", ';'},
		{"single\nvalue\n", ','},
		{"", ','},
		{"a;b,c;d\n1;2,3;4\n5;6;7;8\n", ';'},
	}
	for _, tt := range tests {
		if got := sniffDelimiter([]byte(tt.in)); got != tt.want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodingNames(t *testing.T) {
	// "ą" in each single-byte encoding decodes back to "ą".
	tests := []struct {
		name string
		b    byte
	}{
		{"windows-1250", 0xB9}, {"cp1250", 0xB9}, {"CP1250", 0xB9},
		{"iso-8859-2", 0xB1}, {"latin2", 0xB1}, {"ISO_8859-2", 0xB1},
	}
	for _, tt := range tests {
		in := []byte("x\n\xb9\n")
		in[2] = tt.b
		r, err := readCSV(bytes.NewReader(in), "e.csv", Options{Encoding: tt.name})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		row, err := r.Read()
		if err != nil || row.Cells[0] != "ą" {
			t.Errorf("%s: got %q, %v; want ą", tt.name, row.Cells, err)
		}
	}
	for _, name := range []string{"windows-1252", "iso-8859-1", "latin1", "utf-8", "UTF8", "utf-16le", "utf-16be"} {
		if _, err := lookupEncoding(name); err != nil {
			t.Errorf("lookupEncoding(%q): %v", name, err)
		}
	}
}

func TestParseErrorText(t *testing.T) {
	e := &ParseError{File: "customers.csv", Row: 12, Column: 3, Name: "Phone", Err: hint(ErrRagged, "what", "do this")}
	want := `customers.csv: row 12, column 3 ("Phone"): the row has more cells than the header: what — do this`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
	if !errors.Is(e, ErrRagged) || errors.Is(e, ErrQuote) {
		t.Error("errors.Is does not see the kind")
	}
	if got := (&ParseError{File: "f.csv", Err: ErrEmpty}).Error(); got != "f.csv: the file has no rows" {
		t.Errorf("file-level error text = %q", got)
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		path, format, want string
		err                error
	}{
		{"a.csv", "", "csv", nil}, {"A.XLSX", "", "xlsx", nil}, {"a.txt", "", "csv", nil},
		{"a.dat", "csv", "csv", nil}, {"a.xls", "", "", ErrFormat}, {"a", "", "", ErrFormat}, {"a.csv", "ods", "", ErrFormat},
	}
	for _, tt := range tests {
		got, err := FormatOf(tt.path, tt.format)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("FormatOf(%q, %q) = %q, %v; want %q, %v", tt.path, tt.format, got, err, tt.want, tt.err)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int
		err      error
	}{
		{"two rows", "a,b\n1,2\n3,4\n", 2, nil},
		{"blank rows are not rows", "a,b\n1,2\n\n , \n3,4\n", 2, nil},
		{"stops at a row wider than the header", "a,b\n1,2\n3,4,5\n5,6\n", 1, ErrRagged},
		{"short rows are padded, not ragged", "a,b\n1\n3,4\n", 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := readCSV(strings.NewReader(tc.in), "in.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := Count(r)
			if n != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Count = %d, %v; want %d, %v", n, err, tc.want, tc.err)
			}
		})
	}
}

func TestDelimiterOf(t *testing.T) {
	for _, tc := range []struct {
		in    string
		given rune
		want  rune
	}{
		{"a;b\n1;2\n", 0, ';'},
		{"a,b\n1,2\n", 0, ','},
		{"a|b\n1|2\n", '|', '|'},
	} {
		r, err := readCSV(strings.NewReader(tc.in), "in.csv", Options{Delimiter: tc.given})
		if err != nil {
			t.Fatal(err)
		}
		if got := DelimiterOf(r); got != tc.want {
			t.Errorf("DelimiterOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCheckEncoding: one list of names for the reader and the mapping file.
func TestCheckEncoding(t *testing.T) {
	for _, n := range []string{"utf-8", "UTF8", "utf16le", "windows-1250", "cp1250", "win-1250", "windows1250", "cp-1252",
		"win-1252", "cp874", "cp852", "latin2", "latin-9", "iso8859-2", "ISO88592", "shift_jis"} {
		if err := CheckEncoding(n); err != nil {
			t.Errorf("CheckEncoding(%q) = %v", n, err)
		}
	}
	for _, n := range []string{"utf-9", "windows-9999", "polish", "latin-99"} {
		if err := CheckEncoding(n); !errors.Is(err, ErrEncoding) {
			t.Errorf("CheckEncoding(%q) = %v, want ErrEncoding", n, err)
		}
	}
	// cp852 is IBM852 (DOS Latin 2), not windows-852: ś is 0x98 there.
	r, err := readCSV(strings.NewReader("a\n\x98\n"), "in.csv", Options{Encoding: "cp852"})
	if err != nil {
		t.Fatal(err)
	}
	if row, err := r.Read(); err != nil || row.Cells[0] != "ś" {
		t.Errorf("cp852 read %q, %v; want ś", row.Cells, err)
	}
}

func TestColumnName(t *testing.T) {
	for i, w := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA"} {
		if got := ColumnName(i); got != w {
			t.Errorf("ColumnName(%d) = %q, want %q", i, got, w)
		}
	}
}

// TestQuoteErrorCharacter: a quote error says where it is in characters (the
// closing quote of "x"y is character 8 of Żółć,"x"y, byte 12),
// also past the lines the reader keeps and after a line too long to keep.
func TestQuoteErrorCharacter(t *testing.T) {
	// (13 cells of 60,000 characters: each within MaxCellChars)
	wide := "a,b,c,d,e,f,g,h,i,j,k,l,m"
	long := strings.TrimSuffix(strings.Repeat(strings.Repeat("x", 60000)+",", 13), ",")
	filler := strings.Repeat("łódź,żółw\n", 40000) // > tailBytes of two-byte letters
	cases := []struct {
		name, body string
		want       string
	}{
		{"first lines", "a,b\nŻółć,\"x\"y\n", "(line 2, character 8)"},
		{"after many lines", "a,b\n" + filler + "Żółć,\"x\"y\n", fmt.Sprintf("(line %d, character 8)", 40002)},
		{"after a long line", wide + "\n" + long + "\nŻółć,\"x\"y\n", "(line 3, character 8)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := readCSV(strings.NewReader(c.body), "f.csv", Options{})
			if err == nil {
				_, err = Count(r)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
		})
	}
}
