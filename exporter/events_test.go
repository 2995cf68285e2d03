package exporter

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestExportEvents: an export sends its phases in turn — a walk of the
// account's clients said by its pages, then the details at the limit with
// its rate and ETA — each row written as an Item (its ordinal), counted,
// and one Summary, the export's own, last.
func TestExportEvents(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		phases []string
		pages  int64
	}{
		{"the list", Config{}, []string{"export"}, 4}, // 3 pages, the last read again (the recheck)
		{"with details", Config{Notes: true}, []string{"listing clients", "details"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 250})
			api := newAPI(t, url, 0, 0, "")
			var rec events.Recorder
			cfg := tt.cfg
			cfg.Events = &rec
			sum, err := exportTo(t, api, OutputOptions{Path: tmpOut(t, "e.csv")}, capsConfig(api, cfg))
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range rec.Updates() {
				switch {
				case u.Ended && u.Walk && (u.Pages != tt.pages || u.Done != 250):
					t.Errorf("the walk ended at %d pages, %d clients; want %d pages (the recheck included) of 250", u.Pages, u.Done, tt.pages)
				case u.Phase == "details" && (!u.Paced || u.Total != 250):
					t.Errorf("the details' update %+v: want paced, of 250 clients", u)
				}
			}
			if phases, open := rec.Phases(); !reflect.DeepEqual(phases, tt.phases) || open {
				t.Errorf("phases %q (open at the end: %v), want %q", phases, open, tt.phases)
			}
			items := rec.Items()
			if len(items) != 250 || items[0].Row != 1 || items[249].Row != 250 || items[249].Status != StatusExported {
				t.Errorf("%d items, the first %+v: want one per row, in order", len(items), items[:min(1, len(items))])
			}
			if s, ok := rec.Final(); !ok || s.Command != "export" || s.Requests != sum.Requests || s.Text != sum.String() ||
				!reflect.DeepEqual(s.Counts, map[string]int{StatusExported: 250}) {
				t.Errorf("summary %+v (one, last: %v), want the export's (%d requests)", s, ok, sum.Requests)
			}
		})
	}
}

// closeSpy is a sheet.Writer whose Close runs a hook (then can panic), for
// what a run does around the close of its sheet.
type closeSpy struct {
	sheet.Writer
	onClose func()
	panics  bool
}

func (c closeSpy) Close() error {
	c.onClose()
	if c.panics {
		panic("the sheet's close panicked")
	}
	return c.Writer.Close()
}

// TestExportPhaseLastsUntilTheFileIsWritten: the "export" phase ends after
// the sheet's Close returned, not before it — writing a large XLSX takes
// seconds, and the bar (and the page) would show the run over while the
// file was still being written.
func TestExportPhaseLastsUntilTheFileIsWritten(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 30})
	api := newAPI(t, url, 0, 0, "")
	var rec events.Recorder
	e, err := New(api, capsConfig(api, Config{Events: &rec}))
	if err != nil {
		t.Fatal(err)
	}
	endedAtClose := true
	_, err = e.Run(t.Context(), func([]string) (sheet.Writer, error) {
		return closeSpy{Writer: sheet.NewCSVWriter(io.Discard, sheet.CSVWriterOptions{}), onClose: func() {
			_, endedAtClose = rec.Phases()
			endedAtClose = !endedAtClose
		}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if endedAtClose {
		t.Error("the export phase had ended when the sheet's Close was called: want it open until the file is written")
	}
	if phases, open := rec.Phases(); !reflect.DeepEqual(phases, []string{"export"}) || open {
		t.Errorf("phases %q (open at the end: %v), want the export's, ended", phases, open)
	}
}

// TestDetailsKeptWhenTheRunPanics: the details an export keeps for
// --resume are thrown away only once its sheet is written; a run that dies
// (here a panic as the sheet closes) leaves them for the next run.
func TestDetailsKeptWhenTheRunPanics(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 30})
	api := newAPI(t, url, 0, 0, "")
	keep := filepath.Join(t.TempDir(), "kept.details")
	e, err := New(api, capsConfig(api, Config{Notes: true, Keep: keep}))
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the run did not panic")
			}
		}()
		_, _ = e.Run(t.Context(), func([]string) (sheet.Writer, error) {
			return closeSpy{Writer: sheet.NewCSVWriter(io.Discard, sheet.CSVWriterOptions{}), onClose: func() {}, panics: true}, nil
		})
	}()
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the kept details after a run that panicked: %v, want them kept for --resume", err)
	}
}
