package suggest

import (
	"slices"
	"strings"
	"testing"
)

// TestVocabularyOneMeaning: no phrase belongs to two concepts, every
// phrase's concept exists, and every concept has a phrase in English.
func TestVocabularyOneMeaning(t *testing.T) {
	v := table()
	for _, c := range v.conflict {
		t.Errorf("phrase %s", c)
	}
	names := map[string]bool{}
	for _, c := range concepts {
		names[c.Name] = true
	}
	english := map[string]bool{}
	for _, p := range phrases {
		if !names[p.concept] {
			t.Errorf("phrases for unknown concept %q", p.concept)
		}
		english[p.concept] = english[p.concept] || p.lang == "en" || p.lang == "xx"
	}
	for n := range names {
		if !english[n] {
			t.Errorf("concept %q has no English phrase", n)
		}
	}
	for k := range v.concept {
		if v.stop[k] {
			t.Errorf("phrase %q is also a stop word", k)
		}
	}
}

// TestVocabularyLanguages: each field has names in the languages the
// table promises.
func TestVocabularyLanguages(t *testing.T) {
	langs := map[string]map[string]bool{}
	for _, p := range phrases {
		if langs[p.concept] == nil {
			langs[p.concept] = map[string]bool{}
		}
		langs[p.concept][p.lang] = true
	}
	for _, c := range []string{"email", "phone", "company", "firstname", "lastname", "address", "postcode", "city", "country", "taxid", "notes"} {
		for _, l := range []string{"en", "pl", "de", "fr", "es", "ru"} {
			if !langs[c][l] {
				t.Errorf("%s has no %s name", c, l)
			}
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"MailingStreet", "mailing street"},
		{"BillingPostalCode", "billing postal code"},
		{"VATNumber", "vat number"},
		{"EMAIL", "email"},
		{"customer_id", "customer id"},
		{"e-mail-adresse", "e mail adresse"},
		{"Address1", "address 1"},
		{"Kod pocztowy", "kod pocztowy"},
		{"Ulica, nr domu", "ulica nr domu"},
		{"Straße", "strasse"},
		{"PSČ", "psc"},
		{"Телефон", "телефон"},
		{"\ufeffName", "name"},
		{"Ім'я", "ім'я"},
	}
	for _, tt := range tests {
		got := strings.Join(Words(tt.in), " ")
		if tt.in == "Ім'я" {
			got = Key(tt.in) // the apostrophe joins
			tt.want = Key("ім'я")
		}
		if got != tt.want {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, concept, section, entity string
		n                              int
	}{
		{"Person - Email", "email", "invoice", "person", 0},
		{"Organization - Name", "company", "invoice", "organization", 0},
		{"Person - Name", "fullname", "invoice", "person", 0},
		{"Person - Phone - Mobile", "phone", "invoice", "person", 0},
		{"Email (Work)", "email", "business", "", 0},
		{"Phone [Mobile]", "phone", "invoice", "", 0},
		{"E-mail 2", "email", "invoice", "", 2},
		{"MailingStreet", "address", "invoice", "", 0},
		{"ShippingPostalCode", "postcode", "delivery", "", 0},
		{"Komórka", "phone", "invoice", "", 0},
		{"Telefon komórkowy", "phone", "invoice", "", 0},
		{"PSČ", "postcode", "invoice", "", 0},
		{"Obec", "city", "invoice", "", 0},
		{"DIČ", "taxid", "invoice", "", 0},
		{"Stát", "country", "invoice", "", 0},
		{"Ulica i nr", "address", "invoice", "", 0},
		{"Ulica, nr domu", "address", "invoice", "", 0},
		{"Street Line 2", "address2", "invoice", "", 0},
		{"Primary Email", "email", "invoice", "", 0},
		{"Related Company", "company", "invoice", "", 0},
		{"Description", "notes", "invoice", "", 0},
		{"customer_id", "id", "invoice", "", 0},
		{"Фамилия", "lastname", "invoice", "", 0},
		{"Rechnungsstraße", "address", "invoice", "", 0},
		{"Lieferort", "city", "delivery", "", 0},
		{"Default Address City", "city", "invoice", "", 0},
	}
	for _, tt := range tests {
		rd := Read(tt.name, 0, 0.8)
		if rd.Match != Phrase || rd.Concept.Name != tt.concept || rd.Section != tt.section || rd.Entity != tt.entity || rd.N != tt.n {
			t.Errorf("Read(%q) = %v %q section %q entity %q n %d, want %q %q %q %d",
				tt.name, rd.Match, rd.Concept.Name, rd.Section, rd.Entity, rd.N, tt.concept, tt.section, tt.entity, tt.n)
		}
	}
	for _, name := range []string{"MEMBER_RATING", "Accepts Email Marketing", "Total Spent", "IČO", "REGON"} {
		if rd := Read(name, 0, 0.8); !rd.Stop || rd.Match != NoMatch {
			t.Errorf("Read(%q) = %v %q stop %v, want a stop word", name, rd.Match, rd.Concept.Name, rd.Stop)
		}
	}
}

// TestFieldFor: the checker's did-you-mean and mapping init read names
// alike: another system's ID is never crm_client_id, a rating is never
// the star.
func TestFieldFor(t *testing.T) {
	tests := []struct {
		name, field string
		foreign     bool
	}{
		{"customer_id", "", true},
		{"client_id", "", true},
		{"rating", "", false},
		{"stars", "star", false},
		{"zip", "invoice_postcode", false},
		{"shipping_zip", "delivery_postcode", false},
		{"first_name", "invoice_fullname", false},
		{"komorka", "phone", false},
		{"nip", "invoice_tax_id", false},
		{"country", "invoice_country_code", false},
		{"base_id", "crm_client_id", false},
	}
	for _, tt := range tests {
		f, foreign := FieldFor(tt.name)
		if f != tt.field || foreign != tt.foreign {
			t.Errorf("FieldFor(%q) = %q, %v; want %q, %v", tt.name, f, foreign, tt.field, tt.foreign)
		}
	}
}

func TestSimilarity(t *testing.T) {
	if s := Similarity("emial", "email"); s < 0.79 || s > 0.81 {
		t.Errorf("Similarity(emial, email) = %v", s)
	}
	if s := Similarity("postc", "postcode"); s < 0.8 {
		t.Errorf("a leading part scores %v", s)
	}
	if !slices.Contains([]float64{0}, Similarity("ab", "abc")) {
		t.Error("short names must score 0")
	}
}

// FuzzRead: any name is read without a panic, into words that are folded
// (no upper case), and Key is Words joined.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"MailingStreet", "Person - Email - Work", "Email (Work)", "Phone [Mobile", "E-mail 2", "Ім'я", "ŁÓDŹ", "((]]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		rd := Read(name, 0, 0.8)
		for _, w := range rd.Words {
			if strings.ToLower(w) != w {
				t.Fatalf("word %q of %q is not folded", w, name)
			}
		}
		if Key(name) != strings.Join(rd.Words, "") {
			t.Fatalf("Key(%q) is not its words joined", name)
		}
		FieldFor(name)
	})
}
