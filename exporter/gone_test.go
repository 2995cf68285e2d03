package exporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// detailsFault answers getCrmClientData for one client with err, and can
// hide that client from a list filtered by its id (as if it was deleted).
type detailsFault struct {
	API
	id     int64
	err    error
	hidden bool
}

func (d *detailsFault) GetCrmClientData(ctx context.Context, id int64, extra bool) (baselinker.Client, error) {
	if id == d.id {
		return baselinker.Client{}, d.err
	}
	return d.API.GetCrmClientData(ctx, id, extra)
}

func (d *detailsFault) GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error) {
	cs, err := d.API.GetCrmClients(ctx, page, f)
	if d.hidden && f.CrmClientID == d.id {
		return nil, err
	}
	return cs, err
}

// TestClientGoneOnlyWhenConfirmed: a client is left out of a --with-details
// export only when getCrmClientData says it is not found and the list,
// filtered by its id, has it no more; the summary names it. A not-found the
// list contradicts, and an unknown code, stop the export: no file with less.
func TestClientGoneOnlyWhenConfirmed(t *testing.T) {
	notFound := &baselinker.APIError{Method: "getCrmClientData", Code: "ERROR_CRM_CLIENT_NOT_FOUND", Message: "no such client"}
	unknown := &baselinker.APIError{Method: "getCrmClientData", Code: "ERROR_SOMETHING_NEW", Message: "?"}
	tests := []struct {
		name   string
		err    error
		hidden bool
		gone   bool // else the export must fail
	}{
		{"deleted: not found and not listed", notFound, true, true},
		{"not found but still listed", notFound, false, false},
		{"an unknown code", &baselinker.ReadError{Method: "getCrmClientData", Err: unknown}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 30})
			victim := s.Clients()[7].CrmClientID
			api := &detailsFault{API: newAPI(t, url, 0, 0, ""), id: int64(victim), err: tc.err, hidden: tc.hidden}
			path := tmpOut(t, "x.csv")
			sum, err := exportTo(t, api, OutputOptions{Path: path}, Config{Notes: true, ExtraFields: true})
			if !tc.gone {
				if err == nil {
					t.Fatalf("the export succeeded with %d clients; want it to stop", sum.Clients)
				}
				if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
					t.Errorf("a failed export left %s: %v", path, serr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.Clients != 29 || len(sum.Vanished) != 1 || sum.Vanished[0] != int64(victim) {
				t.Errorf("clients %d, vanished %v; want 29 and [%d]", sum.Clients, sum.Vanished, victim)
			}
			if !strings.Contains(sum.String(), fmt.Sprintf("crm_client_id %d", victim)) {
				t.Errorf("the summary does not name the client: %s", sum)
			}
		})
	}
}

// TestExportThroughADriftingAPI: a --with-details export through transient
// unknown codes on reads, integers as strings, digit-only texts as numbers
// and text/html labels ends with every client and its notes, as the
// sandbox holds them.
func TestExportThroughADriftingAPI(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Seed: 6, Clients: 120, ReadErrors: 0.15, DriftTypes: true, HTMLLabel: true})
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken), baselinker.WithLimiter(pacer.New(1_000_000)),
		baselinker.WithRetry(pacer.Backoff{Attempts: 10, Base: time.Millisecond, Max: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	path := tmpOut(t, "x.csv")
	sum, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{Notes: true, ExtraFields: true}))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Clients != 120 || len(sum.Vanished) != 0 {
		t.Fatalf("exported %d clients, %v vanished; want all 120", sum.Clients, sum.Vanished)
	}
	h, rows := readBack(t, path)
	checkRows(t, h, rows, asRead(path, s.Clients()), nil)
	if !slices.Contains(h, "notes") {
		t.Errorf("no notes column: %q", h)
	}
}
