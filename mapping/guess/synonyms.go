package guess

import "sort"

// concept is what a header name means.
type concept struct {
	field     string // API field, or the part after invoice_/delivery_ when addressed
	addressed bool   // invoice_* or delivery_* by the header's section
	part      string // a template part: firstname, lastname, address2
	id        bool   // an ID of another system: never mapped
	note      string // what the user should check
}

var (
	cEmail    = concept{field: "email"}
	cPhone    = concept{field: "phone"}
	cLogin    = concept{field: "login"}
	cCompany  = concept{field: "company", addressed: true}
	cFullname = concept{field: "fullname", addressed: true}
	cFirst    = concept{part: "firstname"}
	cLast     = concept{part: "lastname"}
	cAddress  = concept{field: "address", addressed: true}
	cAddress2 = concept{part: "address2"}
	cPostcode = concept{field: "postcode", addressed: true}
	cCity     = concept{field: "city", addressed: true}
	cState    = concept{field: "state", addressed: true}
	cCode     = concept{field: "country_code", addressed: true}
	cCountry  = concept{field: "country_code", addressed: true,
		note: "country names (Polska, Deutschland) are sent as their ISO codes, and the report says so"}
	cTaxID  = concept{field: "invoice_tax_id"}
	cNotes  = concept{field: "notes"}
	cStar   = concept{field: "star", note: "must hold 0 to 5"}
	cBaseID = concept{field: "crm_client_id", note: "must hold Base client IDs: a row with an ID updates that client"}
	cID     = concept{id: true}
)

// synonyms maps a folded header (lower-case, no diacritics, no spaces or
// punctuation, section words removed) to its concept. English, Polish and
// German names, and the names the common shop exports write.
var synonyms = map[string]concept{
	// email
	"email": cEmail, "mail": cEmail, "emailaddress": cEmail, "emailadresse": cEmail, "mailadresse": cEmail,
	"useremail": cEmail, "adresemail": cEmail, "emailadres": cEmail, "customeremail": cEmail,
	// phone
	"phone": cPhone, "phonenumber": cPhone, "telephone": cPhone, "tel": cPhone, "telefon": cPhone,
	"telefonnummer": cPhone, "telnr": cPhone, "nrtel": cPhone, "nrtelefonu": cPhone, "numertelefonu": cPhone,
	"mobile": cPhone, "mobilephone": cPhone, "cellphone": cPhone, "mobil": cPhone, "handy": cPhone,
	"mobilnummer": cPhone, "mobiltelefon": cPhone, "haupttelefon": cPhone, "primaryphone": cPhone,
	"mobilephonenumber": cPhone, "taxvatnumber": cTaxID, // HubSpot, Magento "komorka": cPhone, "telefonkomorkowy": cPhone,
	// login
	"login": cLogin, "username": cLogin, "userlogin": cLogin, "benutzername": cLogin, "nazwauzytkownika": cLogin,
	// company
	"company": cCompany, "companyname": cCompany, "organization": cCompany, "organisation": cCompany,
	"organizationname": cCompany, "organisationname": cCompany, // Google Contacts
	"firma": cCompany, "firmenname": cCompany, "unternehmen": cCompany, "nazwafirmy": cCompany,
	"nazwapelna": cCompany, "pelnanazwa": cCompany, // EDI++ (Subiekt GT): the contractor's full name
	// full name and its parts
	"name": cFullname, "fullname": cFullname, "customername": cFullname, "contactname": cFullname,
	"imieinazwisko": cFullname, "imienazwisko": cFullname, "nazwiskoiimie": cFullname,
	"vollstandigername": cFullname, "ansprechpartner": cFullname, "osobakontaktowa": cFullname,
	"firstname": cFirst, "givenname": cFirst, "forename": cFirst, "vorname": cFirst, "imie": cFirst,
	"lastname": cLast, "surname": cLast, "familyname": cLast, "nachname": cLast, "nazwisko": cLast,
	// address
	"address": cAddress, "address1": cAddress, "addressline1": cAddress, "street": cAddress,
	"streetaddress": cAddress, "street1": cAddress, "strasse": cAddress, "str": cAddress,
	"strasseundhausnummer": cAddress, "adresse": cAddress, "adresse1": cAddress, "anschrift": cAddress,
	"adres": cAddress, "adres1": cAddress, "ulica": cAddress, "ulicainumer": cAddress,
	"address2": cAddress2, "addressline2": cAddress2, "street2": cAddress2, "adresse2": cAddress2,
	"adres2": cAddress2, "adresszusatz": cAddress2, "hausnummer": cAddress2, "hausnr": cAddress2,
	"extendedaddress": cAddress2, // Google Contacts
	"nrdomu":          cAddress2, "numerdomu": cAddress2, "nrlokalu": cAddress2, "apartment": cAddress2,
	// postcode
	"postcode": cPostcode, "postalcode": cPostcode, "zip": cPostcode, "zipcode": cPostcode,
	"zippostalcode": cPostcode, "postleitzahl": cPostcode, "plz": cPostcode, "kodpocztowy": cPostcode,
	"kodpoczt": cPostcode, "codepostal": cPostcode,
	// city
	"city": cCity, "town": cCity, "ort": cCity, "stadt": cCity, "wohnort": cCity, "miasto": cCity,
	"miejscowosc": cCity, "ville": cCity,
	// state
	"state": cState, "province": cState, "provincecode": cState, "statecode": cState, "region": cState,
	"county": cState, "stateprovince": cState, "bundesland": cState, "wojewodztwo": cState,
	"bundeslandkanton": cState, // Outlook (German)
	// country
	"countrycode": cCode, "countryiso": cCode, "isocountry": cCode, "landercode": cCode, "landcode": cCode,
	"kodkraju": cCode,
	"country":  cCountry, "countryregion": cCountry, "land": cCountry, "kraj": cCountry, "pays": cCountry,
	"panstwo": cCountry, "landregion": cCountry, // Outlook (German): Land/Region
	// tax ID
	"taxid": cTaxID, "taxnumber": cTaxID, "vat": cTaxID, "vatid": cTaxID, "vatnumber": cTaxID,
	"vatno": cTaxID, "nip": cTaxID, "nrnip": cTaxID, "nipue": cTaxID, "ustidnr": cTaxID, "ustid": cTaxID,
	"umsatzsteuerid": cTaxID, "steuernummer": cTaxID, "euvat": cTaxID,
	// notes
	"notes": cNotes, "note": cNotes, "comment": cNotes, "comments": cNotes, "customernote": cNotes,
	"remarks": cNotes, "uwagi": cNotes, "notatki": cNotes, "notatka": cNotes, "notiz": cNotes,
	"notizen": cNotes, "bemerkung": cNotes, "bemerkungen": cNotes, "anmerkung": cNotes, "kommentar": cNotes,
	// star
	"star": cStar, "stars": cStar, "gwiazdka": cStar,
	// IDs
	"baseid": cBaseID, "baselinkerid": cBaseID, "crmid": cBaseID,
	"id": cID, "customerid": cID, "clientid": cID, "userid": cID, "kundennummer": cID, "kundenid": cID,
	"idklienta": cID, "nrklienta": cID, "customernumber": cID,
}

// synonymKeys lists the keys of synonyms, sorted, so fuzzy matching is
// deterministic.
var synonymKeys = func() []string {
	ks := make([]string, 0, len(synonyms))
	for k := range synonyms {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}()

// sectionWords mark a header as the invoice (billing) or delivery
// (shipping) address, or as the business or private one (Outlook's
// "geschäftlich"/"privat", "Business"/"Home"; Polish "firmowy"/"prywatny",
// "służbowy"/"domowy"): business is the invoice address, private the
// delivery address when there is a business one, else the invoice address.
var sectionWords = map[string]string{
	"business": "business", "work": "business", "geschaftlich": "business", "geschaeftlich": "business",
	"firmowy": "business", "firmowa": "business", "firmowe": "business",
	"sluzbowy": "business", "sluzbowa": "business", "sluzbowe": "business",
	"home": "private", "private": "private", "privat": "private", "prywatny": "private", "prywatna": "private",
	"prywatne": "private", "domowy": "private", "domowa": "private", "domowe": "private",
	"billing": "invoice", "bill": "invoice", "rechnungs": "invoice", "liefer": "delivery", "invoice": "invoice", "rechnung": "invoice",
	"faktura": "invoice", "faktury": "invoice", "fakturowy": "invoice", "fakturowa": "invoice", "fakturowe": "invoice",
	"shipping": "delivery", "ship": "delivery", "delivery": "delivery", "lieferung": "delivery", "versand": "delivery",
	"dostawa": "delivery", "dostawy": "delivery", "wysylka": "delivery", "wysylki": "delivery",
}

// addressWord is the word "address" in the languages the table knows.
var addressWord = map[string]bool{"address": true, "adres": true, "adresse": true, "anschrift": true}

// stop words mark columns that are not client data: marketing consents,
// totals, dates.
var stop = map[string]bool{
	"accepts": true, "marketing": true, "newsletter": true, "consent": true, "optin": true, "offers": true,
	"total": true, "spent": true, "orders": true, "count": true, "sales": true, "aov": true, "exempt": true,
	"registered": true, "registration": true, "created": true, "updated": true, "visit": true, "active": true,
	"enabled": true, "date": true, "data": true, "datum": true, "birthday": true, "geburtstag": true,
	"password": true, "pass": true, "haslo": true, "passwort": true,
	// Numbers that look like fields but are none: a fax is not a phone or a
	// tax ID, REGON, PESEL and KRS are registers, not NIP (nor a region).
	"fax": true, "faks": true, "telefax": true, "telex": true, "teleks": true,
	"regon": true, "pesel": true, "krs": true, "organisationsnr": true, "regierungsnr": true,
	// Marketing tools and analytics: the subscriber's geo-IP location,
	// ratings, opt-in times (Mailchimp), sign-up and visit dates, sales.
	"latitude": true, "longitude": true, "gmtoff": true, "dstoff": true, "timezone": true, "leid": true,
	"euid": true, "rating": true, "confirm": true, "changed": true, "ip": true, "sign": true, "signup": true,
	"sprzedaz": true, "wlaczony": true, "oferty": true, "rejestracja": true, "wizyta": true, "ostatnia": true,
	"umsatz": true, "zamowienia": true, "zamowien": true,
	// Further names, addresses and numbers of a contact (Outlook, Google):
	// the first is mapped, these are not.
	"other": true, "weitere": true, "weiterer": true, "weiteres": true, "middle": true, "phonetic": true,
	"assistent": true, "assistant": true, "horbehinderte": true, "vorgesetzten": true, "angezeigter": true,
	"typ": true, "type": true, "benutzer": true, "label": true, "labels": true, "postfach": true, "pobox": true,
}

// geoWords mark a file whose region and country columns are the geo-IP
// location of a subscriber (Mailchimp's LATITUDE, LONGITUDE, GMTOFF, …),
// not an address.
var geoWords = map[string]bool{"latitude": true, "longitude": true, "gmtoff": true, "dstoff": true, "timezone": true}
