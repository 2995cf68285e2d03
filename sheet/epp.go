package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// EDI++ (.epp) is the exchange format of InsERT's Subiekt GT, Rachmistrz,
// Rewizor and the programs that talk to them: sections labelled [INFO],
// [NAGLOWEK] and [ZAWARTOSC], each record a line of comma-separated fields,
// text in double quotes, in the code page [INFO] names (1250, or 852 for
// Latin 2). The contractors (the kartoteka kontrahentów) are the
// [ZAWARTOSC] after a [NAGLOWEK] holding "KONTRAHENCI". crmbulk reads them
// as a sheet whose columns are named after the fields of the format's
// specification ("Struktura danych EDI++", version 1.05, table 10), so a
// mapping names them like any header; the row number is the line of the
// file.

// EPPContractorFields are the names of the fields of a KONTRAHENCI record,
// in the order of the specification: the header of an .epp file's sheet.
var EPPContractorFields = []string{
	"Typ kontrahenta", "Kod identyfikacyjny", "Nazwa skrócona", "Nazwa pełna", "Miasto",
	"Kod pocztowy", "Ulica i numer", "NIP", "REGON", "Telefon",
	"Faks", "Teleks", "E-mail", "WWW", "Osoba kontaktowa",
	"Analityka dostawcy", "Analityka odbiorcy", "Pole użytkownika 1", "Pole użytkownika 2", "Pole użytkownika 3",
	"Pole użytkownika 4", "Pole użytkownika 5", "Pole użytkownika 6", "Pole użytkownika 7", "Pole użytkownika 8",
	"Nazwa banku", "Numer konta", "Państwo", "Prefiks państwa UE", "Czy kontrahent unijny",
}

// isEPP reports whether Open reads path as EDI++: by Options.Format "epp"
// or the .epp extension.
func isEPP(path, format string) bool {
	f := strings.ToLower(strings.TrimSpace(format))
	return f == "epp" || f == "" && strings.EqualFold(filepath.Ext(path), ".epp")
}

// eppSource yields the KONTRAHENCI records of an EDI++ file.
type eppSource struct {
	cr      *csv.Reader
	budget  *recordBudget // bounds one record, reset at each; its last byte tells a file cut mid-line
	line    int           // the line of the last record read
	file    string
	label   string // the last section label read: INFO, NAGLOWEK, ZAWARTOSC
	keyword string // what the last [NAGLOWEK] announced
	found   bool   // a KONTRAHENCI section was seen
	other   []string
}

// newEPPReader reads the contractors of the EDI++ file in r.
func newEPPReader(r io.ReadCloser, name string, opt Options) (*Reader, error) {
	raw := bufio.NewReaderSize(r, bufSize)
	enc, encName, err := eppEncoding(raw, opt.Encoding)
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	var text io.Reader = raw
	if enc != nil {
		text = transform.NewReader(raw, enc.NewDecoder())
	}
	budget := &recordBudget{r: text, delim: ',', last: '\n'} // an empty file is not cut short
	cr := csv.NewReader(budget)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true // Jet's text driver never doubles a quote it did not write
	src := &eppSource{cr: cr, budget: budget, file: name}
	t := &Reader{src: src, closer: r, file: name, unguard: opt.UnguardFormulas, encoding: encName,
		checkUTF8: enc == nil, fixedWidth: "a KONTRAHENCI record of EDI++ (its specification, version 1.05)"}
	t.header = append([]string(nil), EPPContractorFields...)
	t.width = len(t.header)
	row, err := t.read()
	if errors.Is(err, io.EOF) {
		return nil, src.noContractors()
	}
	if err != nil && !Recoverable(err) {
		return nil, err
	}
	t.pend, t.pendErr, t.hasPend = row, err, true
	return t, nil
}

// eppEncoding picks the decoder: the name given; else UTF-8 when the start
// of the file is UTF-8 (web tools write it so, whatever [INFO] says); else
// the code page [INFO] names (852 is DOS Latin 2, anything else
// windows-1250). A nil encoding means UTF-8.
func eppEncoding(raw *bufio.Reader, given string) (encoding.Encoding, string, error) {
	if strings.TrimSpace(given) != "" {
		enc, err := lookupEncoding(given)
		if err != nil || enc == nil {
			return nil, "utf-8", err
		}
		return enc, strings.TrimSpace(given), nil
	}
	sample, err := peekText(raw, bufSize)
	if err != nil {
		return nil, "", fmt.Errorf("reading the file: %w", err)
	}
	if bytes.HasPrefix(sample, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = raw.Discard(3)
		return nil, "utf-8", nil
	}
	if utf8.Valid(sample) {
		return nil, "utf-8", nil
	}
	if eppCodePage(sample) == "852" {
		return charmap.CodePage852, "ibm852", nil
	}
	return charmap.Windows1250, "windows-1250", nil
}

// eppCodePage returns field 3 of the [INFO] record ("1250", "852"), or "".
func eppCodePage(sample []byte) string {
	lines := strings.Split(string(sample), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "[INFO]" && i+1 < len(lines) {
			rec, err := csv.NewReader(strings.NewReader(lines[i+1])).Read()
			if err == nil && len(rec) >= 3 {
				return strings.TrimSpace(rec[2])
			}
		}
	}
	return ""
}

// An EDI++ file is read whole or not at all: a file cut short (its last
// line has no line break), a record whose quote is never closed (a field
// runs over a line break) and a contractor with fewer fields than the
// format has are refused, naming the line, before anything is sent (the
// importer reads the file to its end first). The bounds of one record
// (MaxRecordBytes, maxDelims) are per record, as for CSV.

func (s *eppSource) next() (int, []string, error) {
	for {
		s.budget.reset()
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			if last := s.budget.last; last != '\n' && last != 0x1a { // (^Z: a DOS end of file)
				return 0, nil, &ParseError{File: s.file, Row: s.line, Err: hint(ErrIncomplete,
					fmt.Sprintf("the file ends in the middle of line %d (it has no line break at its end): it was cut short", s.line),
					"export the contractors again from the program, or copy the whole file; nothing was sent")}
			}
			return 0, nil, io.EOF
		}
		if errors.Is(err, errRecordTooLarge) {
			return 0, nil, &ParseError{File: s.file, Row: s.line + 1, Err: hint(ErrRowTooLarge,
				fmt.Sprintf("a record (from line %d) of more than %d MB or %d delimiters (a quote never closed runs on)", s.line+1, MaxRecordBytes>>20, maxDelims),
				"this is not an EDI++ export, or it is damaged; export the contractors again; nothing was sent")}
		}
		if err != nil {
			return 0, nil, &ParseError{File: s.file, Row: s.line + 1, Err: hint(ErrFormat, fmt.Sprintf("not an EDI++ file: %v", err), "export the contractors again from the program")}
		}
		line, _ := s.cr.FieldPos(0)
		s.line = line + strings.Count(strings.Join(rec, ""), "\n")
		if len(rec) == 1 {
			if l := strings.TrimSpace(rec[0]); len(l) > 2 && l[0] == '[' && l[len(l)-1] == ']' {
				s.label = l[1 : len(l)-1]
				continue
			}
		}
		switch s.label {
		case "NAGLOWEK":
			s.keyword = strings.ToUpper(strings.TrimSpace(rec[0]))
			if s.keyword == "KONTRAHENCI" {
				s.found = true
			} else if len(s.other) < 10 && len(rec) > 0 && rec[0] != "" {
				s.other = append(s.other, s.keyword)
			}
			s.label = "" // one record: the keyword, or a document's header
		case "ZAWARTOSC":
			if s.keyword == "KONTRAHENCI" {
				if err := s.checkRecord(line, rec); err != nil {
					return 0, nil, err
				}
				return line, rec, nil
			}
		}
	}
}

// checkRecord refuses a contractor record that is not whole: one with a
// line break in a field (a quote not closed where it should be) or fewer
// fields than the format's.
func (s *eppSource) checkRecord(line int, rec []string) error {
	for i, f := range rec {
		if strings.ContainsAny(f, "\r\n") {
			name := nameAt(EPPContractorFields, i)
			return &ParseError{File: s.file, Row: line, Column: i + 1, Name: name, Err: hint(ErrQuote,
				fmt.Sprintf("the quote that opens field %d on line %d is not closed on that line", i+1, line),
				"an EDI++ record is one line: export the contractors again from the program, or close the quote; nothing was sent")}
		}
	}
	if len(rec) < len(EPPContractorFields) {
		return &ParseError{File: s.file, Row: line, Err: hint(ErrIncomplete,
			fmt.Sprintf("the contractor on line %d has %d fields, and a KONTRAHENCI record has %d", line, len(rec), len(EPPContractorFields)),
			"export the contractors again from the program; nothing was sent")}
	}
	return nil
}

// noContractors is the error of an EDI++ file without contractors.
func (s *eppSource) noContractors() error {
	what := "no KONTRAHENCI section"
	if s.found {
		what = "a KONTRAHENCI section with no records"
	}
	if len(s.other) > 0 {
		what += " (it holds " + strings.Join(s.other, ", ") + ")"
	}
	return &ParseError{File: s.file, Err: hint(ErrNoRows, "the EDI++ file has "+what,
		"export the contractors from the program (Subiekt GT: Kontrahenci → Komunikacja → Zapisz do pliku EDI++), then import that file")}
}
