// Package exporter writes every CRM client of a Base (BaseLinker) account to
// a spreadsheet: it walks getCrmClients' pages with a small, bounded number
// of requests in flight (so the request limit, not the writing, sets the
// pace), skips a client it has already written when pages shift under the
// walk, builds one row per client in the field table's order and streams the
// rows to a sheet.Writer — memory does not grow with the number of clients.
//
// With details (getCrmClientData, one request per client) the set of custom
// extra field columns is only known at the end, so the clients are spooled
// to a temporary JSON-lines file and the sheet is written afterwards.
//
// Output files are written through sheet.CreateAtomic (the target is
// replaced only when the whole export succeeded) under a sheet.Lock, and an
// output name may carry {date}, {time}, {datetime} and {unix} placeholders
// for scheduled runs.
package exporter
