package sheet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// The sample is what Subiekt GT writes (samples/internal/gen, after the
// format's specification): read it as the contractors' sheet.
func TestEPPSample(t *testing.T) {
	r, err := Open(filepath.Join("..", "samples", "subiekt", "kontrahenci.epp"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if h := r.Header(); len(h) != 30 || h[3] != "Nazwa pełna" || h[27] != "Państwo" {
		t.Fatalf("header %q", h)
	}
	if name, _ := EncodingOf(r); name != "windows-1250" {
		t.Errorf("encoding %q, want windows-1250 from [INFO]", name)
	}
	var rows []Row
	for {
		row, err := r.Read()
		if err != nil {
			break
		}
		rows = append(rows, row)
	}
	if len(rows) != 6 {
		t.Fatalf("%d contractors, want 6 (the groups section is another kartoteka)", len(rows))
	}
	second := rows[1]
	if second.Num != 9 || second.Cells[3] != `Przedsiębiorstwo Handlowe "Żubr" Jan Źrebiec` || second.Cells[9] != "85 744 20 30 wew. 12" {
		t.Errorf("row %d: %q", second.Num, second.Cells)
	}
}

func TestEPPForms(t *testing.T) {
	contractor := `0,"K1","Krótka","Pełna nazwa","Łódź","90-001","ul. A 1","1234567890",,,,,"a@example.pl"` + strings.Repeat(",", 17)
	head := "[INFO]\r\n\"1.05\",3,1250\r\n[NAGLOWEK]\r\n\"KONTRAHENCI\"\r\n[ZAWARTOSC]\r\n"
	tests := []struct {
		name    string
		data    []byte
		opt     Options
		rows    int
		city    string
		encName string
		err     error
	}{
		{"cp1250", cp1250(t, "[INFO]\r\n\"1.05\",3,1250\r\n\r\n[NAGLOWEK]\r\n\"KONTRAHENCI\"\r\n\r\n[ZAWARTOSC]\r\n"+contractor+"\r\n\r\n"), Options{}, 1, "Łódź", "windows-1250", nil},
		{"DOS Latin 2", latin2(t, "[INFO]\r\n\"1.05\",3,852\r\n[NAGLOWEK]\r\n\"KONTRAHENCI\"\r\n[ZAWARTOSC]\r\n"+contractor+"\r\n"), Options{}, 1, "Łódź", "ibm852", nil},
		{"UTF-8 whatever [INFO] says", []byte("[INFO]\n\"1.05\",3,1250\n[NAGLOWEK]\n\"KONTRAHENCI\"\n[ZAWARTOSC]\n" + contractor + "\n"), Options{}, 1, "Łódź", "utf-8", nil},
		{"documents first", cp1250(t, "[INFO]\r\n\"1.05\",3,1250\r\n[NAGLOWEK]\r\n\"FS\",1,0,12,,,\"FS 12/2026\"\r\n[ZAWARTOSC]\r\n\"23\",23.0000,100.0000,23.0000,123.0000\r\n[NAGLOWEK]\r\n\"KONTRAHENCI\"\r\n[ZAWARTOSC]\r\n"+contractor+"\r\n"), Options{}, 1, "Łódź", "windows-1250", nil},
		{"no contractors", cp1250(t, "[INFO]\r\n\"1.05\",3,1250\r\n[NAGLOWEK]\r\n\"TOWARY\"\r\n[ZAWARTOSC]\r\n1,\"T1\"\r\n"), Options{}, 0, "", "", ErrNoRows},
		{"a record too long", cp1250(t, head+contractor+strings.Repeat(",", 3)+"\"extra\"\r\n"), Options{}, 0, "", "", ErrRagged},
		// Issue 20: whole or not at all.
		{"cut mid-record", cp1250(t, head+contractor+"\r\n"+contractor[:40]), Options{}, 0, "", "", ErrIncomplete},
		{"cut after a whole record", cp1250(t, head+contractor+"\r\n"+contractor), Options{}, 0, "", "", ErrIncomplete},
		{"unclosed quote", cp1250(t, head+`0,"K1","Krótka`+"\r\n"+contractor+"\r\n"), Options{}, 0, "", "", ErrQuote},
		{"3 of 30 fields", cp1250(t, head+contractor+"\r\n"+`0,"K2","Krótka"`+"\r\n"+contractor+"\r\n"), Options{}, 0, "", "", ErrIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.epp")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := Open(path, tt.opt)
			if tt.err != nil {
				if err == nil {
					_, err = Count(r)
				}
				var pe *ParseError
				if !errors.Is(err, tt.err) || !errors.As(err, &pe) || pe.File != "k.epp" {
					t.Fatalf("err = %v, want a *ParseError of kind %v naming k.epp", err, tt.err)
				}
				if tt.err != ErrNoRows && pe.Row == 0 {
					t.Errorf("err = %v names no line", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if name, _ := EncodingOf(r); name != tt.encName {
				t.Errorf("encoding %q, want %q", name, tt.encName)
			}
			n, err := Count(r)
			if err != nil || n != tt.rows {
				t.Errorf("Count = %d, %v; want %d", n, err, tt.rows)
			}
		})
	}
}

func cp1250(t testing.TB, s string) []byte { return encode(t, charmap.Windows1250, s) }
func latin2(t testing.TB, s string) []byte { return encode(t, charmap.CodePage852, s) }

func FuzzEPP(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "samples", "subiekt", "kontrahenci.epp")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("[INFO]\n\"1.05\",3,852\n[NAGLOWEK]\n\"KONTRAHENCI\"\n[ZAWARTOSC]\n0,\"a\"\n"))
	f.Add([]byte("[ZAWARTOSC]\n[NAGLOWEK]\n\"KONTRAHENCI\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "f.epp")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, Options{})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "f.epp" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		defer r.Close()
		for range 1000 {
			row, err := r.Read()
			if err != nil {
				if !Recoverable(err) {
					return
				}
				continue
			}
			if len(row.Cells) != len(EPPContractorFields) {
				t.Fatalf("row %d has %d cells", row.Num, len(row.Cells))
			}
		}
	})
}

// eppContractors writes an EDI++ file of n contractors, as Subiekt does.
func eppContractors(w io.Writer, n int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, "[INFO]\r\n\"1.05\",3,1250,\"Subiekt GT\"\r\n\r\n[NAGLOWEK]\r\n\"KONTRAHENCI\"\r\n\r\n[ZAWARTOSC]\r\n")
	for i := range n {
		fmt.Fprintf(bw, `0,"K%d","Klient %d","Klient %d Sp. z o.o.","Lodz","90-001","ul. A %d","%010d",,"42 636 12 00",,,"k%d@example.pl",,"Kowalski Jan"`+strings.Repeat(",", 15)+"\r\n", i, i, i, i, i, i)
	}
	fmt.Fprint(bw, "\r\n")
	return bw.Flush()
}

// TestEPPManyContractors: the bounds are per record, not per section — a
// file of 5,000 contractors (more than the ~2,200 a section-wide count of
// delimiters refused, issue 20) reads whole.
func TestEPPManyContractors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.epp")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := eppContractors(f, 5000); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := Count(r); err != nil || n != 5000 {
		t.Fatalf("Count = %d, %v; want 5000", n, err)
	}
}
