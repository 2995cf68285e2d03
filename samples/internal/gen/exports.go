package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// The exports below are written byte for byte the way their systems write
// them (samples/README.md names each source): the quoting rules of the
// system's CSV writer, its encoding, BOM and line ends, its text marks.

// csvLine joins fields with delim and ends the line in eol, quoting each
// field that quote says needs it (inner quotes doubled).
func csvLine(fields []string, delim, eol string, quote func(string) bool) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if quote(f) {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		out[i] = f
	}
	return strings.Join(out, delim) + eol
}

// phpCSV is one line as PHP's fputcsv writes it (WooCommerce, PrestaShop):
// a field is quoted when it holds the delimiter, a quote, a backslash, a
// space, a tab, CR or LF; the line ends in LF.
func phpCSV(delim string, fields []string) string {
	return csvLine(fields, delim, "\n", func(f string) bool { return strings.ContainsAny(f, delim+"\"\\ \t\r\n") })
}

// wooEscape is WooCommerce's WC_CSV_Exporter::escape_data: a value that a
// spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading '.
func wooEscape(v string) string {
	if v != "" && strings.ContainsAny(v[:1], "=+-@\t\r") {
		return "'" + v
	}
	return v
}

// wooAnalyticsHeader is the Customers report's export columns
// (Automattic\WooCommerce\Admin\API\Reports\Customers\Controller::
// get_export_columns), in their order.
var wooAnalyticsHeader = []string{"Name", "Username", "Last Active", "Sign Up", "Email", "Orders", "Total Spend", "AOV", "Country / Region", "City", "Region", "Postal Code"}

var wooAnalyticsRows = [][]string{
	{"Zofia Wójcik", "zofia.w", "2026-11-28 14:02:11", "2024-03-11 10:22:41", "zofia.wojcik@example.org", "3", "412.5", "137.5", "PL", "Gdańsk", "", "80-827"},
	{"Łukasz Żółkiewski", "+48600700800", "2026-11-30 08:15:40", "2025-01-05 19:00:02", "lukasz.zolkiewski@example.org", "7", "1290", "184.29", "PL", "Łódź", "", "90-926"},
	{"Jürgen Weiß", "jweiss", "2026-10-02 21:44:09", "2025-06-17 07:30:00", "juergen.weiss@example.net", "1", "89.9", "89.9", "DE", "Stuttgart", "", "70173"},
	{"Agnieszka Kowalczyk", "", "2026-11-29 12:00:00", "", "agnieszka.kowalczyk@example.org", "1", "55", "55", "PL", "Warszawa", "", "00-697"},
	{"Tomáš Novák", "tomas.novak", "2026-09-14 16:20:31", "2025-09-14 16:10:05", "tomas.novak@example.net", "2", "64", "32", "CZ", "Praha", "", "110 00"},
	{"Grace O'Neill", "graceon", "2026-11-01 09:09:09", "2024-11-20 11:45:00", "grace.oneill@example.com", "4", "310.4", "77.6", "IE", "Dublin", "D", "D02 X285"},
	{"Mary-Jane Smith", "-mjs-", "2026-08-08 18:00:00", "2023-02-14 13:13:13", "mj.smith@example.com", "12", "2210.8", "184.23", "US", "Albany", "NY", "12207"},
	{"Hans Müller", "hans.mueller", "2026-11-27 07:01:55", "2025-12-01 08:00:00", "hans.mueller@example.net", "1", "520", "520", "DE", "München", "", "80331"},
}

// woocommerceAnalytics writes analytics-customers.csv as WooCommerce's own
// Analytics → Customers → Download writes it (ReportCSVExporter, a
// WC_CSV_Batch_Exporter): a UTF-8 BOM, fputcsv with ",", each value through
// escape_data ('+48…, '-mjs-), LF line ends.
func woocommerceAnalytics(dir string) error {
	var b strings.Builder
	b.WriteString("\ufeff")
	b.WriteString(phpCSV(",", wooAnalyticsHeader))
	for _, r := range wooAnalyticsRows {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = wooEscape(v)
		}
		b.WriteString(phpCSV(",", row))
	}
	return writeFile(filepath.Join(dir, "analytics-customers.csv"), b.String(), nil)
}

// prestashopHeader is PrestaShop 8's customer export
// (CustomerController::exportAction: 13 columns, Group among them), in
// English and as a Polish back office names them.
var (
	prestashopHeader   = []string{"ID", "Social title", "First name", "Last name", "Email address", "Group", "Company", "Sales", "Enabled", "Newsletter", "Partner offers", "Registration", "Last visit"}
	prestashopHeaderPL = []string{"ID", "Zwrot grzecznościowy", "Imię", "Nazwisko", "Adres e-mail", "Grupa", "Firma", "Sprzedaż", "Włączony", "Newsletter", "Oferty partnerów", "Rejestracja", "Ostatnia wizyta"}
)

// prestashopRows: the social title and group in the back office's language
// are filled in by prestashop (index 1 and 5).
var prestashopRows = [][]string{
	{"2", "m", "Michał", "Kaczmarek", "michal.kaczmarek@example.org", "", "Kaczmarek Elektro", "1 240,00 zł", "1", "1", "0", "2022-11-03 10:21:44", "2024-03-01 08:12:09"},
	{"3", "f", "Joanna", "Dąbrowska", "joanna.dabrowska@example.org", "", "", "310,50 zł", "1", "0", "0", "2022-12-14 19:02:11", "2024-02-11 21:40:00"},
	{"4", "m", "Krzysztof", "Szymański", "krzysztof.szymanski@example.org", "", "Szymański i Syn s.c.", "5 980,00 zł", "1", "1", "1", "2023-01-20 07:45:00", "2024-03-04 12:00:00"},
	{"5", "f", "Beatrix", "Köhler", "beatrix.koehler@example.net", "", "Köhler Handels GmbH", "720,00 zł", "1", "0", "0", "2023-02-02 15:15:15", "2023-12-24 10:00:00"},
	{"6", "m", "Rafał", "Woźniak", "rafal.wozniak@example.org", "", "", "", "0", "0", "0", "2023-03-17 09:00:00", "2023-03-17 09:05:00"},
	{"7", "f", "Aleksandra", "Górecka", "aleksandra.gorecka@example.org", "", "Pracownia Górecka", "88,00 zł", "1", "1", "0", "2023-05-08 13:30:00", "2024-01-09 17:45:00"},
	{"8", "m", "Dariusz", "Pietrzak", "dariusz.pietrzak@@example.org", "", "", "45,00 zł", "1", "0", "0", "2023-06-30 20:20:20", "2023-07-01 08:00:00"},
	{"9", "f", "Renáta", "Horváthová", "renata.horvathova@example.net", "", "", "150,00 zł", "1", "0", "0", "2023-08-08 08:08:08", "2024-02-02 09:30:00"},
	{"10", "m", "Wojciech", "Lis", "wojciech.lis@example.org", "", "Lis Transport", "2 300,00 zł", "1", "1", "1", "2023-10-01 06:00:00", "2024-03-05 07:10:00"},
	{"11", "f", "Elżbieta", "Jabłońska", "elzbieta.jablonska@example.org", "", "", "64,99 zł", "1", "0", "0", "2024-01-02 11:11:11", ""},
}

// prestashop writes customers.csv (English back office) and klienci-pl.csv
// (Polish) as PrestaShop's CsvResponse writes them: fputcsv with ";",
// UTF-8 without a BOM, LF; "--" (no value) written as an empty cell.
func prestashop(dir string) error {
	write := func(name string, header []string, title map[string]string, group string) error {
		var b strings.Builder
		b.WriteString(phpCSV(";", header))
		for _, r := range prestashopRows {
			row := append([]string(nil), r...)
			row[1], row[5] = title[r[1]], group
			b.WriteString(phpCSV(";", row))
		}
		return writeFile(filepath.Join(dir, name), b.String(), nil)
	}
	return errors.Join(
		write("customers.csv", prestashopHeader, map[string]string{"m": "Mr.", "f": "Mrs."}, "Customer"),
		write("klienci-pl.csv", prestashopHeaderPL, map[string]string{"m": "Pan", "f": "Pani"}, "Klient"))
}

// outlookHeader is the header of a contacts export from a German Outlook
// (Datei → Öffnen und exportieren → Importieren/Exportieren → In Datei
// exportieren → Kommagetrennte Werte): 92 columns.
var outlookHeader = []string{"Anrede", "Vorname", "Weitere Vornamen", "Nachname", "Suffix", "Firma", "Abteilung", "Position",
	"Straße geschäftlich", "Straße geschäftlich 2", "Straße geschäftlich 3", "Ort geschäftlich", "Region geschäftlich",
	"Postleitzahl geschäftlich", "Land/Region geschäftlich", "Straße privat", "Straße privat 2", "Straße privat 3", "Ort privat",
	"Bundesland/Kanton privat", "Postleitzahl privat", "Land/Region privat", "Weitere Straße", "Weitere Straße 2", "Weitere Straße 3",
	"Weiterer Ort", "Weiteres/r Bundesland/Kanton", "Weitere Postleitzahl", "Weiteres/e Land/Region", "Telefon Assistent",
	"Fax geschäftlich", "Telefon geschäftlich", "Telefon geschäftlich 2", "Rückmeldung", "Autotelefon", "Telefon Firma",
	"Fax privat", "Telefon privat", "Telefon privat 2", "ISDN", "Mobiltelefon", "Weiteres Fax", "Weiteres Telefon", "Pager",
	"Haupttelefon", "Mobiltelefon 2", "Telefon für Hörbehinderte", "Telex", "Abrechnungsinformation", "Benutzer 1", "Benutzer 2",
	"Benutzer 3", "Benutzer 4", "Beruf", "Büro", "E-Mail-Adresse", "E-Mail-Typ", "E-Mail: Angezeigter Name", "E-Mail 2: Adresse",
	"E-Mail 2: Typ", "E-Mail 2: Angezeigter Name", "E-Mail 3: Adresse", "E-Mail 3: Typ", "E-Mail 3: Angezeigter Name",
	"Empfohlen von", "Geburtstag", "Geschlecht", "Hobby", "Initialen", "Internet Frei/Gebucht", "Jahrestag", "Kategorien", "Kinder",
	"Konto", "Name Assistent", "Name des/r Vorgesetzten", "Notizen", "Organisationsnr.", "Ort", "Partner", "Postfach geschäftlich",
	"Postfach privat", "Priorität", "Privat", "Regierungsnr.", "Reisekilometer", "Sprache", "Stichwörter", "Vertraulichkeit",
	"Verzeichnisserver", "Webseite", "Weiteres Postfach"}

// outlookContacts are the contacts, by header; every other cell is empty
// but for the values Outlook writes into every row.
var outlookContacts = []map[string]string{
	{"Anrede": "Herr", "Vorname": "Jürgen", "Nachname": "Weiß", "Firma": "Weiß Maschinenbau GmbH", "Position": "Einkauf",
		"Straße geschäftlich": "Königstraße 7", "Straße geschäftlich 2": "3. OG", "Ort geschäftlich": "Stuttgart", "Region geschäftlich": "Baden-Württemberg",
		"Postleitzahl geschäftlich": "70173", "Land/Region geschäftlich": "Deutschland", "Fax geschäftlich": "+49 711 555010",
		"Telefon geschäftlich": "+49 711 555 0101", "Mobiltelefon": "+49 170 1234567", "E-Mail-Adresse": "juergen.weiss@example.net",
		"E-Mail-Typ": "SMTP", "E-Mail: Angezeigter Name": "Jürgen Weiß (juergen.weiss@example.net)", "Notizen": "Bestellt quartalsweise",
		"Ort": "Büro Stuttgart", "Organisationsnr.": "HRB 12345", "Initialen": "J.W."},
	{"Anrede": "Frau", "Vorname": "Anna", "Nachname": "Schröder", "Firma": "Schröder & Söhne KG",
		"Straße geschäftlich": "Hafenstraße 12", "Ort geschäftlich": "Hamburg", "Postleitzahl geschäftlich": "20457",
		"Land/Region geschäftlich": "Deutschland", "Straße privat": "Elbchaussee 40", "Ort privat": "Hamburg", "Postleitzahl privat": "22763",
		"Land/Region privat": "Deutschland", "Telefon geschäftlich": "+49 40 333 4444", "Telefon privat": "+49 40 880 1122",
		"E-Mail-Adresse": "anna.schroeder@example.de", "E-Mail-Typ": "SMTP", "E-Mail: Angezeigter Name": "Anna Schröder",
		"E-Mail 2: Adresse": "anna.privat@example.net", "E-Mail 2: Typ": "SMTP", "E-Mail 2: Angezeigter Name": "Anna (privat)", "Initialen": "A.S."},
	{"Anrede": "Herr", "Vorname": "Lukas", "Nachname": "Gruber", "Firma": "Gruber Holz e.U.",
		"Straße geschäftlich": "Mariahilfer Straße 88", "Ort geschäftlich": "Wien", "Postleitzahl geschäftlich": "1070",
		"Land/Region geschäftlich": "Österreich", "Telefon geschäftlich": "+43 1 526 00 11", "E-Mail-Adresse": "lukas.gruber@example.at",
		"E-Mail-Typ": "SMTP", "E-Mail: Angezeigter Name": "Lukas Gruber", "Kategorien": "Lieferanten", "Initialen": "L.G."},
	{"Anrede": "Frau", "Vorname": "Chantal", "Nachname": "Frey", "Straße privat": "Rue du Rhône 5", "Ort privat": "Genève",
		"Postleitzahl privat": "1204", "Land/Region privat": "Schweiz", "Mobiltelefon": "+41 79 555 12 12",
		"E-Mail-Adresse": "chantal.frey@example.ch", "E-Mail-Typ": "SMTP", "E-Mail: Angezeigter Name": "Chantal Frey", "Initialen": "C.F."},
	{"Vorname": "Marta", "Nachname": "Nowak", "Firma": "Nowak Import-Export", "Straße geschäftlich": "ul. Szewska 8",
		"Ort geschäftlich": "Kraków", "Postleitzahl geschäftlich": "31-009", "Land/Region geschäftlich": "Polen",
		"Telefon geschäftlich": "+48 12 421 22 33", "E-Mail-Adresse": "m.nowak@example.pl", "E-Mail-Typ": "SMTP",
		"E-Mail: Angezeigter Name": "Marta Nowak", "Notizen": "spricht Deutsch", "Initialen": "M.N."},
	{"Anrede": "Herr", "Vorname": "Björn", "Nachname": "Öztürk", "Firma": "Öztürk Feinkost", "Straße geschäftlich": "Sonnenallee 101",
		"Ort geschäftlich": "Berlin", "Postleitzahl geschäftlich": "12045", "Land/Region geschäftlich": "Deutschland",
		"Telefon geschäftlich 2": "+49 30 6120 3344", "Mobiltelefon 2": "+49 151 2345678",
		"E-Mail 2: Adresse": "bjoern@example.de", "E-Mail 2: Typ": "SMTP", "E-Mail 2: Angezeigter Name": "Björn Öztürk", "Initialen": "B.Ö."},
}

// outlookEvery is what Outlook writes into the cells of every contact it
// exports: empty dates as 0.0.00, flags as "Aus", its defaults.
var outlookEvery = map[string]string{"Geburtstag": "0.0.00", "Jahrestag": "0.0.00", "Geschlecht": "Unbekannt",
	"Priorität": "Normal", "Privat": "Aus", "Vertraulichkeit": "Normal"}

// outlook writes kontakte.csv as Outlook writes a contacts export: every
// field in double quotes, "," between them, CRLF, windows-1252 (the code
// page of a German Windows).
func outlook(dir string) error {
	quoteAll := func(fields []string) string { return csvLine(fields, ",", "\r\n", func(string) bool { return true }) }
	var b strings.Builder
	b.WriteString(quoteAll(outlookHeader))
	for _, c := range outlookContacts {
		row := make([]string, len(outlookHeader))
		for i, h := range outlookHeader {
			row[i] = cmp.Or(c[h], outlookEvery[h]) // no contact sets a cell to ""
		}
		b.WriteString(quoteAll(row))
	}
	return writeFile(filepath.Join(dir, "kontakte.csv"), b.String(), charmap.Windows1252)
}

// writeFile writes text to path (making its folder) in the code page cp,
// or in UTF-8 when cp is nil.
func writeFile(path, text string, cp *charmap.Charmap) error {
	if cp != nil {
		var err error
		if text, err = cp.NewEncoder().String(text); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// googleHeader is a Google Contacts export (contacts.google.com → Export →
// Google CSV) of contacts with at most two e-mails, two phones and one
// address: Google writes as many numbered columns as the contact with the
// most values needs.
var googleHeader = []string{"First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
	"Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name", "Organization Title", "Organization Department",
	"Birthday", "Notes", "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
	"Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted",
	"Address 1 - Street", "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
	"Address 1 - Country", "Address 1 - Extended Address", "Website 1 - Label", "Website 1 - Value"}

var googleContacts = []map[string]string{
	{"First Name": "Zofia", "Last Name": "Wójcik", "File As": "Wójcik, Zofia", "Labels": "* myContacts ::: Klienci",
		"E-mail 1 - Label": "* Home", "E-mail 1 - Value": "zofia.wojcik@example.org",
		"Phone 1 - Label": "Mobile", "Phone 1 - Value": "+48 501 222 333 ::: +48 601 000 111",
		"Address 1 - Label": "Home", "Address 1 - Street": "ul. Długa 12", "Address 1 - City": "Gdańsk",
		"Address 1 - Postal Code": "80-827", "Address 1 - Country": "Polska", "Address 1 - Extended Address": "m. 4"},
	{"First Name": "Piotr", "Last Name": "Zieliński", "Organization Name": "Zieliński Transport", "Organization Title": "Właściciel",
		"Labels": "* myContacts ::: * starred", "E-mail 1 - Label": "* Work", "E-mail 1 - Value": "piotr@zielinski-transport.example.pl",
		"E-mail 2 - Label": "Home", "E-mail 2 - Value": "piotr.zielinski@example.org",
		"Phone 1 - Label": "Work", "Phone 1 - Value": "+48 22 555 01 02", "Phone 2 - Label": "Mobile", "Phone 2 - Value": "+48 602 111 222",
		"Address 1 - Label": "Work", "Address 1 - Street": "ul. Marszałkowska 10", "Address 1 - City": "Warszawa",
		"Address 1 - Region": "mazowieckie", "Address 1 - Postal Code": "00-590", "Address 1 - Country": "Poland",
		"Website 1 - Label": "Work", "Website 1 - Value": "https://zielinski-transport.example.pl"},
	{"First Name": "Klaus", "Last Name": "Becker", "Labels": "* myContacts", "E-mail 1 - Label": "* Other",
		"E-mail 1 - Value": "klaus.becker@example.de", "Phone 1 - Label": "Work", "Phone 1 - Value": "+49 89 1234567",
		"Address 1 - Label": "Work", "Address 1 - Street": "Leopoldstraße 20", "Address 1 - City": "München", "Address 1 - Region": "Bayern",
		"Address 1 - Postal Code": "80802", "Address 1 - Country": "Deutschland"},
	{"First Name": "Eva", "Last Name": "Svobodová", "Notes": "poznaliśmy się na targach", "Labels": "* myContacts ::: Klienci",
		"E-mail 1 - Label": "* Home", "E-mail 1 - Value": "eva.svobodova@example.cz ::: eva@svoboda.example.cz",
		"Phone 1 - Label": "Mobile", "Phone 1 - Value": "+420 602 123 456", "Address 1 - Label": "Home",
		"Address 1 - Street": "Národní 20", "Address 1 - City": "Praha", "Address 1 - Postal Code": "110 00", "Address 1 - Country": "CZ"},
	{"First Name": "Marek", "Last Name": "Kowal", "Organization Name": "Kowal i Syn", "Labels": "* myContacts",
		"Phone 1 - Label": "Work", "Phone 1 - Value": "+48 61 853 44 00", "E-mail 1 - Label": "* Work", "E-mail 1 - Value": "biuro@kowal.example.pl"},
}

// google writes contacts.csv as Google Contacts exports "Google CSV":
// UTF-8 without a BOM, "," between fields, quotes only where a field needs
// them (csv.Writer rules), CRLF; several values of one label in a cell
// joined by " ::: "; "Address 1 - Formatted" the whole address in lines.
func google(dir string) error {
	var b strings.Builder
	line := func(fields []string) {
		b.WriteString(csvLine(fields, ",", "\r\n", func(f string) bool { return strings.ContainsAny(f, ",\"\r\n") }))
	}
	line(googleHeader)
	for _, c := range googleContacts {
		if c["Address 1 - Street"] != "" {
			lines := []string{c["Address 1 - Street"] + " " + c["Address 1 - Extended Address"],
				c["Address 1 - Postal Code"] + " " + c["Address 1 - City"], c["Address 1 - Country"]}
			for i := range lines {
				lines[i] = strings.TrimSpace(lines[i])
			}
			c["Address 1 - Formatted"] = strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), "\n")
		}
		row := make([]string, len(googleHeader))
		for i, h := range googleHeader {
			row[i] = c[h]
		}
		line(row)
	}
	return writeFile(filepath.Join(dir, "contacts.csv"), b.String(), nil)
}
