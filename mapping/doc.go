// Package mapping reads crmbulk's mapping file, checks it, and applies it to
// sheet rows: it turns one row of a customer sheet (Shopify, WooCommerce,
// PrestaShop, a hand-made Excel file…) into the fields of one addCrmClient
// call. Values stay text; checking them (lengths, country codes, integers)
// is the validate package's work.
//
// # Use
//
//	m, err := mapping.Load("map.yaml")    // or mapping.Identity(header) for crmbulk's own export
//	p, err := m.Bind(header)              // resolve header names to column indexes, once
//	r := p.Apply(cells)                   // per row: r.ID, r.Values, r.Extra, r.Problems
//	col, h := p.Source("invoice_postcode") // which column a field came from, for messages
//
// Load and Bind report every problem at once as *Errors (one *Error per
// problem, each with file:line:column, what is wrong and a hint such as a
// did-you-mean). A Mapping and a Plan are immutable and safe for concurrent
// use.
//
// # The file
//
// The simplest mapping names, for each API field, the sheet header it comes
// from:
//
//	columns:
//	  email: "E-mail"
//	  invoice_fullname: "Imię i nazwisko"
//
// The full form:
//
//	source:                 # all optional; command-line flags override
//	  sheet: "Klienci"      # XLSX sheet
//	  encoding: windows-1250
//	  delimiter: ";"        # "," ";" "\t" (or tab) "|"
//	  header_row: 1
//	match_by: email         # email | login | phone | invoice_tax_id
//	empty: keep             # keep (default) | clear
//	columns:
//	  email: "E-mail"
//	  phone: { column: "Phone", transform: [trim, digits_plus] }
//	  invoice_fullname: { template: "{First Name} {Last Name}", transform: [collapse_spaces] }
//	  invoice_country_code:
//	    column: "Country"
//	    map: { Polska: PL, Niemcy: DE, "United Kingdom": GB }
//	    default: PL
//	  status_id: { value: 3 }
//	  star: { column: "Rating", default: "0" }
//	  notes: { template: "Imported from Shopify: {Note}", empty: clear }
//	custom_extra_fields:
//	  "15": "Loyalty number"
//	  "16": { column: "Birthday", transform: [trim] }
//
// Top-level keys: source (sheet, encoding, delimiter, header_row), match_by
// (the key existing clients are matched by; it must be mapped), empty,
// columns (API field name → source) and custom_extra_fields (extra field ID
// → source). The API field names are those of baselinker.Fields() that
// addCrmClient accepts; custom_extra_fields has its own section.
// crm_client_id may be mapped from a column: a number updates that client,
// a blank cell creates a new one, anything else is a Problem of the row.
//
// A source is either a header name (short form) or a mapping with exactly
// one of
//
//	column: "Header"           the cell of that column
//	template: "{A} {B}"        cells joined into text: {Header} is a cell,
//	                           {{ and }} are literal braces; the result is
//	                           trimmed, and it is blank when every cell it
//	                           names is blank
//	value: 3                   a constant, sent for every row as written
//	                           (value: "" clears the field in every row)
//
// and, for column and template, any of
//
//	transform: [trim, upper]   applied in the order listed
//	map: { Polska: PL }        cell value → API value; keys match ignoring
//	                           case and surrounding spaces; a value not in
//	                           the map passes through unchanged
//	default: PL                used when the value is still blank
//	empty: keep | clear        overrides the file-level empty
//	split: " ::: "             the cell holds several values: take one,
//	pick: 2                    the pick-th (1-based; default 1)
//	extension: keep | drop     a phone extension ("wew. 15") set apart from
//	                           the number the transforms see: kept after it
//	                           (the default for phone) or dropped (listed in
//	                           Result.Dropped, which the report says)
//
// column may also be a list of headers, [Mobile, Phone], as may the whole
// source: the first cell that is not blank. With source.header_row: 0 the
// file has no header row, and columns are named by letter (C) or number (3).
//
// # Order of operations
//
// For each field of each row: column or template → transforms (in order) →
// map (only a non-blank value is looked up) → default (when blank) → empty
// policy. Blank means empty or only white space. With empty: keep (the
// default) a blank field is not sent, so the client's field stays as it
// is; with empty: clear it is sent as "", which clears it. A default is
// sent as written (transforms do not apply to it); a constant is always
// sent.
//
// # Transforms
//
//	trim             remove leading/trailing white space (also no-break space)
//	upper, lower     Unicode upper / lower case
//	title            lower-case, then capitalise each word ("jan KOWALSKI-nowak" → "Jan Kowalski-Nowak")
//	digits           keep only 0-9
//	digits_plus      keep 0-9 and a leading + ("+48 601-234-567" → "+48601234567")
//	collapse_spaces  runs of white space → one space, ends trimmed
//	strip_dashes     remove - and the Unicode dashes (‐ ‑ ‒ – — −)
//	nfc              Unicode NFC normalisation (lengths are counted after NFC)
//
// # Binding to a header
//
// Bind finds each named header exactly; failing that, ignoring case and
// surrounding spaces (listed in Plan.Notes). A header the sheet lacks is an
// error naming the mapping file line, a did-you-mean and the headers the
// sheet has; a header the mapping uses that appears more than once in the
// sheet is an error too. Plan.Unused lists the headers nothing reads.
//
// # Identity mapping
//
// Identity(header) maps a sheet whose headers are API field names, as
// crmbulk's own export writes them: each API field header feeds that field,
// extra_<ID> headers feed custom extra field <ID>, and status_name and any
// other header are ignored (Plan.Unused). Blank cells are not sent.
//
// The full reference, with examples for common shops, is docs/mapping.md.
package mapping
