package exporter

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	events "github.com/crmbulk/crmbulk/run"
)

// TestResumeRefusals: each refusal of kept details is a *ResumeError with
// the facts (which file, why, when its export started) that a caller other
// than the command line says in its own words, and errors.Is ErrResume;
// its text is the command line's words, unchanged.
func TestResumeRefusals(t *testing.T) {
	started := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	want := storeHeader{Kind: storeKind, Version: 1, Account: "a1", Started: started.Add(time.Hour)}
	var vip baselinker.Filters
	if err := vip.Set("status_id", "2"); err != nil {
		t.Fatal(err)
	}
	header := func(change func(*storeHeader)) string {
		h := want
		h.Started = started
		change(&h)
		b, _ := json.Marshal(h)
		return string(b) + "\n"
	}
	for _, tc := range []struct {
		name    string
		kept    string
		reason  ResumeReason
		started time.Time
		words   string // %s: the kept file
	}{
		{"not crmbulk's file", "hello\n", ResumeNotDetails, time.Time{},
			"cannot resume the export: %s does not start with crmbulk's details header; remove it, or run without --resume"},
		{"another version", header(func(h *storeHeader) { h.Version = 2 }), ResumeVersion, started,
			"cannot resume the export: the details kept in %s belong to another export: it is not a details file of this crmbulk version; run without --resume to start over (the kept details are then discarded)"},
		{"another account", header(func(h *storeHeader) { h.Account = "b2" }), ResumeAccount, started,
			"cannot resume the export: the details kept in %s belong to another export: it was read with another API token or endpoint; run without --resume to start over (the kept details are then discarded)"},
		{"other extra fields", header(func(h *storeHeader) { h.ExtraFields = true }), ResumeExtraFields, started,
			"cannot resume the export: the details kept in %s belong to another export: it was read with other --extra-fields/--with-details flags; run without --resume to start over (the kept details are then discarded)"},
		{"other filters", header(func(h *storeHeader) { h.Filters = vip }), ResumeFilters, started,
			"cannot resume the export: the details kept in %s belong to another export: it was read with other --filter values; run without --resume to start over (the kept details are then discarded)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".kept.jsonl")
			if err := os.WriteFile(path, []byte(tc.kept), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := openStore(path, "", want, true)
			if err == nil {
				_ = s.close(false)
				t.Fatal("the kept details were taken")
			}
			var re *ResumeError
			if !errors.As(err, &re) || !errors.Is(err, ErrResume) {
				t.Fatalf("%v (%T): want a *ResumeError that is ErrResume", err, err)
			}
			if re.Path != path || re.Reason != tc.reason || !re.Started.Equal(tc.started) {
				t.Errorf("facts %+v, want path %s, reason %d, started %v", *re, path, tc.reason, tc.started)
			}
			if w := fmt.Sprintf(tc.words, path); err.Error() != w {
				t.Errorf("words changed:\n got %s\nwant %s", err, w)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.kept {
				t.Errorf("a refused file was changed: %q", b)
			}
			// Kept refuses it alike, before the export.
			kept, err := keptConfig(path).Kept()
			var before *ResumeError
			if kept || !errors.As(err, &before) || *before != *re {
				t.Errorf("Kept: %v, %v; want the refusal %+v", kept, err, *re)
			}
		})
	}
	// A list export keeps nothing: refused before any file is looked at.
	err := Config{Resume: true, Columns: []string{"crm_client_id", "email"}}.Check()
	var re *ResumeError
	if !errors.As(err, &re) || re.Reason != ResumeListOnly || re.Path != "" {
		t.Fatalf("list export: %v (%T), want a ResumeError of ResumeListOnly", err, err)
	}
	if w := "cannot resume the export: --resume goes on from the notes and extra fields an export with --notes, --extra-fields or --with-details read before it stopped; " +
		"this export reads only the client list (its columns need no notes or extra fields), keeps nothing to go on from and, if it stops, leaves the old file as it was — run it without --resume"; err.Error() != w {
		t.Errorf("list export's words changed:\n got %s\nwant %s", err, w)
	}
}

// keptConfig is the export whose details are kept at path in
// TestResumeRefusals and TestConfigKept (account a1, no filters, notes).
func keptConfig(path string) Config {
	return Config{Keep: path, Notes: true, Columns: []string{"crm_client_id", "notes"}, Capabilities: Capabilities{Account: "a1"}}
}

// TestConfigKept: Kept says whether kept details hold any client before the
// export runs — not when there is no file, or only the header of an export
// stopped while it listed the clients (Resume would read every client and
// say so in the command line's words) or a torn first line — and changes
// nothing; a list export, which keeps nothing, is refused.
func TestConfigKept(t *testing.T) {
	h, _ := json.Marshal(storeHeader{Kind: storeKind, Version: 1, Account: "a1", Started: time.Now().UTC()})
	header := string(h) + "\n"
	client, _ := json.Marshal(storeLine{ID: 7, FP: 1, Client: baselinker.Client{CrmClientID: 7, Email: "a@x.pl"}})
	for _, tc := range []struct {
		name string
		kept string // "": no file
		want bool
	}{
		{"no file", "", false},
		{"header only", header, false},
		{"a torn first client", header + string(client[:len(client)-3]), false},
		{"a client", header + string(client) + "\n", true},
		{"a client, then a torn one", header + string(client) + "\n" + string(client[:9]), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".kept.jsonl")
			if tc.kept != "" {
				if err := os.WriteFile(path, []byte(tc.kept), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := keptConfig(path).Kept()
			if err != nil || got != tc.want {
				t.Errorf("Kept() = %v, %v; want %v", got, err, tc.want)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.kept {
				t.Errorf("the kept file was changed: %q", b)
			}
			// Resume reads the same: clients kept exactly when Kept says so.
			if tc.kept != "" {
				s, err := openStore(path, "", keptConfig(path).storeHeader(needs{notes: true}), true)
				if err != nil {
					t.Fatal(err)
				}
				defer s.close(false)
				if (s.kept > 0) != tc.want {
					t.Errorf("Resume keeps %d clients, Kept says %v", s.kept, tc.want)
				}
			}
		})
	}
	list := Config{Keep: filepath.Join(t.TempDir(), ".kept.jsonl"), Columns: []string{"crm_client_id", "email"}}
	var re *ResumeError
	if _, err := list.Kept(); !errors.As(err, &re) || re.Reason != ResumeListOnly {
		t.Errorf("a list export: %v, want a ResumeError of ResumeListOnly", err)
	}
}

// TestSpoolFolderIsStateDirError: a details spool whose folder cannot be
// made is a *run.StateDirError naming the folder (a page says it in its
// words), and its own words are the command line's, unchanged.
func TestSpoolFolderIsStateDirError(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "spool")
	_, _, err := createSpool(dir)
	var sd *events.StateDirError
	if !errors.As(err, &sd) || sd.Dir != dir {
		t.Fatalf("%v (%T): want a *run.StateDirError of %s", err, err, dir)
	}
	if want := "creating the folder " + dir + " for the details spool file: "; !strings.HasPrefix(err.Error(), want) || !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("%q: want it to start %q and wrap ENOTDIR", err, want)
	}
}
