package baselinker

import (
	"context"
	"encoding/json"
	"fmt"
)

// Account is what an account defines for its CRM clients: its client
// statuses (which --filter status=NAME and the export's status_name use)
// and its custom extra fields (a mapping's and an export's extra_<ID>).
// `crmbulk account` lists it and the web page reads it, both from
// ReadAccount and in the one JSON shape of MarshalJSON.
type Account struct {
	Statuses    []Status
	ExtraFields []ExtraFieldDef
}

// ReadAccount reads the account's client statuses and extra fields (two
// requests). Both slices are non-nil when it succeeds.
func (a *API) ReadAccount(ctx context.Context) (Account, error) {
	st, err := a.GetCrmClientStatuses(ctx)
	if err != nil {
		return Account{}, fmt.Errorf("reading the account's client statuses (getCrmClientStatuses): %w", err)
	}
	ef, err := a.GetCrmClientExtraFields(ctx)
	if err != nil {
		return Account{}, fmt.Errorf("reading the account's extra fields (getCrmClientExtraFields): %w", err)
	}
	if st == nil {
		st = []Status{}
	}
	if ef == nil {
		ef = []ExtraFieldDef{}
	}
	return Account{Statuses: st, ExtraFields: ef}, nil
}

// accountStatus is one status in an Account's JSON (an extra field is an
// ExtraFieldDef, by its tags).
type accountStatus struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"is_primary"`
}

// MarshalJSON writes what `crmbulk account --format json` prints and the
// web page's /api/account answers: {"statuses": [{id, name, is_primary}],
// "extra_fields": [{id, name, type, options}]}, both lists present even
// when empty.
func (acc Account) MarshalJSON() ([]byte, error) {
	j := struct {
		Statuses    []accountStatus `json:"statuses"`
		ExtraFields []ExtraFieldDef `json:"extra_fields"`
	}{Statuses: []accountStatus{}, ExtraFields: append([]ExtraFieldDef{}, acc.ExtraFields...)}
	for _, s := range acc.Statuses {
		j.Statuses = append(j.Statuses, accountStatus{ID: int64(s.ID), Name: s.Name, Primary: s.IsPrimary})
	}
	return json.Marshal(j)
}
