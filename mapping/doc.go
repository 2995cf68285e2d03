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
//	source:                 # all optional; command-line flags override
//	  sheet: "Klienci"      # XLSX sheet
//	  encoding: windows-1250
//	  delimiter: ";"        # "," ";" "\t" (or tab) "|"
//	  header_row: 1         # 0: no header row; columns are named by letter (C) or number (3)
//	match_by: email         # email | login | phone | invoice_tax_id, or a list tried in order
//	empty: keep             # keep (default: a blank field is not sent) | clear (sent as "")
//	columns:                # API field → source
//	  email: "E-mail"
//	  phone: { column: [Mobile, Phone], transform: [trim, digits_plus], extension: keep }
//	  invoice_fullname: { template: "{First Name} {Last Name}", transform: [collapse_spaces] }
//	  invoice_country_code: { column: "Country", map: { Polska: PL }, default: PL }
//	  invoice_company: { column: "Organization", split: " ::: ", pick: 1, empty: clear }
//	  status_id: { value: 3 }
//	custom_extra_fields:    # extra field ID → source
//	  "15": "Loyalty number"
//
// A source is a header, a list of headers (the first cell not blank), or a
// mapping with exactly one of column, template ({Header} is a cell, {{ and
// }} literal braces) or value (a constant), and for column and template any
// of transform, map, default, empty, split, pick and extension. For each
// field of each row: column or template (then split and pick, and a phone
// extension set apart) → transforms in order → map (a non-blank value,
// ignoring case and surrounding spaces) → default (when blank) → empty
// policy. The transforms are trim, upper, lower, title, digits,
// digits_plus, collapse_spaces, strip_dashes and nfc.
//
// Bind finds each named header exactly, failing that ignoring case and
// surrounding spaces (Plan.Notes); a header the sheet lacks or repeats is
// an error. Identity(header) maps a sheet whose headers are API field names
// and extra_<ID>, as crmbulk's own export writes them; other headers are
// ignored (Plan.Unused).
//
// The full reference, with examples for common shops, is docs/mapping.md.
package mapping
