// Command gen writes the generated sample files of samples/: the Polish
// Excel sheet (klienci.xlsx) with its windows-1250 CSV twin, the nightly
// schedules (crontab, systemd units: internal/schedule's defaults), the round-trip
// file made from the demo sandbox's seeded clients, the EDI++ contractors,
// and the exports of WooCommerce Analytics, PrestaShop 8 (English and
// Polish back office), a German Outlook and Google Contacts, each written
// the way its system writes it (exports.go).
//
//	go run ./samples/internal/gen            # from the repository root
//
// The round-trip rows are taken from a sandbox seeded exactly like the demo
// and the samples test (samples.DemoSeed, samples.DemoClients), so their crm_client_id values
// exist there.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/samples"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sheet"
)

func main() {
	dir := "samples"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		return fmt.Errorf("run from the repository root (or give the samples directory): %w", err)
	}
	return errors.Join(polish(filepath.Join(dir, "polish-excel")), roundtrip(filepath.Join(dir, "roundtrip")),
		subiekt(filepath.Join(dir, "subiekt")), woocommerceAnalytics(filepath.Join(dir, "woocommerce")),
		prestashop(filepath.Join(dir, "prestashop")), outlook(filepath.Join(dir, "outlook")), google(filepath.Join(dir, "google")),
		schedules(filepath.Join(dir, "schedule")))
}

// schedules writes samples/schedule: the crontab and the systemd units of
// internal/schedule for its default choices at 02:15 (the Kubernetes
// manifest is kept by hand).
func schedules(dir string) error {
	f, err := schedule.Write(schedule.Default(), schedule.When{Hour: 2, Minute: 15}, schedule.DefaultProgram)
	if err != nil {
		return err
	}
	return errors.Join(os.WriteFile(filepath.Join(dir, "crontab"), []byte(f.Crontab), 0o644),
		os.WriteFile(filepath.Join(dir, "crmbulk-export.service"), []byte(f.Service), 0o644),
		os.WriteFile(filepath.Join(dir, "crmbulk-export.timer"), []byte(f.Timer), 0o644))
}

// polishHeader and polishRows are the Polish sheet: hand-kept client data
// with Polish headers. Rows 9 and 13 are invalid on purpose (see README).
var polishHeader = []string{"Imię", "Nazwisko", "Firma", "NIP", "Ulica", "Kod pocztowy", "Miejscowość", "Kraj", "Telefon", "E-mail", "Uwagi"}

var polishRows = [][]string{
	{"Zofia", "Wójcik", "", "", "Rynek Główny 1", "31-042", "KRAKÓW", "Polska", "+48 12 345 67 89", "zofia.wojcik@example.org", "stała klientka"},
	{"Marek", "Ździebło", "Auto-Mar", "525-000-12-34", "ul. Piotrkowska 12", "90-001", "łódź", "polska", "600 100 200", "marek.zdzieblo@example.org", ""},
	{"Grażyna", "Żurawska", "Żurawska Catering", "PL 676-000-11-22", "ul. Świętokrzyska 30/2", "00-116", "Warszawa", "PL", "22 620 30 40", "grazyna.zurawska@example.org", "faktura do 10. dnia miesiąca"},
	{"Jędrzej", "Kręcisz", "", "", "ul. Kościuszki 5", "40-001", "Katowice", "", "", "jedrzej.krecisz@example.org", ""},
	{"Helga", "Groß", "Groß Logistik GmbH", "DE 123456789", "Bahnhofstraße 3", "01067", "Dresden", "Niemcy", "+49 351 123 456", "helga.gross@example.net", "kontakt po niemiecku"},
	{"Ondřej", "Černý", "", "", "Národní 20", "110 00", "Praha", "Czechy", "+420 224 000 111", "ondrej.cerny@example.net", ""},
	{"Bożena", "Świątek", "", "", "ul. Zamkowa 2", "87-100", "toruń", "Polska", "56 622 11 00", "bozena.swiatek@example.org", ""},
	{"Wiesław", "Kłos", "Kłos i Wspólnicy", "7792433421", "os. Bolesława Chrobrego 14", "60-681", "Poznań", "polska", "61 820 00 01", "wieslaw.klos@example.org", ""},
	{"Zuzana", "Kováčová", "", "", "Hlavná 1", "040 01", "Košice", "Słowacja", "+421 55 600 00 00", "zuzana.kovacova@example.net", "kraj nie ma kodu w mapowaniu"},
	{"Tadeusz", "Pająk", "", "", "ul. Długa 44", "80-831", "Gdańsk", "Polska", "58 301 22 33", "tadeusz.pajak@example.org", ""},
	{"Urszula", "Jaworska-Kędzior", "", "", "ul. Lipowa 3", "15-424", "Białystok", "Polska", "85 744 00 00", "urszula.jaworska@example.org", ""},
	{"Kazimierz", "Wróbel", "Wróbel Sp. j.", "852-100-20-30", "al. Niepodległości 7", "70-412", "Szczecin", "Polska", "91 433 22 11", "kazimierz.wrobel@example.org", ""},
	{"Danuta", "Łęcka", "", "", "ul. Ogrodowa 9", "31-042 Kraków, skrytka pocztowa 15", "Kraków", "Polska", "12 411 00 00", "danuta.lecka@example.org", "kod pocztowy z dopiskiem"},
	{"Ryszard", "Ćwik", "", "", "ul. Słoneczna 1", "10-001", "Olsztyn", "Polska", "89 527 00 00", "ryszard.cwik@example.org", ""},
}

func polish(dir string) error {
	w, err := sheet.Create(filepath.Join(dir, "klienci.xlsx"), sheet.CreateOptions{XLSX: sheet.XLSXWriterOptions{SheetName: "Klienci"}})
	if err != nil {
		return err
	}
	if err := writeAll(w, polishHeader, polishRows); err != nil {
		return err
	}
	// The CSV twin, as Excel's "CSV (separated by semicolons)" saves it on a Polish Windows.
	return writeCSV(filepath.Join(dir, "klienci-cp1250.csv"), sheet.CSVWriterOptions{Delimiter: ';', CRLF: true},
		charmap.Windows1250, polishHeader, polishRows)
}

// subiektContractors are the KONTRAHENCI records of the EDI++ sample, as
// Subiekt GT's "Komunikacja → Zapisz do pliku EDI++" writes its kartoteka
// kontrahentów: the 30 fields of the specification (Struktura danych EDI++
// 1.05, table 10): type, code, short and full name, city, postcode, street,
// NIP, REGON, phone, fax, telex, e-mail, WWW, contact person, two
// analytics, eight user fields, bank, account, country, EU prefix, EU flag.
var subiektContractors = [][]string{
	{"0", "ABC-HURT", "ABC Hurt", "ABC Hurtownia Spożywcza Sp. z o.o.", "Łódź", "90-418", "ul. Piotrkowska 102", "7251801126", "470681370", "42 636 12 00", "42 636 12 01", "", "biuro@abc-hurt.example.pl", "www.abc-hurt.example.pl", "Kowalczyk Anna", "", "", "", "", "", "", "", "", "", "", "Pekao SA", "12 1240 3028 1111 0010 1234 5678", "Polska", "PL", "1"},
	{"2", "ŻUBR", "Żubr", "Przedsiębiorstwo Handlowe \"Żubr\" Jan Źrebiec", "Białystok", "15-062", "ul. Lipowa 14/3", "5420201789", "", "85 744 20 30 wew. 12", "", "", "zubr@example.pl", "", "Źrebiec Jan", "", "", "stały", "", "", "", "", "", "", "", "", "", "Polska", "PL", "1"},
	{"0", "GROSS-DE", "Groß", "Groß Logistik GmbH", "Dresden", "01067", "Bahnhofstraße 3", "DE123456789", "", "+49 351 123456", "", "", "info@gross-logistik.example.de", "", "Groß Helga", "", "", "", "", "", "", "", "", "", "", "", "", "Niemcy", "DE", "1"},
	{"3", "KLIENT-DET", "Detaliczny", "Klient detaliczny", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "Polska", "PL", "1"},
	{"4", "NOWAK-M", "Nowak Maria", "Maria Nowak", "Kraków", "31-042", "Rynek Główny 1", "", "", "600 100 200", "", "", "maria.nowak@example.org", "", "Nowak Maria", "", "", "", "", "", "", "", "", "", "", "", "", "Polska", "PL", "1"},
	{"1", "KOV-SK", "Kováč", "Kováč s.r.o.", "Košice", "040 01", "Hlavná 1", "SK2020202020", "", "+421 55 600 00 00", "", "", "kovac@example.sk", "", "Kováčová Zuzana", "", "", "", "", "", "", "", "", "", "", "", "", "Słowacja", "SK", "1"},
}

// subiekt writes samples/subiekt/kontrahenci.epp: [INFO] (24 fields: format
// 1.05, purpose 3 "other", code page 1250, program, sender …, the date as
// yyyymmddhhnnss), the KONTRAHENCI section and, after it, the contractors'
// groups (another kartoteka, which crmbulk skips) — in windows-1250 with
// CRLF, text in double quotes, numbers and flags bare, an empty last line,
// as the format's Jet text driver writes it.
func subiekt(dir string) error {
	var b strings.Builder
	line := func(fields ...string) { b.WriteString(strings.Join(fields, ",") + "\r\n") }
	q := func(s string) string {
		if s == "" {
			return ""
		}
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	b.WriteString("[INFO]\r\n")
	line(q("1.05"), "3", "1250", q("Subiekt GT"), q("FIRMA"), q("Firma Demo"), q("Firma Demo Sp. z o.o."), q("Gdańsk"), q("80-001"), q("ul. Długa 1"), q("5840000000"),
		q("MAG"), q("Główny"), q("Magazyn główny"), "", "0", "", "", q("Szef"), "20261201093000", q("Polska"), q("PL"), q("PL5840000000"), "1")
	b.WriteString("\r\n[NAGLOWEK]\r\n")
	line(q("KONTRAHENCI"))
	b.WriteString("\r\n[ZAWARTOSC]\r\n")
	for _, c := range subiektContractors {
		f := make([]string, len(c))
		for i, v := range c {
			f[i] = q(v)
		}
		f[0], f[29] = c[0], c[29] // Bajt, Logiczne: bare
		line(f...)
	}
	b.WriteString("\r\n[NAGLOWEK]\r\n")
	line(q("GRUPYKONTRAHENTOW"))
	b.WriteString("\r\n[ZAWARTOSC]\r\n")
	line(q("ABC-HURT"), q("Hurtownie"))
	line(q("ŻUBR"), q("Dostawcy"))
	b.WriteString("\r\n")
	return writeFile(filepath.Join(dir, "kontrahenci.epp"), b.String(), charmap.Windows1250)
}

// long reports a seeded client with a value at a length limit: real, but
// not what a person edits by hand.
func long(c baselinker.Client) bool {
	return slices.ContainsFunc(baselinker.ListedFields(), func(f baselinker.Field) bool {
		v, _ := c.Get(f.Name)
		return len([]rune(v)) > 60
	})
}

// writeCSV writes header and rows to path with the sheet's CSV writer, in
// the code page cp (nil: UTF-8).
func writeCSV(path string, opt sheet.CSVWriterOptions, cp *charmap.Charmap, header []string, rows [][]string) error {
	var b strings.Builder
	if err := writeAll(sheet.NewCSVWriter(&b, opt), header, rows); err != nil {
		return err
	}
	return writeFile(path, b.String(), cp)
}

func writeAll(w sheet.Writer, header []string, rows [][]string) error {
	for _, r := range append([][]string{header}, rows...) {
		if err := w.Write(r); err != nil {
			_ = w.Close()
			return err
		}
	}
	return w.Close()
}

// roundtrip writes an "export, edited" file: 12 seeded clients with the
// export's header (API names), some fields changed, two rows broken.
func roundtrip(dir string) error {
	s, err := sandbox.New(sandbox.Config{Token: "gen", Seed: samples.DemoSeed, Clients: samples.DemoClients})
	if err != nil {
		return err
	}
	defer s.Close()
	var picked []baselinker.Client
	for _, c := range s.Clients() {
		// Plain clients only: an email to match by, no tricky values.
		if c.Email == "" || strings.ContainsAny(c.Email, "=+ ") || !strings.Contains(c.Email, "@example.") ||
			strings.ContainsAny(c.InvoiceFullname, "=@+") || c.InvoiceCountryCode == "" || long(c) {
			continue
		}
		picked = append(picked, c)
		if len(picked) == 12 {
			break
		}
	}
	if len(picked) < 12 {
		return fmt.Errorf("only %d plain clients in the seeded sandbox", len(picked))
	}
	cols := []string{"crm_client_id", "email", "phone", "invoice_fullname", "invoice_address", "invoice_postcode",
		"invoice_city", "invoice_country_code", "star"}
	rows := make([][]string, len(picked))
	for i, c := range picked {
		row := make([]string, len(cols))
		for j, name := range cols {
			row[j], _ = c.Get(name)
		}
		switch {
		case i < 4: // rows 2–5: untouched, so "unchanged"
		case i < 9: // rows 6–10: edited, so "updated"
			row[2] = "+48 500 600 " + strconv.Itoa(700+i)
			row[8] = strconv.Itoa((i % 5) + 1)
		case i == 9: // row 11: a country the API does not know
			row[7] = "UK"
		case i == 10: // row 12: star out of range
			row[8] = "7"
		default: // row 13: a new city
			row[6] = "Zielona Góra"
		}
		rows[i] = row
	}
	return writeCSV(filepath.Join(dir, "clients-edited.csv"), sheet.CSVWriterOptions{}, nil, cols, rows)
}
