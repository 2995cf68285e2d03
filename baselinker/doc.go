// Package baselinker is crmbulk's client of the Base (BaseLinker) CRM API.
//
// It owns everything that touches the wire: the transport (a form POST of
// `method` and JSON `parameters` with the X-BLToken header), the typed
// methods (GetCrmClients, AddCrmClient, GetCrmClientData,
// GetCrmClientStatuses), the classification of errors, bounded retries, and
// the pacing that keeps a run under the token's request limit.
//
// It also holds the one table of CRM fields (Fields) that every other room
// reads: the exporter's column order, the mapping file's field names, the
// validation rules and the sandbox.
package baselinker
