package exporter

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestUnnamedStatuses: a status_id the account's statuses do not list
// gets an empty status_name, and the summary counts those clients and
// names the IDs (its text and its log attributes), on the list's path and
// on the details' path; statuses given in Config.StatusList cost no request.
func TestUnnamedStatuses(t *testing.T) {
	tests := []struct {
		name     string
		details  bool
		list     bool // give the statuses in Config.StatusList
		requests int  // getCrmClientStatuses
	}{
		{"list", false, false, 1},
		{"details", true, false, 1},
		{"statuses given", false, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := sandboxtest.New(t, sandbox.Config{Clients: 20, Seed: 5})
			api := newAPI(t, url, 0, 0, "")
			for _, st := range []string{"41", "41", "7"} {
				if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{Values: map[string]string{"status_id": st}}); err != nil {
					t.Fatal(err)
				}
			}
			cfg := capsConfig(api, Config{StatusNames: true, Notes: tt.details, ExtraFields: tt.details})
			if tt.list {
				var given []baselinker.Status
				for _, st := range s.Statuses() {
					given = append(given, baselinker.Status{ID: baselinker.Int(st.ID), Name: st.Name})
				}
				cfg.StatusList = given
			}
			path := tmpOut(t, "s.csv")
			sum, err := exportTo(t, api, OutputOptions{Path: path}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Stats().ByMethod["getCrmClientStatuses"]; got != tt.requests {
				t.Errorf("%d getCrmClientStatuses requests, want %d", got, tt.requests)
			}
			if sum.UnnamedStatus != 3 || !slices.Equal(sum.UnnamedStatusIDs, []int64{7, 41}) {
				t.Errorf("unnamed: %d clients, IDs %v; want 3 clients, IDs [7 41]", sum.UnnamedStatus, sum.UnnamedStatusIDs)
			}
			if !strings.Contains(sum.String(), "3 clients hold a status_id the account does not list (7, 41)") {
				t.Errorf("summary %q does not count them", sum)
			}
			if a := sum.LogAttrs(); !slices.Contains(a, any("status_unnamed")) {
				t.Errorf("log attributes %v lack status_unnamed", a)
			}
			h, rows := readBack(t, path)
			checkRows(t, h, rows, asRead(path, s.Clients()), statusNames(s))
			empty := 0
			for _, r := range rows {
				if r[1] == "41" || r[1] == "7" {
					if r[2] != "" {
						t.Errorf("status_id %s named %q", r[1], r[2])
					}
					empty++
				}
			}
			if empty != 3 {
				t.Errorf("%d rows hold the unlisted statuses, want 3", empty)
			}
		})
	}
}
