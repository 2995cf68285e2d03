package exporter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// shifting serves the sandbox's pages as if k clients had been inserted in
// front of the list after page 1 was read: page p ≥ 2 starts k clients
// earlier, so the end of every page is met again on the next.
type shifting struct {
	*baselinker.API
	k int
}

func (s shifting) GetCrmClients(ctx context.Context, page int, f baselinker.Filters) ([]baselinker.Client, error) {
	if page < 2 {
		return s.API.GetCrmClients(ctx, page, f)
	}
	prev, err := s.API.GetCrmClients(ctx, page-1, f)
	if err != nil {
		return nil, err
	}
	cur, err := s.API.GetCrmClients(ctx, page, f)
	if err != nil {
		return nil, err
	}
	all := append(prev, cur...)
	return all[min(len(all), baselinker.PageSize-s.k):min(len(all), 2*baselinker.PageSize-s.k)], nil
}

func TestShiftedPagesWriteEveryClientOnce(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 350, Seed: 4})
	path := tmpOut(t, "shift.csv")
	sum, err := exportTo(t, shifting{newAPI(t, url, 0, 0, ""), 7}, OutputOptions{Path: path}, Config{NoRecheck: true})
	if err != nil {
		t.Fatal(err)
	}
	h, rows := readBack(t, path)
	checkRows(t, h, rows, asRead(path, s.Clients()), nil)
	// Page 2 starts with the last 7 clients of page 1 again; later pages follow on.
	if sum.Duplicates != 7 || !sum.Changed || !strings.Contains(sum.String(), "changed") {
		t.Errorf("summary %+v (%s), want 7 duplicates skipped and the change reported", sum, sum)
	}
}

func TestClientsAddedDuringTheWalk(t *testing.T) {
	tests := []struct {
		name      string
		addAfter  int // page after which clients are added
		add       int
		wantDelta int
	}{
		{"before the last page", 1, 30, 0},
		{"after the last page", 3, 20, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := sandboxtest.New(t, sandbox.Config{Clients: 250, Seed: 9})
			api := newAPI(t, url, 0, 0, "")
			added := false
			hook := func(page int) {
				if page != tt.addAfter || added {
					return
				}
				added = true
				for i := range tt.add {
					if _, err := api.AddCrmClient(context.Background(), baselinker.ClientFields{
						Values: map[string]string{"email": "new" + itoa(i) + "@example.com"}}); err != nil {
						t.Error(err)
					}
				}
			}
			path := tmpOut(t, "add.csv")
			sum, err := exportTo(t, api, OutputOptions{Path: path}, capsConfig(api, Config{PageHook: hook, Ahead: 1}))
			if err != nil {
				t.Fatal(err)
			}
			h, rows := readBack(t, path)
			checkRows(t, h, rows, asRead(path, s.Clients()), nil)
			if sum.Clients != 250+tt.add || sum.Changed != (tt.wantDelta != 0) {
				t.Errorf("summary %+v, want %d clients, list changed %v", sum, 250+tt.add, tt.wantDelta != 0)
			}
		})
	}
}

func TestOutputRules(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Clients: 3})
	api := newAPI(t, url, 0, 0, "")
	dir := t.TempDir()
	existing := dir + "/clients.csv"
	if err := os.WriteFile(existing, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

	// An existing file is refused without --force, before any request.
	if _, err := exportTo(t, api, OutputOptions{Path: existing}, capsConfig(api, Config{})); !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("existing file: %v", err)
	}
	if api.Stats().Requests != 0 {
		t.Errorf("requests were spent before the output was checked")
	}
	if _, err := exportTo(t, api, OutputOptions{Path: existing, Force: true}, capsConfig(api, Config{})); err != nil {
		t.Errorf("--force: %v", err)
	}
	// A templated name may replace that run's earlier file.
	tpl := dir + "/c-{date}.csv"
	for range 2 {
		if _, err := exportTo(t, api, OutputOptions{Path: tpl, Now: now}, capsConfig(api, Config{})); err != nil {
			t.Errorf("templated: %v", err)
		}
	}
	if _, err := os.Stat(dir + "/c-2025-03-04.csv"); err != nil {
		t.Error(err)
	}
	// A second export into the same place while one runs is refused.
	held, err := OpenOutput(OutputOptions{Path: dir + "/locked.xlsx"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenOutput(OutputOptions{Path: dir + "/locked.xlsx", Force: true})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("second export into a locked place: %v", err)
	}
	// A templated name locks its pattern: two runs of one schedule cannot
	// overlap even when their timestamps differ, and no lock file piles up
	// per run.
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first, err := OpenOutput(OutputOptions{Path: dir + "/c-{datetime}.csv", Now: t1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenOutput(OutputOptions{Path: dir + "/c-{datetime}.csv", Now: t1.Add(time.Second)})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("second run of the same schedule: %v", err)
	}
	if _, err := os.Stat(dir + "/.c-datetime.csv.lock"); err != nil {
		t.Errorf("the lock file is not named after the pattern (braces dropped): %v", err)
	}
	_ = first.Abort()
	if _, err := os.Stat(dir + "/.c-datetime.csv.lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file stays after the run: %v", err)
	}
	if err := held.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/locked.xlsx"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an aborted export left its target: %v", err)
	}
}

func TestStdout(t *testing.T) {
	s, url := sandboxtest.New(t, sandbox.Config{Clients: 120, Seed: 6})
	var out strings.Builder
	api := newAPI(t, url, 0, 0, "")
	_, err := exportTo(t, api, OutputOptions{Path: "-", Stdout: &out, CSV: csvOpt(';')}, capsConfig(api, Config{}))
	if err != nil {
		t.Fatal(err)
	}
	path := tmpOut(t, "stdout.csv")
	_ = os.WriteFile(path, []byte(strings.ReplaceAll(out.String(), ";", ";")), 0o600)
	h, rows := readBackDelim(t, path, ';')
	checkRows(t, h, rows, asRead(path, s.Clients()), nil)
	if !slices.Contains(h, "invoice_country_code") {
		t.Errorf("header %q", h)
	}
}

func TestExpandName(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		in, want  string
		templated bool
		err       string
	}{
		{"clients.xlsx", "clients.xlsx", false, ""},
		{"clients-{date}.xlsx", "clients-2025-03-04.xlsx", true, ""},
		{"c-{date}-{time}.csv", "c-2025-03-04-050607.csv", true, ""},
		{"c-{datetime}.csv", "c-2025-03-04_050607.csv", true, ""},
		{"c-{unix}.csv", "c-1741064767.csv", true, ""},
		{"c-{day}.csv", "", false, "unknown placeholder {day}"},
		{"c-{}.csv", "", false, "unknown placeholder {}"},
		{"c-{date.csv", "c-{date.csv", false, ""},
	}
	for _, tt := range tests {
		got, templated, err := ExpandName(tt.in, now)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrOutput) {
				t.Errorf("ExpandName(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want || templated != tt.templated {
			t.Errorf("ExpandName(%q) = %q, %v, %v; want %q, %v", tt.in, got, templated, err, tt.want, tt.templated)
		}
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct{ path, format, want, err string }{
		{"a.csv", "", "csv", ""},
		{"a.XLSX", "", "xlsx", ""},
		{"a.dat", "xlsx", "xlsx", ""},
		{"-", "", "csv", ""},
		{"-", "xlsx", "", "standard output"},
		{"a.xlsx", "csv", "", "make them agree"},
		{"a.dat", "", "", "cannot tell the format"},
		{"a.csv", "ods", "", "use csv, xlsx or jsonl"},
	}
	for _, tt := range tests {
		got, err := FormatOf(tt.path, tt.format)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("FormatOf(%q, %q) error %v, want %q", tt.path, tt.format, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FormatOf(%q, %q) = %q, %v; want %q", tt.path, tt.format, got, err, tt.want)
		}
	}
}

func FuzzExpandName(f *testing.F) {
	for _, s := range []string{"c-{date}.xlsx", "{unix}{time}{datetime}", "{", "}{", "{{date}}", "c-{x}.csv", ""} {
		f.Add(s)
	}
	now := time.Unix(1741064767, 0).UTC()
	f.Fuzz(func(t *testing.T, s string) {
		got, templated, err := ExpandName(s, now)
		if err != nil {
			return
		}
		if strings.Contains(got, "{date}") || (!templated && got != s) {
			t.Errorf("ExpandName(%q) = %q, %v", s, got, templated)
		}
	})
}

func FuzzColumns(f *testing.F) {
	for _, s := range []string{"email,crm_client_id", "notes,extra_*", "extra_15,EMAIL", "emial", ",,", "status_name"} {
		f.Add(s, true, false)
	}
	f.Fuzz(func(t *testing.T, s string, notes, extras bool) {
		cols, err := resolveColumns(strings.Split(s, ","), needs{notes: notes, extras: extras})
		if err != nil {
			if !errors.Is(err, ErrColumn) {
				t.Errorf("error %v is not ErrColumn", err)
			}
			return
		}
		if len(cols) == 0 {
			t.Errorf("no columns and no error for %q", s)
		}
	})
}

// TestKilledExportsLeaveNothing: the temporary output file and the details
// spool of an export that was killed (no lock held on them any more) are
// removed by the next export; a live run's are not.
func TestKilledExportsLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, ".c-2026-12-01.csv.tmp-123")
	deadSpool := filepath.Join(dir, "crmbulk-export-456.jsonl")
	for _, p := range []string{dead, deadSpool} {
		if err := os.WriteFile(p, []byte("client records"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	live, err := OpenOutput(OutputOptions{Path: dir + "/live.csv"})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	out, err := OpenOutput(OutputOptions{Path: dir + "/c-{date}.csv", Now: time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Abort()
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("yesterday's killed run's temporary file is still there: %v", err)
	}
	sheetTmps, _ := filepath.Glob(filepath.Join(dir, ".live.csv.tmp-*"))
	if len(sheetTmps) != 1 {
		t.Errorf("the live run's temporary file was touched: %v", sheetTmps)
	}
	f, unlock, err := createSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock(); _ = f.Close() }()
	if _, err := os.Stat(deadSpool); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dead run's spool is still there: %v", err)
	}
	if fi, err := os.Stat(f.Name()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("spool %s: %v %v, want mode 0600", f.Name(), fi, err)
	}
	if ok, _ := filepath.Match(spoolPattern, filepath.Base(f.Name())); !ok {
		t.Errorf("spool %s: the sweep (%s) would never find it once its run was killed", f.Name(), spoolPattern)
	}
	sweepSpools(dir)
	if _, err := os.Stat(f.Name()); err != nil {
		t.Errorf("a live spool was swept: %v", err)
	}
}
