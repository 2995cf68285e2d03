package sheet

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// The texts are what such files hold: names, streets and cities of the
// people in them, with the header their systems write.
var (
	polishText = "Imię;Nazwisko;Ulica;Miasto;Kod pocztowy\nŁukasz;Żółkiewski;ul. Świętojańska 5;Gdańsk;80-001\n" +
		"Zofia;Wąsik;al. Jerozolimskie 12;Warszawa;00-950\nGrzegorz;Brzęczyszczykiewicz;Źródlana 3;Łódź;90-001\n"
	// Without ą ś ź: the letters cp1250 and ISO-8859-2 share.
	polishShared = "Imię;Nazwisko;Miasto\nJędrzej;Łęcki;Kraków\nMałgorzata;Nowiński;Poznań\n"
	czechText    = "Jméno;Příjmení;Město\nJiří;Dvořák;Brno\nŠárka;Čermáková;České Budějovice\nZdeněk;Šťastný;Ústí nad Labem\n"
	germanText   = "Vorname;Nachname;Straße geschäftlich;Ort geschäftlich;Postleitzahl geschäftlich\n" +
		"Jürgen;Müller;Königstraße 5;München;80331\nGrüße;Schröder;Äußere Weberstraße 2;Zittau;02763\n"
	frenchText = "Prénom;Nom;Ville\nHélène;Lefèvre;Besançon\nJérôme;Garçon;Orléans\n"
)

func encode(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

func TestDetectCodePage(t *testing.T) {
	tests := []struct {
		name string
		text string
		enc  encoding.Encoding
		want string // "" = not convincing
	}{
		{"Polish, Excel", polishText, charmap.Windows1250, "windows-1250"},
		{"Polish, ISO", polishText, charmap.ISO8859_2, "iso-8859-2"},
		{"Polish without ą ś ź, Excel", polishShared, charmap.Windows1250, "windows-1250"},
		{"Czech, Excel", czechText, charmap.Windows1250, "windows-1250"},
		{"Czech, ISO", czechText, charmap.ISO8859_2, "iso-8859-2"},
		{"German Outlook", germanText, charmap.Windows1252, "windows-1252"},
		{"French", frenchText, charmap.Windows1252, "windows-1252"},
		{"French N° after a letter", "Société;N° TVA;Ville\nBoulangerie;FR40303265045;Paris\n", charmap.Windows1252, "windows-1252"},
		{"€ and – between words", "Name;Betrag\nMüller – Bäckerei;12 €\n", charmap.Windows1252, "windows-1252"},
		{"Polish „quotes”", "Firma;Miasto\n„Łąka” sp. z o.o.;Łódź\n", charmap.Windows1250, "windows-1250"},
		// Ó then Ł are bytes d3 a3: UTF-8 for a Cyrillic letter, no sign.
		{"Polish, upper case", "FIRMA;MIASTO\nPRZEDSIĘBIORSTWO SPÓŁKA JAWNA;ŁÓDŹ\nŻABKA SPÓŁKA Z O.O.;POZNAŃ\n", charmap.Windows1250, "windows-1250"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := detectCodePage(encode(t, tt.enc, tt.text))
			if tt.want == "" {
				if ok {
					t.Fatalf("detected %s, want nothing convincing", got.name)
				}
				return
			}
			if !ok || got.name != tt.want {
				t.Fatalf("detected %q (ok %v), want %s", got.name, ok, tt.want)
			}
			text, err := got.enc.NewDecoder().Bytes(encode(t, tt.enc, tt.text))
			if err != nil || string(text) != tt.text {
				t.Errorf("decoded as %s: %q, want %q", got.name, text, tt.text)
			}
		})
	}
}

// TestDetectCodePageUnconvincing: bytes no code page makes a language of
// are left to the UTF-8 error.
func TestDetectCodePageUnconvincing(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(rnd.IntN(256))
	}
	for name, b := range map[string][]byte{
		"random bytes":                   noise,
		"UTF-8 with a row of ISO-8859-2": []byte("a,Kraków\nb,\xa3\xf3d\xbc\n"),
		"UTF-8 with one cp1250":          append([]byte("Kraków;Gdańsk;Wrocław;Żółć;"), 0xa3, 0xf3, 'd', 0x9f),
		"binary, all high":               []byte{0x81, 0x83, 0x88, 0x90, 0x98},
		"Russian, cp1251":                encode(t, charmap.Windows1251, "Имя;Фамилия;Город\nИван;Петров;Москва\n"),
		"Greek, cp1253":                  encode(t, charmap.Windows1253, "Όνομα;Επώνυμο\nΓιώργος;Παπαδόπουλος\n"),
		"symbols in words":               encode(t, charmap.Windows1252, "Name;City\nA×b;C÷d;E§f;G°h\n"),
	} {
		if got, ok := detectCodePage(b); ok {
			t.Errorf("%s: detected %s, want nothing convincing", name, got.name)
		}
	}
}

// TestCSVDetectedEncoding: a CSV without a named encoding is read in the
// code page detected, and EncodingOf says which; a name given wins.
func TestCSVDetectedEncoding(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kontakte.csv")
	if err := os.WriteFile(path, encode(t, charmap.Windows1252, germanText), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if name, detected := EncodingOf(r); name != "windows-1252" || !detected {
		t.Errorf("EncodingOf = %q, %v; want windows-1252, detected", name, detected)
	}
	if h := strings.Join(r.Header(), "|"); !strings.Contains(h, "Straße geschäftlich") {
		t.Errorf("header %q", h)
	}
	_ = r.Close()

	r, err = Open(path, Options{Encoding: "iso-8859-2"})
	if err != nil {
		t.Fatal(err)
	}
	if name, detected := EncodingOf(r); name != "iso-8859-2" || detected {
		t.Errorf("with --encoding: EncodingOf = %q, %v; want the name given", name, detected)
	}
	_ = r.Close()

	utf := filepath.Join(dir, "utf8.csv")
	if err := os.WriteFile(utf, []byte(polishText), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err = Open(utf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if name, detected := EncodingOf(r); name != "utf-8" || detected {
		t.Errorf("UTF-8: EncodingOf = %q, %v", name, detected)
	}
	_ = r.Close()
}

// TestDetectAcrossTheSample: a multi-byte character cut by the end of the
// sample is no sign of a code page.
func TestDetectAcrossTheSample(t *testing.T) {
	var b strings.Builder
	b.WriteString("a;b;c\n")
	for b.Len() < detectBytes-100 {
		b.WriteString("Anna;Nowak;Warszawa\n")
	}
	// The sample's last byte is the first of "Ł" (two bytes).
	b.WriteString(strings.Repeat("x", detectBytes-1-b.Len()-2) + ";;")
	b.WriteString("Łódź\nZofia;Żak;Łask\n")
	text := b.String()
	if !strings.HasPrefix(text[detectBytes-1:], "Ł") {
		t.Fatal("the test file does not cut a character at the sample's end")
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if name, _ := EncodingOf(r); name != "utf-8" {
		t.Errorf("EncodingOf = %q, want utf-8", name)
	}
	if _, err := Count(r); err != nil {
		t.Errorf("Count: %v", err)
	}
}

func FuzzDetectCodePage(f *testing.F) {
	f.Add(encode(f, charmap.Windows1250, polishText))
	f.Add(encode(f, charmap.Windows1252, germanText))
	f.Add(encode(f, charmap.ISO8859_2, czechText))
	f.Add([]byte{0x81, 0xff, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, ok := detectCodePage(b)
		if !ok {
			return
		}
		text, err := d.enc.NewDecoder().Bytes(b)
		if err != nil {
			t.Fatalf("%s was detected but does not decode: %v", d.name, err)
		}
		if _, ok := judge(string(text)); !ok {
			t.Fatalf("%s was detected but its decoding is not convincing", d.name)
		}
	})
}
