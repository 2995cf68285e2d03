package suggest

// The vocabulary of column names: what people call each CRM field in the
// exports of shops, CRMs, marketing tools, accounting programs and address
// books, per language. It is data, read by one tokenizer (Words, Read)
// and one scorer (Similarity): `crmbulk mapping init` guesses a column's
// field with it and the mapping checker's did-you-mean suggests a field
// with it, so the two cannot disagree.
//
// Phrases are written as people write them ("Kod pocztowy", "E-Mail-
// Adresse", "Телефон"); each is folded like a header (Words) and its words
// joined, so "Kod pocztowy", "kod_pocztowy" and "KodPocztowy" are one
// entry. A phrase belongs to exactly one concept (TestVocabularyOneMeaning).

// Concept is what a column name means.
type Concept struct {
	// Name identifies the concept ("email", "postcode", "firstname").
	Name string
	// Field is the API field, or the part after invoice_/delivery_ when
	// Addressed; "" for a template part and for another system's ID.
	Field     string
	Addressed bool
	// Part is the template part the column gives: firstname, lastname,
	// address2.
	Part string
	// ForeignID: an ID of another system, never a Base client ID.
	ForeignID bool
	// Note is what a person should check about the field's values.
	Note string
}

// The concepts, by name.
var concepts = []Concept{
	{Name: "email", Field: "email"},
	{Name: "phone", Field: "phone"},
	{Name: "login", Field: "login"},
	{Name: "company", Field: "company", Addressed: true},
	{Name: "fullname", Field: "fullname", Addressed: true},
	{Name: "firstname", Part: "firstname"},
	{Name: "lastname", Part: "lastname"},
	{Name: "address", Field: "address", Addressed: true},
	{Name: "address2", Part: "address2"},
	{Name: "postcode", Field: "postcode", Addressed: true},
	{Name: "city", Field: "city", Addressed: true},
	{Name: "state", Field: "state", Addressed: true},
	{Name: "countrycode", Field: "country_code", Addressed: true},
	{Name: "country", Field: "country_code", Addressed: true,
		Note: "country names (Polska, Deutschland) are sent as their ISO codes, and the report says so"},
	{Name: "taxid", Field: "invoice_tax_id"},
	{Name: "notes", Field: "notes"},
	{Name: "star", Field: "star", Note: "must hold 0 to 5"},
	{Name: "baseid", Field: "crm_client_id", Note: "must hold Base client IDs: a row with an ID updates that client"},
	{Name: "id", ForeignID: true},
}

// phrases are the names of each concept, per language (ISO 639-1; "xx"
// for the names of one system's export that belong to no language). UK and
// RU come in Cyrillic and in the Latin spelling people type.
var phrases = []struct{ concept, lang, list string }{
	{"email", "en", "email|e-mail|mail|email address|e-mail address|emailaddress|primary email|user email|customer email|contact email|email 1|emailaddress1"},
	{"email", "pl", "adres email|adres e-mail|adres mailowy|poczta elektroniczna|mail kontrahenta|email kontrahenta"},
	{"email", "de", "e-mail-adresse|emailadresse|mailadresse|e-mail adresse"},
	{"email", "cs", "e-mailová adresa|emailová adresa"},
	{"email", "fr", "courriel|adresse e-mail|adresse email|adresse électronique|mél"},
	{"email", "es", "correo|correo electrónico|dirección de correo|email de contacto"},
	{"email", "it", "posta elettronica|indirizzo email|indirizzo e-mail"},
	{"email", "nl", "e-mailadres|emailadres"},
	{"email", "hu", "e-mail cím|email cím|emailcím"},
	{"email", "ro", "adresă de email|adresa de e-mail|adresa email"},
	{"email", "uk", "електронна пошта|ел. пошта|е-пошта|elektronna poshta"},
	{"email", "ru", "электронная почта|эл. почта|e-mail адрес|pochta|elektronnaya pochta"},

	{"phone", "en", "phone|phone number|telephone|tel|mobile|mobile phone|mobile phone number|cell|cell phone|cellphone|primary phone|phone 1|contact phone|main phone|sms|mobile number|mobile no|phone no|cell number"},
	{"phone", "pl", "telefon|nr telefonu|numer telefonu|nr tel|tel nr|komórka|telefon komórkowy|telefon kontaktowy|numer telefonu komórkowego"},
	{"phone", "de", "telefonnummer|handy|mobil|mobiltelefon|mobilnummer|haupttelefon|rufnummer|telefon 1|handynummer"},
	{"phone", "cs", "telefonní číslo|tel. číslo|mobilní telefon"},
	{"phone", "sk", "telefón|telefónne číslo|mobilný telefón"},
	{"phone", "fr", "téléphone|tél|numéro de téléphone|portable|téléphone portable"},
	{"phone", "es", "teléfono|móvil|celular|número de teléfono|telefono movil"},
	{"phone", "it", "telefono|cellulare|numero di telefono"},
	{"phone", "nl", "telefoon|telefoonnummer|mobiel|mobiel nummer|mobiele telefoon"},
	{"phone", "hu", "telefonszám|mobiltelefon|mobilszám"},
	{"phone", "ro", "număr de telefon|numar telefon"},
	{"phone", "uk", "телефон|номер телефону|мобільний|мобільний телефон|nomer telefonu"},
	{"phone", "ru", "номер телефона|мобильный|мобильный телефон|nomer telefona"},

	{"login", "en", "login|username|user name|user login|user_login"},
	{"login", "pl", "nazwa użytkownika"},
	{"login", "de", "benutzername|anmeldename"},
	{"login", "cs", "uživatelské jméno|přihlašovací jméno"},
	{"login", "fr", "identifiant|nom d'utilisateur"},
	{"login", "es", "nombre de usuario"},
	{"login", "it", "nome utente"},
	{"login", "nl", "gebruikersnaam"},
	{"login", "hu", "felhasználónév"},
	{"login", "ro", "nume de utilizator"},
	{"login", "ru", "логин|имя пользователя"},

	{"company", "en", "company|company name|organization|organisation|organization name|organisation name|account name|business name|related company|employer|firm|company 1"},
	{"company", "pl", "nazwa|firma|nazwa firmy|nazwa pełna|pełna nazwa|nazwa kontrahenta|nazwa firmy kontrahenta"},
	{"company", "de", "firmenname|unternehmen|firmenbezeichnung|firma 1"},
	{"company", "cs", "název|název firmy|společnost|obchodní jméno|název společnosti"},
	{"company", "sk", "názov|názov firmy|spoločnosť|obchodné meno"},
	{"company", "fr", "société|entreprise|raison sociale|nom de l'entreprise|nom de la société"},
	{"company", "es", "empresa|compañía|nombre de la empresa|razón social"},
	{"company", "it", "azienda|società|ragione sociale|ditta|denominazione"},
	{"company", "nl", "bedrijf|bedrijfsnaam|organisatie"},
	{"company", "hu", "cég|cégnév|vállalat"},
	{"company", "ro", "companie|firmă|denumire firmă|societate|denumire"},
	{"company", "uk", "компанія|назва компанії|організація|kompaniia"},
	{"company", "ru", "компания|организация|название компании|kompaniya|organizatsiya"},

	{"fullname", "en", "name|full name|customer name|contact name|display name|contact|person name|client name|contact person"},
	{"fullname", "pl", "imię i nazwisko|imię nazwisko|nazwisko i imię|osoba kontaktowa|osoba"},
	{"fullname", "de", "vollständiger name|ansprechpartner|kontaktperson|anzeigename"},
	{"fullname", "cs", "jméno a příjmení|celé jméno|kontaktní osoba"},
	{"fullname", "sk", "meno a priezvisko|celé meno|kontaktná osoba"},
	{"fullname", "fr", "nom complet|nom et prénom|prénom et nom|nom d'affichage"},
	{"fullname", "es", "nombre completo|nombre y apellidos|contacto"},
	{"fullname", "it", "nome completo|nome e cognome|referente"},
	{"fullname", "nl", "volledige naam|naam|contactpersoon"},
	{"fullname", "hu", "teljes név|név|kapcsolattartó"},
	{"fullname", "ro", "nume complet|nume și prenume|persoană de contact"},
	{"fullname", "uk", "піб|ім'я та прізвище|повне ім'я|pib"},
	{"fullname", "ru", "фио|полное имя|контактное лицо|fio"},

	{"firstname", "en", "first name|given name|forename|fname|first"},
	{"firstname", "pl", "imię"},
	{"firstname", "de", "vorname"},
	{"firstname", "cs", "jméno|křestní jméno"},
	{"firstname", "sk", "meno|krstné meno"},
	{"firstname", "fr", "prénom"},
	{"firstname", "es", "nombre"},
	{"firstname", "it", "nome"},
	{"firstname", "nl", "voornaam"},
	{"firstname", "hu", "keresztnév|utónév"},
	{"firstname", "ro", "prenume"},
	{"firstname", "uk", "ім'я|imia"},
	{"firstname", "ru", "имя|imya"},

	{"lastname", "en", "last name|surname|family name|lname|last"},
	{"lastname", "pl", "nazwisko"},
	{"lastname", "de", "nachname|familienname"},
	{"lastname", "cs", "příjmení"},
	{"lastname", "sk", "priezvisko"},
	{"lastname", "fr", "nom|nom de famille"},
	{"lastname", "es", "apellido|apellidos"},
	{"lastname", "it", "cognome"},
	{"lastname", "nl", "achternaam"},
	{"lastname", "hu", "vezetéknév"},
	{"lastname", "ro", "nume|nume de familie"},
	{"lastname", "uk", "прізвище|prizvyshche"},
	{"lastname", "ru", "фамилия|familiya"},

	{"address", "en", "address|address 1|address line 1|street|street address|street 1|street line 1|street name|street and number|address street|street/road name|postal address|mailing address"},
	{"address", "pl", "adres|adres 1|ulica|ulica i numer|ulica i nr|ulica nr domu|ulica i nr domu|ulica nr|ulica numer"},
	{"address", "de", "straße|str|straße und hausnummer|straße hausnummer|straße hausnr|adresse|adresse 1|anschrift"},
	{"address", "cs", "ulice|adresa|ulice a číslo|ulice a čp|ulice čp"},
	{"address", "sk", "ulica a číslo"},
	{"address", "fr", "rue|adresse ligne 1|numéro et rue"},
	{"address", "es", "dirección|calle|domicilio|dirección 1|línea de dirección 1"},
	{"address", "it", "indirizzo|via|indirizzo 1"},
	{"address", "nl", "straat|straatnaam|straat en huisnummer|adresregel 1"},
	{"address", "hu", "cím|utca|utca házszám"},
	{"address", "ro", "adresă|strada|stradă"},
	{"address", "uk", "адреса|вулиця|adresa|vulytsia"},
	{"address", "ru", "адрес|улица|ulitsa"},

	{"address2", "en", "address 2|address line 2|street 2|street line 2|extended address|apartment|suite|apt|house number"},
	{"address2", "pl", "nr domu|numer domu|nr budynku|numer budynku|nr lokalu|numer lokalu|adres 2"},
	{"address2", "de", "adresszusatz|hausnummer|hausnr|adresse 2"},
	{"address2", "cs", "číslo popisné"},
	{"address2", "fr", "complément d'adresse|adresse 2|adresse ligne 2"},
	{"address2", "es", "dirección 2|línea de dirección 2"},
	{"address2", "it", "indirizzo 2|numero civico"},
	{"address2", "nl", "huisnummer|toevoeging|adresregel 2"},
	{"address2", "hu", "házszám"},

	{"postcode", "en", "postcode|postal code|zip|zip code|zippostalcode|zip/postal code|post code|postal"},
	{"postcode", "pl", "kod pocztowy|kod poczt"},
	{"postcode", "de", "plz|postleitzahl"},
	{"postcode", "cs", "psč|poštovní směrovací číslo"},
	{"postcode", "fr", "code postal|cp"},
	{"postcode", "es", "código postal"},
	{"postcode", "it", "cap|codice postale"},
	{"postcode", "hu", "irányítószám|irsz"},
	{"postcode", "ro", "cod poștal"},
	{"postcode", "uk", "поштовий індекс|індекс|indeks"},
	{"postcode", "ru", "почтовый индекс|индекс"},

	{"city", "en", "city|town|locality|city/town|town/city"},
	{"city", "pl", "miasto|miejscowość"},
	{"city", "de", "ort|stadt|wohnort"},
	{"city", "cs", "obec|město|místo"},
	{"city", "sk", "mesto"},
	{"city", "fr", "ville|localité|commune"},
	{"city", "es", "ciudad|localidad|población|municipio"},
	{"city", "it", "città|comune|località"},
	{"city", "nl", "plaats|woonplaats|stad|plaatsnaam"},
	{"city", "hu", "város|település|helység"},
	{"city", "ro", "oraș|localitate"},
	{"city", "uk", "місто|населений пункт|misto"},
	{"city", "ru", "город|населенный пункт|gorod"},

	{"state", "en", "state|province|region|county|state/province|state code|province code|state/county|state or province|state/region"},
	{"state", "pl", "województwo"},
	{"state", "de", "bundesland|bundesland/kanton|kanton"},
	{"state", "fr", "région|département"},
	{"state", "es", "provincia|estado|comunidad autónoma"},
	{"state", "it", "regione"},
	{"state", "nl", "provincie"},
	{"state", "hu", "megye"},
	{"state", "ro", "județ"},
	{"state", "uk", "область|oblast"},
	{"state", "ru", "регион"},

	{"countrycode", "en", "country code|country iso|iso country|country iso code|country id"},
	{"countrycode", "pl", "kod kraju"},
	{"countrycode", "de", "ländercode|landcode|länderkennzeichen"},
	{"countrycode", "cs", "kód země|kód státu"},
	{"countrycode", "fr", "code pays"},
	{"countrycode", "es", "código de país|código país"},

	{"country", "en", "country|country/region|country name|nation"},
	{"country", "pl", "kraj|państwo"},
	{"country", "de", "land|land/region|staat"},
	{"country", "cs", "stát|země"},
	{"country", "sk", "štát|krajina"},
	{"country", "fr", "pays"},
	{"country", "es", "país"},
	{"country", "it", "paese|nazione|stato"},
	{"country", "hu", "ország"},
	{"country", "ro", "țară"},
	{"country", "uk", "країна|kraina"},
	{"country", "ru", "страна|strana"},

	{"taxid", "en", "tax id|tax number|vat|vat id|vat number|vat no|vat reg no|vat registration number|eu vat|tax/vat number|taxvat|tax vat|taxvat number|vat id number|tax identification number|tax no|vat ids"},
	{"taxid", "pl", "nip|nr nip|numer nip|nip ue|nip/pesel"},
	{"taxid", "de", "eu-ustid|eu-ustidnr|ust-idnr|ust-id|ustid|umsatzsteuer-id|umsatzsteuer-identifikationsnummer|ust id nr|steuernummer|st.-nr|steuer-nr"},
	{"taxid", "cs", "dič|daňové identifikační číslo"},
	{"taxid", "sk", "ič dph"},
	{"taxid", "fr", "numéro de tva|n° tva|tva intracommunautaire|numéro tva intracommunautaire"},
	{"taxid", "es", "nif|cif|nif/cif|número de iva"},
	{"taxid", "it", "partita iva|p.iva|piva"},
	{"taxid", "nl", "btw-nummer|btw nummer|btw-id|btw"},
	{"taxid", "hu", "adószám|közösségi adószám"},
	{"taxid", "ro", "cui|cod fiscal|cod tva|cif"},
	{"taxid", "uk", "іпн|ipn"},
	{"taxid", "ru", "инн|inn"},

	{"notes", "en", "notes|note|comment|comments|description|remarks|customer note|memo|background info|about"},
	{"notes", "pl", "uwagi|notatki|notatka|opis|komentarz"},
	{"notes", "de", "notiz|notizen|bemerkung|bemerkungen|anmerkung|anmerkungen|kommentar|beschreibung"},
	{"notes", "cs", "poznámka|poznámky|popis"},
	{"notes", "fr", "remarques|commentaire|commentaires"},
	{"notes", "es", "notas|comentarios|observaciones"},
	{"notes", "it", "commenti"},
	{"notes", "nl", "opmerkingen|notities|opmerking"},
	{"notes", "hu", "megjegyzés"},
	{"notes", "ro", "observații|notițe"},
	{"notes", "uk", "примітки|коментар"},
	{"notes", "ru", "примечание|комментарий"},

	{"star", "en", "star|stars"},
	{"star", "pl", "gwiazdka|gwiazdki"},

	{"baseid", "xx", "base id|baselinker id|crm id"},

	// DATEV's Debitoren/Kreditoren format names the company and the
	// person by the address type in brackets.
	{"company", "xx", "name (adressattyp unternehmen)"},
	{"lastname", "xx", "name (adressattyp natürl. person)"},
	{"firstname", "xx", "vorname (adressattyp natürl. person)"},

	{"id", "en", "id|customer id|client id|user id|contact id|record id|account id|person id|organization id|external id|customer number|customer no|contact number"},
	{"id", "pl", "id klienta|nr klienta|numer klienta|kod kontrahenta|id kontrahenta|symbol kontrahenta"},
	{"id", "de", "kundennummer|kunden-id|kundennr|debitorennummer|kontonummer"},
	{"id", "cs", "číslo zákazníka|id zákazníka"},
	{"id", "fr", "numéro client|id client"},
	{"id", "es", "id cliente|número de cliente"},
	{"id", "it", "codice cliente"},
	{"id", "nl", "klantnummer"},
}

// sectionPhrases mark a header as the invoice (billing) or delivery
// (shipping) address, or as the business or private one. Business is the
// invoice address; private is the delivery address when the file also has
// a business or invoice address, else the invoice address (a file's only
// address is the invoice address).
var sectionPhrases = []struct{ section, lang, list string }{
	{"business", "en", "business|work|office"},
	{"business", "de", "geschäftlich|geschaeftlich|dienstlich"},
	{"business", "pl", "firmowy|firmowa|firmowe|służbowy|służbowa|służbowe"},
	{"private", "en", "home|private|personal"},
	{"private", "de", "privat"},
	{"private", "pl", "prywatny|prywatna|prywatne|domowy|domowa|domowe"},
	{"invoice", "en", "billing|bill|invoice|mailing"},
	// Shopify's "Default Address City": the customer's main address.
	{"invoice", "xx", "default address"},
	{"invoice", "de", "rechnung|rechnungs"},
	{"invoice", "pl", "faktura|faktury|fakturowy|fakturowa|fakturowe"},
	{"invoice", "cs", "fakturační|fakturace"},
	{"invoice", "fr", "facturation"},
	{"invoice", "es", "facturación"},
	{"invoice", "it", "fatturazione"},
	{"invoice", "nl", "factuur"},
	{"delivery", "en", "shipping|ship|delivery"},
	{"delivery", "de", "liefer|lieferung|versand"},
	{"delivery", "pl", "dostawa|dostawy|wysyłka|wysyłki"},
	{"delivery", "cs", "dodací|doručovací"},
	{"delivery", "fr", "livraison"},
	{"delivery", "es", "envío"},
	{"delivery", "it", "spedizione"},
	{"delivery", "nl", "aflever|verzend"},
}

// sectionPrefixes split compounds that begin with a section word: German
// "Rechnungsstraße", "Lieferort", "Versandland".
var sectionPrefixes = []struct{ prefix, section string }{
	{"rechnungs", "invoice"}, {"rechnung", "invoice"}, {"liefer", "delivery"}, {"versand", "delivery"},
}

// entityWords are the prefixes of CRMs that export several record types
// side by side: Pipedrive's "Person - Email", "Organization - Name".
var entityWords = map[string]string{
	"person": "person", "contact": "person", "lead": "person", "kontakt": "person", "osoba": "person",
	"organization": "organization", "organisation": "organization", "account": "organization",
	"company": "organization", "org": "organization",
}

// addressWords are the word "address" in the languages of the table: with
// a section word it is the whole address ("Billing address", "Adres
// dostawy"); in front of a part it is noise ("Address - City").
var addressWords = []string{"address", "adres", "adresse", "anschrift", "adresa", "indirizzo", "dirección", "cím", "adresă", "адрес", "адреса"}

// stopWords mark columns that are not client data, in any language:
// marketing consents, totals, dates, registers that are not the tax ID,
// further names and numbers of a contact, a subscriber's geo-IP location.
var stopWords = []struct{ lang, list string }{
	{"en", "accepts|marketing|newsletter|consent|optin|opt|optout|subscribed|unsubscribed|subscription|total|spent|orders|count|sales|aov|exempt|registered|registration|created|updated|modified|visit|active|enabled|date|birthday|birthdate|password|pass|lifetime|revenue|score|owner|rating|confirm|changed|ip|sign|signup|latitude|longitude|gmtoff|dstoff|timezone|leid|euid|fax|telex|other|middle|phonetic|assistant|label|labels|type|pobox|iban|swift|bic|bank|balance|discount|currency|owner|source|stage|lifecycle|offers|opted"},
	{"pl", "data|haslo|regon|pesel|krs|sprzedaz|wlaczony|oferty|rejestracja|wizyta|ostatnia|zamowienia|zamowien|faks|teleks|rachunek|saldo|rabat|limit|zgoda"},
	{"de", "datum|geburtstag|passwort|umsatz|telefax|weitere|weiterer|weiteres|assistent|horbehinderte|vorgesetzten|angezeigter|typ|benutzer|postfach|organisationsnr|regierungsnr|erstellt|geandert|bankverbindung|kreditlimit|zahlungsziel"},
	{"cs", "ico|ic|datum|ucet|uctu|sleva|splatnost"},
	{"fr", "siret|siren|naissance"},
	{"it", "pec"}, // posta elettronica certificata: legal notices, not the contact e-mail
	{"es", "fecha|nacimiento"},
	{"nl", "kvk|geboortedatum"},
}
