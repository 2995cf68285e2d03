package run

import (
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// FuzzReadJournal: a journal left by a crash is outside input; reading it
// must never panic, every open row had a send event, every settled row a
// done event, and a journal is torn only when it does not end a line.
func FuzzReadJournal(f *testing.F) {
	f.Add(`{"ev":"send","row":2,"op":"create","key":"email:a@b.c"}` + "\n")
	f.Add(`{"ev":"send","row":2,"op":"create"}` + "\n" + `{"ev":"done","row":2,"status":"created","id":5}` + "\n")
	f.Add(`{"ev":"send","row":3,"op":"upd`)
	f.Add("\n\n{}\n[1,2]\nnull\n")
	f.Add(`{"ev":"send","row":"x"}`)
	f.Add(`{"ev":"send","row":2,"op":"create","at_ms":1000}` + "\n" + `{"ev":"try","row":2,"at_ms":601000}` + "\n" + `{"ev":"try","row":5,"at_ms":1}` + "\n")
	f.Add(`{"ev":"start","sha":"0123456789abcdef","window":32,"lineage":"00ff00ff00ff00ff"}` + "\n" + `{"ev":"send","row":2,"op":"create"}` + "\n")
	f.Add(`{"ev":"start","sha":"0123456789abcdef","window":32}` + "\n" + `{"ev":"done","row":4,"status":"created","id":9,"changes":"email: \"a@b.c\""}` + "\n")
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(t.TempDir(), "r.journal")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ReadJournal(p)
		if err != nil {
			return
		}
		for row := range got.Open {
			if !strings.Contains(data, `"send"`) && !strings.Contains(data, `"op"`) { // an older undo's send has an op
				t.Fatalf("row %d pending without any send event", row)
			}
		}
		for row, l := range got.Done {
			if !strings.Contains(data, `"done"`) || l.Row != row {
				t.Fatalf("row %d settled (%v) without a done event", row, l)
			}
			if _, open := got.Open[row]; open && strings.Count(data, `"send"`) == 0 {
				t.Fatalf("row %d both open and done", row)
			}
		}
		if got.Torn && data != "" && data[len(data)-1] == '\n' {
			t.Fatalf("a journal that ends its last line is torn")
		}
	})
}

// TestJournalEvents: the journal's lines, byte for byte: a start, a send
// and a done whose line fields are Line's journal tags; read back, the
// done is the line (its report columns but the run's own) and the send
// is open until it.
func TestJournalEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv.journal")
	j, err := CreateJournal(path, JournalStart{SHA: "sha", Window: 16, Timeout: 2 * time.Second, Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Send(7, "update", "email:a@b.pl", 0); err != nil {
		t.Fatal(err)
	}
	if err := j.Send(8, "create", "", 0); err != nil {
		t.Fatal(err)
	}
	l := full()
	if err := j.Done(&l); err != nil {
		t.Fatal(err)
	}
	if kept, err := j.Close(true); err != nil || !kept {
		t.Fatalf("closed: kept %v, %v; want kept (row 8 is open)", kept, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	at := func(s string) string { // the send's time varies
		i := strings.Index(s, `"at_ms":`)
		return s[:i] + `"at_ms":…}`
	}
	want := []string{`{"ev":"start","sha":"sha","window":16,"timeout_ms":2000}`,
		`{"ev":"send","row":7,"op":"update","key":"email:a@b.pl","at_ms":…}`,
		`{"ev":"send","row":8,"op":"create","at_ms":…}`,
		`{"ev":"done","row":7,"status":"updated","id":42,"code":"X","msg":"m, \"quoted\"","key":"email:a@b.pl","column":"E-mail",` +
			`"changes":"phone: \"1\" → \"2\"; status_id: \"3\" → \"5\"","warnings":"w","note":"n"}`}
	if len(lines) != 4 || lines[0] != want[0] || at(lines[1]) != want[1] || at(lines[2]) != want[2] || lines[3] != want[3] {
		t.Fatalf("journal\n%s\nwant\n%s", b, strings.Join(want, "\n"))
	}
	js, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	d := js.Done[7]
	if _, open := js.Open[8]; !open || len(js.Open) != 1 || js.SHA != "sha" || js.Window != 16 || js.Timeout != 2*time.Second {
		t.Fatalf("state %+v", js)
	}
	l.InputSHA, l.Account, l.MAC = "", "", "" // the run's own: not in a done
	if got, want := strings.Join(d.Cells(), "|"), strings.Join(l.Cells(), "|"); got != want {
		t.Fatalf("done read back as\n%s\nwant\n%s", got, want)
	}
}

// TestJournalLineage: a journal's lineage is read back as written — a new
// import's (NewLineage: 16 hex digits, another each time) or the one a
// resume carries — and a journal without one (an undo's, or one older
// than lineages) reads as unknown (""), as does a missing journal.
func TestJournalLineage(t *testing.T) {
	fresh, other := NewLineage(), NewLineage()
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(fresh) || fresh == other {
		t.Fatalf("NewLineage: %q then %q, want 16 hex digits, new each time", fresh, other)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, journal string // journal: written by hand ("": by CreateJournal with lineage)
		lineage, want string
		gen           int // given, and read back
	}{
		{"a new import's", "", fresh, fresh, 0},
		{"a resume's, carried", "", "carried0carried0", "carried0carried0", 3},
		{"none given (an undo's)", "", "", "", 0},
		{"older than lineages", `{"ev":"start","sha":"s","window":16,"timeout_ms":1000}` + "\n" + `{"ev":"send","row":2,"op":"create"}` + "\n", "", "", 0},
		{"missing", "-", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".journal")
			switch tc.journal {
			case "":
				j, err := CreateJournal(path, JournalStart{SHA: "s", Lineage: tc.lineage, Gen: tc.gen, Open: map[int]Pending{2: {Op: "create"}}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := j.Close(true); err != nil {
					t.Fatal(err)
				}
			case "-":
			default:
				if err := os.WriteFile(path, []byte(tc.journal), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			js, err := ReadJournal(path)
			if err != nil || js.Lineage != tc.want || js.Gen != tc.gen {
				t.Fatalf("lineage %q generation %d, %v; want %q %d", js.Lineage, js.Gen, err, tc.want, tc.gen)
			}
			if b, _ := os.ReadFile(path); tc.want == "" && strings.Contains(string(b), "lineage") {
				t.Errorf("a journal without a lineage names one:\n%s", b)
			}
		})
	}
}

// TestJournalCarriedSkipped: a send carried from a stopped run is settled
// only by an outcome, and an unsettled line settles nothing.
func TestJournalCarriedSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv.journal")
	j, err := CreateJournal(path, JournalStart{Open: map[int]Pending{2: {Op: "create"}, 3: {Op: "create"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Line{{Row: 2, Status: StatusSkipped}, {Row: 3, Status: StatusCreated, ID: 9, Unsettled: true}} {
		if err := j.Done(&l); err != nil {
			t.Fatal(err)
		}
	}
	if kept, err := j.Close(true); err != nil || !kept {
		t.Fatalf("kept %v, %v", kept, err)
	}
	js, err := ReadJournal(path)
	if err != nil || len(js.Open) != 2 || len(js.Done) != 0 {
		t.Fatalf("state %+v, %v: want rows 2 and 3 still open", js, err)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), `"at_ms"`) {
		t.Errorf("sends of unknown time carried with a time:\n%s", b)
	}
}

// TestJournalOfAnOlderUndo: an undo stopped by an older crmbulk left a
// journal without "ev": its sends are open and its dones settle them, so
// resuming it with this version still knows which writes may have landed.
func TestJournalOfAnOlderUndo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.csv.journal")
	old := `{"row":2,"op":"carried"}` + "\n" + `{"row":3,"op":"delete","id":5}` + "\n" + `{"row":4,"op":"restore","id":6}` + "\n" + `{"row":4,"done":true}` + "\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	js, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := js.Open[2]; !ok || len(js.Open) != 2 || js.Open[3].Op != "delete" || js.Done[4].Row != 4 {
		t.Fatalf("state %+v: want rows 2 and 3 open, 4 done", js)
	}
}

// TestJournalTry: a create's land-by counts from when its request went out
// (its latest "try"), not from its send before the limiter's wait; a try of
// a row with no open send opens nothing, and a journal without tries (an
// older crmbulk's) dates each send by its send.
func TestJournalTry(t *testing.T) {
	const send = `{"ev":"start","timeout_ms":90000}` + "\n" + `{"ev":"send","row":2,"op":"create","at_ms":1000}` + "\n"
	for _, tc := range []struct {
		name    string
		journal string
		want    map[int]int64 // open rows and their time (Unix ms)
	}{
		{"no try: an older journal", send, map[int]int64{2: 1000}},
		{"a try ten minutes after the send", send + `{"ev":"try","row":2,"at_ms":601000}` + "\n", map[int]int64{2: 601000}},
		{"the latest of two tries (a block between them)", send + `{"ev":"try","row":2,"at_ms":2000}` + "\n" + `{"ev":"try","row":2,"at_ms":9000}` + "\n", map[int]int64{2: 9000}},
		{"a try of a row without a send", send + `{"ev":"try","row":3,"at_ms":2000}` + "\n", map[int]int64{2: 1000}},
		{"a try after the row's done", send + `{"ev":"done","row":2,"status":"created","id":5}` + "\n" + `{"ev":"try","row":2,"at_ms":2000}` + "\n", map[int]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.csv.journal")
			if err := os.WriteFile(path, []byte(tc.journal), 0o600); err != nil {
				t.Fatal(err)
			}
			js, err := ReadJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]int64{}
			for row, p := range js.Open {
				got[row] = p.At.UnixMilli()
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("open %v, want %v", got, tc.want)
			}
		})
	}
	// Written by Try, read back: the try's time, kept by the carrying journal.
	path := filepath.Join(t.TempDir(), "r.csv.journal")
	j, err := CreateJournal(path, JournalStart{Timeout: time.Second, Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	went := time.Now().Add(10 * time.Minute)
	if err := j.Send(2, "create", "email:a@b.pl", 0); err != nil {
		t.Fatal(err)
	}
	if err := j.Try(2, went); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Close(false); err != nil {
		t.Fatal(err)
	}
	js, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if j, err = CreateJournal(path, JournalStart{Timeout: time.Second, Open: js.Open}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Close(false); err != nil {
		t.Fatal(err)
	}
	if js, err = ReadJournal(path); err != nil || js.Open[2].At.UnixMilli() != went.UnixMilli() {
		t.Fatalf("row 2 dated %v (%v), want the try's %v", js.Open[2].At, err, went)
	}
}

// TestPendingLandsBy: a create may land until the larger of its run's
// request timeout and the resuming run's after its send; another write,
// or one of unknown time, has no such wait.
func TestPendingLandsBy(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name      string
		p         Pending
		timeout   time.Duration
		wantUntil time.Time
		wantLater bool
	}{
		{"a create just sent, its run's timeout larger", Pending{Op: "create", At: now, Timeout: time.Minute}, time.Second, now.Add(time.Minute), true},
		{"a create just sent, this run's timeout larger", Pending{Op: "create", At: now, Timeout: time.Second}, time.Minute, now.Add(time.Minute), true},
		{"a create sent long ago", Pending{Op: "create", At: now.Add(-time.Hour)}, time.Minute, now.Add(-time.Hour + time.Minute), false},
		{"a create of unknown time", Pending{Op: "create"}, time.Minute, time.Time{}, false},
		{"a delete", Pending{Op: "delete", At: now}, time.Minute, time.Time{}, false},
	} {
		until, later := tc.p.LandsBy(tc.timeout)
		if !until.Equal(tc.wantUntil) || later != tc.wantLater {
			t.Errorf("%s: %s, %v; want %s, %v", tc.name, until, later, tc.wantUntil, tc.wantLater)
		}
	}
}

// TestJournalReadErrorNamesItsLine: a read that fails partway through a
// line names that line, whether the failure comes after whole lines or
// inside one (the scanner then hands over the part it has as a last line).
func TestJournalReadErrorNamesItsLine(t *testing.T) {
	line := `{"ev":"send","row":2,"op":"create"}` + "\n"
	tests := []struct {
		name, before string
		want         string
	}{
		{"after two whole lines", line + line, "j.journal: line 3: " + iotest.ErrTimeout.Error()},
		{"inside the third line", line + line + `{"ev":"se`, "j.journal: line 3: " + iotest.ErrTimeout.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := io.MultiReader(strings.NewReader(tt.before), iotest.ErrReader(iotest.ErrTimeout))
			_, err := readJournal("j.journal", r, JournalState{Open: map[int]Pending{}, Done: map[int]Line{}})
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
