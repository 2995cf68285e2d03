package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/internal/suggest"
)

// seedStatuses are the account's client statuses (getCrmClientStatuses,
// the seeded clients' status_id), exactly one primary; a new slice each call.
func seedStatuses() []Status {
	return []Status{
		{ID: 1, Name: "Nowy klient", Color: "#1C8752", GroupID: 1, IsPrimary: 1},
		{ID: 2, Name: "Stały klient", Color: "#3A87AD", GroupID: 1},
		{ID: 3, Name: "VIP", Color: "#F0AD4E", GroupID: 1},
		{ID: 4, Name: "Do kontaktu", Color: "#D9534F", GroupID: 2},
		{ID: 5, Name: "Nieaktywny", Color: "#999999", GroupID: 2},
	}
}

type city struct {
	name, postcode, state, country string
}

type locale struct {
	first, last, streets []string
	cities               []city
	companyForms         []string // "%s" is the surname
	phone, taxID         func(r *rand.Rand) string
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// nip returns a Polish NIP with a valid check digit.
func nip(r *rand.Rand) string {
	w := [9]int{6, 5, 7, 2, 3, 4, 5, 6, 7}
	for {
		d := digits(r, 9)
		if d[0] == '0' {
			continue
		}
		sum := 0
		for i := range 9 {
			sum += int(d[i]-'0') * w[i]
		}
		if c := sum % 11; c < 10 {
			return d + strconv.Itoa(c)
		}
	}
}

func locales() []locale {
	return []locale{
		{ // Poland: most clients, as a Polish account has.
			first:   []string{"Łukasz", "Małgorzata", "Zofia", "Paweł", "Grzegorz", "Agnieszka", "Jędrzej", "Żaneta", "Bożena", "Wojciech", "Łucja", "Krzysztof", "Ślęża"},
			last:    []string{"Kowalski", "Wiśniewska", "Żółć", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szczęsny", "Łęcka", "Dąbrowski", "Brzęczyszczykiewicz"},
			streets: []string{"ul. Piotrkowska", "ul. Długa", "al. Jerozolimskie", "ul. Źródlana", "pl. Wolności", "ul. Świętokrzyska", "os. Złote Łany"},
			cities: []city{{"Łódź", "90-001", "łódzkie", "PL"}, {"Warszawa", "00-950", "mazowieckie", "PL"},
				{"Kraków", "31-001", "małopolskie", "PL"}, {"Gdańsk", "80-001", "pomorskie", "PL"},
				{"Zielona Góra", "65-001", "lubuskie", "PL"}, {"Bielsko-Biała", "43-300", "śląskie", "PL"},
				{"Warszawa", "02-001", "", "PL"}},
			companyForms: []string{"%s Sp. z o.o.", "%s S.A.", "P.H.U. „%s”", "%s i Wspólnicy sp.j.", "Firma Handlowa %s"},
			phone: func(r *rand.Rand) string {
				switch r.IntN(4) {
				case 0:
					return "+48 " + digits(r, 3) + " " + digits(r, 3) + " " + digits(r, 3)
				case 1:
					return "00486" + digits(r, 8)
				case 2:
					return "6" + digits(r, 2) + "-" + digits(r, 3) + "-" + digits(r, 3)
				}
				return "+48" + digits(r, 9)
			},
			taxID: func(r *rand.Rand) string {
				if r.IntN(4) == 0 {
					return "PL" + nip(r)
				}
				return nip(r)
			},
		},
		{ // Germany
			first:        []string{"Jürgen", "Günther", "Änne", "Jörg", "Björn", "Ursula", "Käthe", "Søren"},
			last:         []string{"Müller", "Schröder", "Weiß", "Groß", "Köhler", "Bäcker", "Fußmann"},
			streets:      []string{"Hauptstraße", "Königsallee", "Schloßplatz", "Lößnitzgrundstraße"},
			cities:       []city{{"Dresden", "01067", "Sachsen", "DE"}, {"München", "80331", "Bayern", "DE"}, {"Köln", "50667", "Nordrhein-Westfalen", "DE"}, {"Görlitz", "02826", "Sachsen", "DE"}, {"Düsseldorf", "40213", "", "DE"}},
			companyForms: []string{"%s GmbH", "%s GmbH & Co. KG", "%s AG", "%s & Söhne e.K."},
			phone: func(r *rand.Rand) string {
				if r.IntN(2) == 0 {
					return "+49 30 " + digits(r, 7)
				}
				return "0049 351 " + digits(r, 6)
			},
			taxID: func(r *rand.Rand) string { return "DE" + digits(r, 9) },
		},
		{ // Czechia
			first:        []string{"Jiří", "Tomáš", "Lenka", "Kateřina", "Přemysl", "Božena"},
			last:         []string{"Dvořák", "Novák", "Svobodová", "Černý", "Procházka", "Kříž"},
			streets:      []string{"Václavské náměstí", "Národní třída", "Masarykova", "Husova"},
			cities:       []city{{"Praha", "110 00", "Hlavní město Praha", "CZ"}, {"Brno", "602 00", "Jihomoravský kraj", "CZ"}, {"České Budějovice", "370 01", "Jihočeský kraj", "CZ"}, {"Ústí nad Labem", "400 01", "Ústecký kraj", "CZ"}},
			companyForms: []string{"%s s.r.o.", "%s a.s.", "%s a spol. s r.o."},
			phone:        func(r *rand.Rand) string { return "+420 " + digits(r, 3) + " " + digits(r, 3) + " " + digits(r, 3) },
			taxID:        func(r *rand.Rand) string { return "CZ" + digits(r, 8) },
		},
		{ // France
			first:        []string{"François", "Hélène", "Amélie", "Jérôme", "Zoë", "Benoît", "Cécile"},
			last:         []string{"Lefèvre", "Dupont", "Moreau", "Gauthier", "Bénard", "Rivière", "d'Artagnan"},
			streets:      []string{"rue de Rivoli", "boulevard Saint-Michel", "rue de l'Église", "place de la Concorde"},
			cities:       []city{{"Paris", "75001", "Île-de-France", "FR"}, {"Orléans", "45000", "Centre-Val de Loire", "FR"}, {"Besançon", "25000", "Bourgogne-Franche-Comté", "FR"}, {"Nîmes", "30000", "Occitanie", "FR"}},
			companyForms: []string{"%s SARL", "%s SAS", "Établissements %s"},
			phone: func(r *rand.Rand) string {
				return "+33 1 " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2)
			},
			taxID: func(r *rand.Rand) string { return "FR" + digits(r, 11) },
		},
		{ // elsewhere in the EU (and a few neighbours)
			first:   []string{"Søren", "Åsa", "José", "Seán", "Niccolò", "Zoltán", "João", "Øystein", "Ağca"},
			last:    []string{"Sørensen", "Åström", "Núñez", "Ó Súilleabháin", "Esposito", "Kovács", "Gonçalves", "van der Berg"},
			streets: []string{"Gran Vía", "Strøget", "Kungsgatan", "Rua Augusta", "Váci utca", "Grafton Street"},
			cities: []city{{"Wien", "1010", "Wien", "AT"}, {"Göteborg", "411 01", "Västra Götaland", "SE"},
				{"København K", "1050", "", "DK"}, {"Málaga", "29001", "Andalucía", "ES"}, {"Dublin 2", "D02 X285", "Co. Dublin", "IE"},
				{"Forlì", "47121", "Emilia-Romagna", "IT"}, {"Győr", "9021", "Győr-Moson-Sopron", "HU"}, {"Lisboa", "1100-148", "", "PT"},
				{"'s-Hertogenbosch", "5211 AA", "Noord-Brabant", "NL"}, {"London", "SW1A 1AA", "", "GB"},
				{"Zürich", "8001", "ZH", "CH"}, {"Tromsø", "9008", "Troms", "NO"}},
			companyForms: []string{"%s Ltd", "%s S.L.", "%s AB", "%s ApS", "%s Kft.", "%s B.V."},
			phone: func(r *rand.Rand) string {
				return fmt.Sprintf("+%d %s %s", 30+r.IntN(30), digits(r, 3), digits(r, 4))
			},
			taxID: func(r *rand.Rand) string {
				return []string{"ATU", "SE", "DK", "ES", "IE", "IT", "HU", "PT", "NL"}[r.IntN(9)] + digits(r, 8)
			},
		},
	}
}

// asciiFold spells a name in the ASCII letters and digits of a login or an
// e-mail: diacritics dropped (NFD), ł, ø, ß spelt out, the rest left out.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == 'ò' {
			continue // left out from the first seed on (Niccolò is "niccol"): a seed keeps its logins and e-mails
		}
		for _, c := range norm.NFD.String(suggest.FoldLetter(r)) {
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

// fill returns exactly n characters cycling through the multibyte letters
// of alphabet.
func fill(alphabet string, n int) string {
	times := n/utf8.RuneCountInString(alphabet) + 1
	return string([]rune(strings.Repeat(alphabet, times))[:n])
}

// seedStore makes n realistic clients, the same for the same seed. Ids start
// at 1 with small gaps (deleted clients), as an account's history leaves them.
func seedStore(seed int64, n int) store {
	g := seeder{r: rand.New(rand.NewPCG(uint64(seed)^0x5eed, uint64(seed))), locs: locales(), statuses: seedStatuses()}
	clients := make([]baselinker.Client, 0, n)
	id := int64(0)
	for i := range n {
		id += 1 + int64(g.r.IntN(3)/2) // about one id in three skipped
		clients = append(clients, g.client(i, id))
	}
	return newStore(clients, id+1)
}

// seeder draws the seeded clients: each step below draws from r in the
// same order for the same seed, so the same seed makes the same clients.
type seeder struct {
	r        *rand.Rand
	locs     []locale
	statuses []Status
}

func (g *seeder) pick(s []string) string { return s[g.r.IntN(len(s))] }

// client draws the i-th client, whose ID is id.
func (g *seeder) client(i int, id int64) baselinker.Client {
	l := g.locale()
	first, last := g.pick(l.first), g.pick(l.last)
	ct := l.cities[g.r.IntN(len(l.cities))]
	c := baselinker.Client{
		CrmClientID:        baselinker.Int(id),
		StatusID:           baselinker.Int(g.statuses[g.r.IntN(len(g.statuses))].ID),
		InvoiceFullname:    first + " " + last,
		InvoiceAddress:     fmt.Sprintf("%s %d", g.pick(l.streets), 1+g.r.IntN(200)),
		InvoicePostcode:    ct.postcode,
		InvoiceCity:        ct.name,
		InvoiceState:       ct.state,
		InvoiceCountryCode: ct.country,
		Phone:              l.phone(g.r),
	}
	g.contact(&c, i, first, last, ct.country)
	g.company(&c, l, first, last)
	g.delivery(&c, l, last)
	g.extras(&c)
	if i%500 == 3 { // every field at its limit, in multibyte characters
		atLimit(&c)
	}
	return c
}

// locale draws the client's country: Poland most often (55 in 100, then
// Germany 15, Czechia 10, France 8, the rest 12).
func (g *seeder) locale() *locale {
	p := g.r.IntN(100)
	for i, upTo := range []int{55, 70, 80, 88} {
		if p < upTo {
			return &g.locs[i]
		}
	}
	return &g.locs[4]
}

// contact draws the star, the contractor, the login, the e-mail (sometimes
// none, sometimes in capitals) and, rarely, no phone.
func (g *seeder) contact(c *baselinker.Client, i int, first, last, country string) {
	if g.r.IntN(3) == 0 {
		c.Star = baselinker.Int(1 + g.r.IntN(5))
	}
	if g.r.IntN(10) == 0 {
		c.ContractorID = baselinker.Int(1 + g.r.IntN(500))
	}
	if g.r.IntN(10) < 7 {
		c.Login = asciiFold(first) + "." + asciiFold(last) + strconv.Itoa(g.r.IntN(100))
	}
	switch p := g.r.IntN(20); {
	case p == 0: // no email
	case p == 1:
		c.Email = strings.ToUpper(asciiFold(first)[:1]) + asciiFold(last) + "@Example.COM"
	default:
		c.Email = fmt.Sprintf("%s.%s%d@example.%s", asciiFold(first), asciiFold(last), i, strings.ToLower(country))
	}
	if g.r.IntN(20) == 0 {
		c.Phone = ""
	}
}

// company draws a company (half the clients) and a second address line.
func (g *seeder) company(c *baselinker.Client, l *locale, first, last string) {
	if g.r.IntN(2) == 0 {
		c.InvoiceCompany = fmt.Sprintf(g.pick(l.companyForms), last)
		c.InvoiceTaxID = l.taxID(g.r)
	}
	if g.r.IntN(10) == 0 {
		c.InvoiceAddress += g.pick([]string{"\nlok. 3", "\r\nHinterhaus, 2. OG", "\nc/o " + first + " " + last})
	}
}

// delivery draws the delivery address: the invoice's, another place, or none.
func (g *seeder) delivery(c *baselinker.Client, l *locale, last string) {
	switch g.r.IntN(3) {
	case 0: // delivery = invoice
		c.DeliveryCompany, c.DeliveryFullname, c.DeliveryAddress = c.InvoiceCompany, c.InvoiceFullname, c.InvoiceAddress
		c.DeliveryPostcode, c.DeliveryCity, c.DeliveryState, c.DeliveryCountryCode = c.InvoicePostcode, c.InvoiceCity, c.InvoiceState, c.InvoiceCountryCode
	case 1: // another place
		dc := l.cities[g.r.IntN(len(l.cities))]
		c.DeliveryFullname = g.pick(l.first) + " " + last
		c.DeliveryAddress = fmt.Sprintf("%s %d/%d", g.pick(l.streets), 1+g.r.IntN(200), 1+g.r.IntN(40))
		c.DeliveryPostcode, c.DeliveryCity, c.DeliveryState, c.DeliveryCountryCode = dc.postcode, dc.name, dc.state, dc.country
	}
}

// extras draws notes, custom extra fields and, now and then, a value a
// spreadsheet would turn into a formula, a number or a date.
func (g *seeder) extras(c *baselinker.Client) {
	if g.r.IntN(4) == 0 {
		c.Notes = g.pick([]string{"Płaci przelewem, 14 dni.", "Dzwonić po 15:00.\nNie wysyłać faktur papierowych.",
			"=HYPERLINK(\"x\")", "Kunde seit 2019 — Rabatt 5 %", "Zákazník preferuje e-mail."})
	}
	if g.r.IntN(5) == 0 {
		c.CustomExtraFields = baselinker.ExtraFields{"1": g.pick([]string{"VIP", "B2B", "hurt"})}
		if g.r.IntN(2) == 0 {
			c.CustomExtraFields["3"] = fmt.Sprintf("2024-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28))
		}
	}
	if g.r.IntN(12) != 0 {
		return
	}
	// Values spreadsheets love to mangle: formulas, numbers, dates, booleans, leading zeros.
	v := g.pick([]string{"=SUM(A1)", "+48123456789", "-", "007", "1e5", "TRUE", "2024-01-02", "@SUM(1+1)", "0.50",
		"'quoted", `"Quoted" & Co`, "NULL", "  leading spaces", "tab\there", "1/2", "00123"})
	fields := []*string{&c.Login, &c.InvoiceCompany, &c.InvoiceFullname, &c.DeliveryAddress, &c.InvoiceState}
	*fields[g.r.IntN(5)] = v
}

// atLimit fills every text field with exactly its varchar(n) characters.
func atLimit(c *baselinker.Client) {
	const letters = "żółćęśąźńŁŻÓĆĘŚĄŹŃüöäßčřě"
	for _, f := range baselinker.Fields() {
		if f.Kind != baselinker.KindText || f.MaxLen == 0 || f.Country {
			continue
		}
		v := fill(letters, f.MaxLen)
		switch {
		case f.StripTaxID:
			v = strings.Repeat("7", f.MaxLen)
		case f.Name == "email":
			v = fill(letters, f.MaxLen-len("@example.pl")) + "@example.pl"
		}
		_ = c.Set(f.Name, v)
	}
	c.Notes = fill(letters, 5000)
}
