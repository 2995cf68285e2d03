package importer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
)

// TestRerunGuardCountsWhatItFound: a fresh run of a file whose earlier run
// was stopped is refused before any request, and says what the record
// holds — the clients created and, apart, the creates that got no usable
// answer (their clients may exist). A resume of a report with no line and
// no journal is refused: nothing proves which rows were sent.
func TestRerunGuardCountsWhatItFound(t *testing.T) {
	long := time.Now().Add(-time.Hour).UnixMilli() // sends that can no longer land
	start := func(in string) string {
		sha, err := FileSHA(in)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"ev":"start","sha":%q,"window":16,"timeout":1000}`, sha) + "\n"
	}
	send := func(row int) string {
		return fmt.Sprintf(`{"ev":"send","row":%d,"op":"create","at":%d}`, row, long) + "\n"
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, api API, in, report string) Config // writes the record, returns the run's Config
		want  string
	}{
		{"a journal: one create answered, one not", func(t *testing.T, _ API, in, report string) Config {
			writeFile(t, filepath.Dir(report), filepath.Base(report)+".journal",
				start(in)+send(2)+send(3)+`{"ev":"done","row":3,"status":"created","id":77}`+"\n")
			return Config{Report: report}
		}, "creating 1 clients and sending 1 creates that got no usable answer (their clients may exist)"},
		{"a finished report, then an unanswered create of a created row", func(t *testing.T, api API, in, report string) Config {
			if _, err := Run(t.Context(), api, in, Config{Report: report}); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Dir(report), filepath.Base(report)+".journal", start(in)+send(2))
			return Config{Report: report}
		}, "creating 3 clients and sending 1 creates that got no usable answer"},
		{"a resumed report with no line and no journal", func(t *testing.T, _ API, _, report string) Config {
			writeFile(t, filepath.Dir(report), filepath.Base(report), strings.Join(events.Columns(), ",")+"\n")
			return Config{Report: report, Resume: report}
		}, "has no lines and there is no journal of its run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newAPI(t, sandbox.Config{Seed: 12}, 0, 0)
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", genRows("n", 3))
			cfg := tt.setup(t, api, in, filepath.Join(dir, "in.report.csv"))
			before, clients := srv.Stats().Requests, len(srv.Clients())
			_, err := Run(t.Context(), api, in, cfg)
			if !errors.Is(err, events.ErrBadInput) || !strings.Contains(fmt.Sprint(err), tt.want) {
				t.Errorf("err = %v, want bad input saying %q", err, tt.want)
			}
			if n := srv.Stats().Requests - before; n != 0 || len(srv.Clients()) != clients {
				t.Errorf("the refused run sent %d requests (%d clients, %d before)", n, len(srv.Clients()), clients)
			}
		})
	}
}
