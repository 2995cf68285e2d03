package guess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/mapping/guess"
)

// want is what one header column must become: a field ("" = nothing) or a
// template field ("tmpl:invoice_fullname"), and how.
type want struct {
	field  string
	method guess.Method
}

func TestHeaderColumns(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   map[string]want // by header; columns not listed must map to nothing
	}{
		{
			name:   "api names from a crmbulk export",
			header: []string{"crm_client_id", "email", "Invoice_Postcode", "status_name", "delivery_country_code"},
			want: map[string]want{
				"crm_client_id":         {"crm_client_id", guess.Exact},
				"email":                 {"email", guess.Exact},
				"Invoice_Postcode":      {"invoice_postcode", guess.Exact},
				"delivery_country_code": {"delivery_country_code", guess.Exact},
			},
		},
		{
			name: "shopify",
			header: []string{"Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company",
				"Default Address Address1", "Default Address Address2", "Default Address City", "Default Address Province Code",
				"Default Address Country Code", "Default Address Zip", "Default Address Phone", "Phone", "Total Spent", "Note", "Tags"},
			want: map[string]want{
				"First Name": {"tmpl:invoice_fullname", guess.Synonym}, "Last Name": {"tmpl:invoice_fullname", guess.Synonym},
				"Email":                         {"email", guess.Exact},
				"Default Address Company":       {"invoice_company", guess.Synonym},
				"Default Address Address1":      {"tmpl:invoice_address", guess.Synonym},
				"Default Address Address2":      {"tmpl:invoice_address", guess.Synonym},
				"Default Address City":          {"invoice_city", guess.Synonym},
				"Default Address Province Code": {"invoice_state", guess.Synonym},
				"Default Address Country Code":  {"invoice_country_code", guess.Synonym},
				"Default Address Zip":           {"invoice_postcode", guess.Synonym},
				"Phone":                         {"phone", guess.Exact}, // beats "Default Address Phone"
				"Note":                          {"notes", guess.Synonym},
			},
		},
		{
			name:   "woocommerce billing and shipping",
			header: []string{"first_name", "last_name", "billing_first_name", "billing_last_name", "billing_email", "email", "billing_phone", "shipping_company", "shipping_postcode", "Shipping City", "shipping_country"},
			want: map[string]want{
				"billing_first_name": {"tmpl:invoice_fullname", guess.Synonym}, "billing_last_name": {"tmpl:invoice_fullname", guess.Synonym},
				"email":             {"email", guess.Exact},
				"billing_phone":     {"phone", guess.Synonym},
				"shipping_company":  {"delivery_company", guess.Synonym},
				"shipping_postcode": {"delivery_postcode", guess.Synonym},
				"Shipping City":     {"delivery_city", guess.Synonym},
				"shipping_country":  {"delivery_country_code", guess.Synonym},
			},
		},
		{
			name:   "polish",
			header: []string{"Imię i nazwisko", "Nazwa firmy", "NIP", "Ulica", "Kod pocztowy", "Miejscowość", "Kraj", "Tel.", "Adres e-mail", "Uwagi", "Adres dostawy", "Kod pocztowy dostawy", "Miasto dostawy", "Data rejestracji"},
			want: map[string]want{
				"Imię i nazwisko": {"invoice_fullname", guess.Synonym}, "Nazwa firmy": {"invoice_company", guess.Synonym},
				"NIP": {"invoice_tax_id", guess.Synonym}, "Ulica": {"invoice_address", guess.Synonym},
				"Kod pocztowy": {"invoice_postcode", guess.Synonym}, "Miejscowość": {"invoice_city", guess.Synonym},
				"Kraj": {"invoice_country_code", guess.Synonym}, "Tel.": {"phone", guess.Synonym},
				"Adres e-mail": {"email", guess.Synonym}, "Uwagi": {"notes", guess.Synonym},
				"Adres dostawy": {"delivery_address", guess.Synonym}, "Kod pocztowy dostawy": {"delivery_postcode", guess.Synonym},
				"Miasto dostawy": {"delivery_city", guess.Synonym},
			},
		},
		{
			name:   "german",
			header: []string{"Kundennummer", "Vorname", "Nachname", "Firma", "USt-IdNr.", "Straße", "Hausnummer", "PLZ", "Ort", "Land", "Telefon", "E-Mail", "Lieferstraße", "Liefer-PLZ", "Lieferort", "Bemerkung", "Geburtsdatum"},
			want: map[string]want{
				"Vorname": {"tmpl:invoice_fullname", guess.Synonym}, "Nachname": {"tmpl:invoice_fullname", guess.Synonym},
				"Firma": {"invoice_company", guess.Synonym}, "USt-IdNr.": {"invoice_tax_id", guess.Synonym},
				"Straße": {"tmpl:invoice_address", guess.Synonym}, "Hausnummer": {"tmpl:invoice_address", guess.Synonym},
				"PLZ": {"invoice_postcode", guess.Synonym}, "Ort": {"invoice_city", guess.Synonym},
				"Land": {"invoice_country_code", guess.Synonym}, "Telefon": {"phone", guess.Synonym},
				"E-Mail": {"email", guess.Exact}, "Lieferstraße": {"delivery_address", guess.Synonym},
				"Liefer-PLZ": {"delivery_postcode", guess.Synonym}, "Lieferort": {"delivery_city", guess.Synonym},
				"Bemerkung": {"notes", guess.Synonym},
			},
		},
		{
			name:   "english synonyms and typos",
			header: []string{"Full Name", "Billing Company", "Town", "E-mial", "Telephone", "VAT number", "Postcde"},
			want: map[string]want{
				"Full Name": {"invoice_fullname", guess.Synonym}, "Billing Company": {"invoice_company", guess.Synonym},
				"Town":   {"invoice_city", guess.Synonym},
				"E-mial": {"email", guess.Fuzzy}, "Telephone": {"phone", guess.Synonym},
				"VAT number": {"invoice_tax_id", guess.Synonym}, "Postcde": {"invoice_postcode", guess.Fuzzy},
			},
		},
		{
			name:   "duplicates and blanks are never used",
			header: []string{"Email", "", "Email", "City"},
			want:   map[string]want{"City": {"invoice_city", guess.Synonym}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := guess.Header(tt.header, nil)
			if len(r.Columns) != len(tt.header) {
				t.Fatalf("%d guesses for %d columns", len(r.Columns), len(tt.header))
			}
			for _, g := range r.Columns {
				w := tt.want[g.Header]
				got := g.Field
				if g.Template != "" {
					got = "tmpl:" + g.Template
				}
				if got != w.field {
					t.Errorf("%q → %q (%s; note %q), want %q", g.Header, got, g.Method, g.Note, w.field)
					continue
				}
				if w.field != "" && g.Method != w.method {
					t.Errorf("%q → %s by %s, want %s", g.Header, got, g.Method, w.method)
				}
				if w.field == "" && g.Note == "" && strings.TrimSpace(g.Header) != "" {
					t.Errorf("%q is unused but has no note saying why", g.Header)
				}
				if g.Method == guess.Fuzzy && (g.Score < 0.8 || g.Score >= 1) {
					t.Errorf("%q fuzzy score %v out of (0.8, 1)", g.Header, g.Score)
				}
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	r := guess.Header([]string{"billing_first_name", "billing_last_name", "shipping_first_name", "shipping_last_name", "Address 1", "Address 2"}, nil)
	got := map[string]string{}
	for _, tp := range r.Templates {
		got[tp.Field] = tp.Text
	}
	want := map[string]string{
		"invoice_fullname":  "{billing_first_name} {billing_last_name}",
		"delivery_fullname": "{shipping_first_name} {shipping_last_name}",
		"invoice_address":   "{Address 1} {Address 2}",
	}
	if len(got) != len(want) {
		t.Fatalf("templates %v, want %v", got, want)
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("%s template %q, want %q", f, got[f], w)
		}
	}
	var order []string
	for _, tp := range r.Templates {
		order = append(order, tp.Field)
	}
	if want := []string{"invoice_fullname", "invoice_address", "delivery_fullname"}; !slices.Equal(order, want) {
		t.Errorf("templates in the order %v, want the field table's %v", order, want)
	}
	// A third address-like column at index 0 is not also mapped to the
	// field the template fills.
	r = guess.Header([]string{"Address", "invoice_address", "Address 2", "Email"}, nil)
	for _, c := range r.Columns {
		if c.Field == "invoice_address" {
			t.Errorf("column %q mapped to invoice_address beside the template %+v", c.Header, r.Templates)
		}
	}
	// A header with braces cannot be referenced in a template: no template.
	r = guess.Header([]string{"First {name}", "Last name"}, nil)
	if len(r.Templates) != 0 {
		t.Errorf("template proposed for a header with braces: %+v", r.Templates)
	}
	// Nor does the name column then give way to a template that cannot be.
	r = guess.Header([]string{"Name", "First {name}", "Last name"}, [][]string{{"ACME", "Jan", "Nowak"}})
	if r.Columns[0].Field != "invoice_fullname" {
		t.Errorf("the name column was dropped for a template that cannot be made: %+v", r.Columns[0])
	}
}

func TestYAMLParsesAndBinds(t *testing.T) {
	headers := [][]string{
		{"Imię", "Nazwisko", "Firma", "NIP", "Ulica", "Kod pocztowy", "Miejscowość", "Kraj", "Telefon", "E-mail", "Uwagi"},
		{"crm_client_id", "email", "status_name", "invoice_fullname"},
		{"Foo", "Bar"},
		{"Na\"me", "E-mail\nline", "City: \"x\" # not a comment", "Tel'"},
	}
	for _, h := range headers {
		r := guess.Header(h, nil)
		out := r.Proposal(guess.Source{File: "data file.csv", Encoding: "windows-1250", Delimiter: ';', Sheet: "Arkusz 1"}).YAML()
		m, err := mapping.Parse("proposed.yaml", out)
		if len(r.Fields()) == 0 {
			// Nothing to propose: the file says so and does not load by accident.
			if err == nil || !strings.Contains(string(out), "No column looked like a CRM field") {
				t.Errorf("header %q: an empty proposal must say so and not load: err %v\n%s", h, err, out)
			}
			continue
		}
		if err != nil {
			t.Fatalf("header %q: the proposal does not parse: %v\n%s", h, err, out)
		}
		if m.Source.Encoding != "windows-1250" || m.Source.Delimiter != ';' || m.Source.Sheet != "Arkusz 1" {
			t.Errorf("source lost: %+v", m.Source)
		}
		if _, err := m.Bind(h); err != nil {
			t.Errorf("header %q: the proposal does not bind: %v\n%s", h, err, out)
		}
		if got, want := strings.Join(m.Fields(), ","), strings.Join(r.Fields(), ","); got != want {
			t.Errorf("parsed fields %s, proposed %s", got, want)
		}
	}
}

// FuzzHeader: any header, with any first rows, gives a proposal that parses
// and binds to it.
func FuzzHeader(f *testing.F) {
	f.Add("Imię;Nazwisko;E-mail;Kod pocztowy", "Jan;Kowalski;jan@x.pl;00-001")
	f.Add("First Name;Last Name;Default Address Address1;Default Address Address2", "")
	f.Add("crm_client_id;email;email", "1;a;b")
	f.Add("{a};b}};\"q\";#c;: d;\ufeffPhone", "'+48;;;")
	f.Add(";;;", "")
	f.Add("E-mail 1 - Value;E-mail 2 - Value;Country;Country code", "a ::: b;c;Polska;PL")
	f.Add("Name;First Name;Last Name;VAT", "Adres domowy;Jan;Nowak;+48 22 555")
	f.Fuzz(func(t *testing.T, joined, row string) {
		h := strings.Split(joined, ";")
		var rows [][]string
		if row != "" {
			rows = [][]string{strings.Split(row, ";"), h}
		}
		r := guess.Header(h, rows)
		if len(r.Columns) != len(h) {
			t.Fatalf("%d guesses for %d columns", len(r.Columns), len(h))
		}
		out := r.Proposal(guess.Source{File: joined}).YAML()
		if len(r.Fields()) == 0 {
			return
		}
		m, err := mapping.Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("proposal does not parse: %v\n%s", err, out)
		}
		if _, err := m.Bind(h); err != nil {
			t.Fatalf("proposal does not bind to %q: %v\n%s", h, err, out)
		}
		roundTrip(t, r.Proposal(guess.Source{File: joined}), h)
	})
}

// TestYAMLSetsMatchBy: a column that names one client (email, then tax ID,
// then login) sets match_by, so running the proposal twice creates no
// client twice; a phone alone is only suggested; with crm_client_id none.
func TestYAMLSetsMatchBy(t *testing.T) {
	tests := []struct {
		header []string
		want   string // the match_by line's start; "" = none set
	}{
		{[]string{"E-mail", "NIP", "Telefon"}, "match_by: [email, invoice_tax_id] "},
		{[]string{"E-mail", "Telefon"}, "match_by: email "},
		{[]string{"Firma", "NIP", "Telefon"}, "match_by: invoice_tax_id "},
		{[]string{"Login", "Telefon"}, "match_by: login "},
		{[]string{"Firma", "Telefon"}, ""},
		{[]string{"crm_client_id", "email"}, ""},
	}
	for _, tt := range tests {
		out := string(guess.Header(tt.header, nil).Proposal(guess.Source{}).YAML())
		m, err := mapping.Parse("m.yaml", []byte(out))
		if err != nil {
			t.Fatalf("%q: the proposal does not parse: %v\n%s", tt.header, err, out)
		}
		set := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "match_by:") {
				set = l
			}
		}
		switch {
		case tt.want == "" && (set != "" || len(m.MatchBy) != 0):
			t.Errorf("%q: match_by set: %q", tt.header, set)
		case tt.want != "" && (!strings.HasPrefix(set, tt.want) || !strings.Contains(set, "delete this line")):
			t.Errorf("%q: match_by line %q, want %q… with how to turn it off\n%s", tt.header, set, tt.want, out)
		}
	}
}

// TestValuesDecide: the first rows decide what the names cannot.
func TestValuesDecide(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		want   map[string]string // header → field, "tmpl:field", "fallback:field" or "" (with the note's words after "|")
		split  map[string]string // header → split separator
	}{
		{
			name:   "a column of codes beats a column of names, which becomes its fallback",
			header: []string{"Country", "Country code", "E-mail"},
			rows:   [][]string{{"Polska", "PL", "a@x.pl"}, {"Deutschland", "DE", "b@x.de"}, {"Czechy", "", "c@x.cz"}},
			want: map[string]string{"Country": "fallback:invoice_country_code", "Country code": "invoice_country_code",
				"E-mail": "email"},
		},
		{
			name:   "a field is never proposed for values that contradict it",
			header: []string{"VAT", "E-mail", "Telefon"},
			rows:   [][]string{{"+48 22 555 01 02", "jan", "600 100 200"}, {"+48 22 555 01 03", "ewa", "600 100 201"}},
			want:   map[string]string{"VAT": "|are not tax IDs", "E-mail": "|are not e-mail addresses", "Telefon": "phone"},
		},
		{
			name:   "first + last name beat a name column of labels",
			header: []string{"Name", "First Name", "Last Name"},
			rows: [][]string{{"Adres domowy", "Jan", "Kowalski"}, {"Adres domowy", "Ewa", "Nowak"},
				{"Adres domowy", "Olga", "Lis"}, {"Adres domowy", "Piotr", "Wróbel"}},
			want: map[string]string{"Name": "|a label", "First Name": "tmpl:invoice_fullname", "Last Name": "tmpl:invoice_fullname"},
		},
		{
			name:   "first + last name beat a name column holding something else, which is the company's name",
			header: []string{"Name", "First Name", "Last Name"},
			rows:   [][]string{{"ACME Sp. z o.o.", "Jan", "Kowalski"}, {"Foo GmbH", "Ewa", "Nowak"}},
			want:   map[string]string{"Name": "invoice_company", "First Name": "tmpl:invoice_fullname", "Last Name": "tmpl:invoice_fullname"},
		},
		{
			name:   "beside a company column, a name column holding something else gives way to first + last name",
			header: []string{"Name", "Company", "First Name", "Last Name"},
			rows:   [][]string{{"ACME", "ACME Sp. z o.o.", "Jan", "Kowalski"}, {"Foo", "Foo GmbH", "Ewa", "Nowak"}},
			want:   map[string]string{"Name": "|not the first and last names", "Company": "invoice_company", "First Name": "tmpl:invoice_fullname", "Last Name": "tmpl:invoice_fullname"},
		},
		{
			name:   "a name column that holds the names stays",
			header: []string{"Name", "First Name", "Last Name"},
			rows:   [][]string{{"Jan Kowalski", "Jan", "Kowalski"}, {"Ewa Nowak", "Ewa", "Nowak"}},
			want:   map[string]string{"Name": "invoice_fullname", "First Name": "|", "Last Name": "|"},
		},
		{
			name: "Outlook: business is the invoice address, private the delivery one; Ort is its Location",
			header: []string{"Straße geschäftlich", "Straße geschäftlich 2", "Ort geschäftlich", "Land/Region geschäftlich",
				"Straße privat", "Ort privat", "Ort", "Privat", "Telefon geschäftlich", "Mobiltelefon", "Telefon privat", "E-Mail-Adresse", "E-Mail 2: Adresse", "Benutzer 1"},
			rows: [][]string{{"Königstraße 7", "3. OG", "Stuttgart", "Deutschland", "", "", "Büro", "Aus", "+49 711 1", "+49 170 1", "", "a@x.de", "", ""}},
			want: map[string]string{"Straße geschäftlich": "tmpl:invoice_address", "Straße geschäftlich 2": "tmpl:invoice_address",
				"Ort geschäftlich": "invoice_city", "Land/Region geschäftlich": "invoice_country_code", "Straße privat": "delivery_address",
				"Ort privat": "delivery_city", "Ort": "|Location", "Privat": "|flag", "Telefon geschäftlich": "phone",
				"Mobiltelefon": "fallback:phone", "Telefon privat": "fallback:phone", "E-Mail-Adresse": "email", "E-Mail 2: Adresse": "fallback:email",
				"Benutzer 1": "|"},
		},
		{
			name: "Outlook in English: the filled street beats the empty full-address column",
			header: []string{"Business Phone", "Mobile Phone", "Home Address", "Home Street", "Home City", "Business Address",
				"Business Street", "Business Street 2", "Business City", "Other Street", "Location"},
			rows: [][]string{{"+44 20 7946 0000", "+44 7700 900123", "", "1 Home Rd", "London", "", "10 Work St", "", "Leeds", "", ""}},
			want: map[string]string{"Business Phone": "phone", "Mobile Phone": "fallback:phone", "Home Street": "delivery_address",
				"Home City": "delivery_city", "Business Street": "tmpl:invoice_address", "Business Street 2": "tmpl:invoice_address",
				"Business City": "invoice_city", "Other Street": "|", "Location": "|"},
		},
		{
			name: "Magento 2 customer grid: the whole address in one cell is not the street; two VAT columns",
			header: []string{"ID", "Name", "Email", "Group", "Phone", "ZIP", "Country", "State/Province", "Billing Address",
				"Shipping Address", "Tax VAT Number", "Street Address", "City", "Fax", "VAT Number", "Company", "Billing Firstname", "Billing Lastname"},
			rows: [][]string{
				{"1", "Jan Kowalski", "jan@example.pl", "General", "+48 600 100 200", "80-827", "Poland", "pomorskie", "ul. Długa 12 Gdańsk pomorskie 80-827",
					"ul. Długa 12 Gdańsk pomorskie 80-827", "PL5840000000", "ul. Długa 12", "Gdańsk", "", "", "Kowalski Sp. z o.o.", "Jan", "Kowalski"},
				{"2", "Ewa Nowak", "ewa@example.de", "Wholesale", "+49 30 123456", "10115", "Germany", "Berlin", "Invalidenstraße 1 Berlin Berlin 10115",
					"", "", "Invalidenstraße 1", "Berlin", "+49 30 123457", "DE123456789", "Nowak GmbH", "Ewa", "Nowak"}},
			want: map[string]string{"Name": "invoice_fullname", "Billing Address": "|whole address", "Shipping Address": "|whole address",
				"Street Address": "invoice_address", "Tax VAT Number": "invoice_tax_id", "VAT Number": "fallback:invoice_tax_id",
				"Country": "invoice_country_code|country names", "Fax": "|", "ZIP": "invoice_postcode"},
		},
		{
			name:   "HubSpot contacts",
			header: []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Company Name", "Street Address", "City", "Postal Code", "Country/Region", "Lifecycle Stage", "Create Date"},
			rows:   [][]string{{"101", "Jan", "Kowalski", "jan@example.pl", "+48 600 100 200", "", "Kowalski Sp. z o.o.", "ul. Długa 12", "Gdańsk", "80-827", "Poland", "Customer", "2025-01-05 10:00"}},
			want: map[string]string{"Record ID": "|", "Phone Number": "phone", "Mobile Phone Number": "fallback:phone", "Company Name": "invoice_company",
				"Street Address": "invoice_address", "Country/Region": "invoice_country_code", "Create Date": "|"},
		},
		{
			name:   "a private address alone is the invoice address (Polish section words)",
			header: []string{"Ulica prywatna", "Miasto prywatne", "Adres domowy 2"},
			want:   map[string]string{"Ulica prywatna": "tmpl:invoice_address", "Miasto prywatne": "invoice_city", "Adres domowy 2": "tmpl:invoice_address"},
		},
		{
			name: "Mailchimp: the geo-IP columns are never an address",
			header: []string{"Email Address", "First Name", "Last Name", "Address", "Phone Number", "MEMBER_RATING", "OPTIN_TIME",
				"LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED"},
			want: map[string]string{"Email Address": "email", "First Name": "tmpl:invoice_fullname", "Last Name": "tmpl:invoice_fullname",
				"Address": "invoice_address", "Phone Number": "phone", "REGION": "|geo-IP"},
		},
		{
			name: "Google: X n - Value headers, labels never, a second address never mixed in",
			header: []string{"E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Value", "Phone 1 - Value", "Organization Name",
				"Address 1 - Formatted", "Address 1 - City", "Address 1 - Country", "Address 2 - City"},
			rows: [][]string{{"* Work", "a@x.pl ::: b@x.pl", "c@y.pl", "+48 600 100 200 ::: +48 22 1", "ACME", "ul. A 1\nWarszawa", "Warszawa", "Polska", "Kraków"}},
			want: map[string]string{"E-mail 1 - Label": "|label", "E-mail 1 - Value": "email", "E-mail 2 - Value": "fallback:email",
				"Phone 1 - Value": "phone", "Organization Name": "invoice_company", "Address 1 - Formatted": "|whole address",
				"Address 1 - City": "invoice_city", "Address 1 - Country": "invoice_country_code", "Address 2 - City": "|address 2"},
			split: map[string]string{"E-mail 1 - Value": " ::: ", "Phone 1 - Value": " ::: "},
		},
		{
			name:   "a fuzzy name with no value in the first rows is not proposed",
			header: []string{"E-mial", "Phone"},
			rows:   [][]string{{"", "600 100 200"}},
			want:   map[string]string{"E-mial": "|no value to confirm", "Phone": "phone"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := guess.Header(tt.header, tt.rows)
			for _, g := range r.Columns {
				want, ok := tt.want[g.Header]
				if !ok {
					continue
				}
				field, words, _ := strings.Cut(want, "|")
				got := g.Field
				switch {
				case g.Template != "":
					got = "tmpl:" + g.Template
				case g.FallbackFor != "":
					got = "fallback:" + g.FallbackFor
				}
				if got != field || !strings.Contains(g.Note, words) {
					t.Errorf("%q → %q (note %q), want %q (note with %q)", g.Header, got, g.Note, field, words)
				}
				if g.Split != tt.split[g.Header] {
					t.Errorf("%q split %q, want %q", g.Header, g.Split, tt.split[g.Header])
				}
			}
			out := r.Proposal(guess.Source{}).YAML()
			m, err := mapping.Parse("proposed.yaml", out)
			if err != nil {
				t.Fatalf("the proposal does not parse: %v\n%s", err, out)
			}
			if _, err := m.Bind(tt.header); err != nil {
				t.Fatalf("the proposal does not bind: %v\n%s", err, out)
			}
		})
	}
}
