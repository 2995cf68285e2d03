package undo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/importer"
	events "github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

func newAPI(t *testing.T, srvCfg sandbox.Config) (*sandbox.Server, *baselinker.API) {
	t.Helper()
	srv, url := sandboxtest.New(t, srvCfg)
	api, err := baselinker.New(url, baselinker.Token(sandboxtest.DefaultToken),
		baselinker.WithLimiter(pacer.New(100000)),
		baselinker.WithRetry(pacer.Backoff{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, api
}

// snapshot is every client's fields, by id, as text.
func snapshot(srv *sandbox.Server) map[int64]string {
	out := map[int64]string{}
	for _, c := range srv.Clients() {
		out[int64(c.CrmClientID)] = fmt.Sprintf("%+v", c)
	}
	return out
}

// withEmail counts the clients whose email is email.
func withEmail(srv *sandbox.Server, email string) int {
	n := 0
	for _, c := range srv.Clients() {
		if c.Email == email {
			n++
		}
	}
	return n
}

func diffSnapshots(t *testing.T, got, want map[int64]string) {
	t.Helper()
	var ids []int64
	for id := range want {
		ids = append(ids, id)
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	bad := 0
	for _, id := range ids {
		if got[id] != want[id] && bad < 8 {
			bad++
			t.Errorf("client %d:\n got %s\nwant %s", id, got[id], want[id])
		}
	}
}

// importRows imports rows of "email,phone,invoice_city" (a header of API
// field names: no mapping) with --match-by email and returns the report.
func importRows(t *testing.T, api importer.API, dir string, rows ...string) string {
	t.Helper()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("email,phone,invoice_city\n"+strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "in.report.csv")
	if _, err := importer.Run(context.Background(), api, in, importer.Config{MatchBy: []string{"email"}, Report: report}); err != nil {
		t.Fatal(err)
	}
	return report
}

// existingRows are rows updating three seeded clients and creating four.
func existingRows(srv *sandbox.Server) []string {
	cs := srv.Clients()
	rows := []string{
		cs[1].Email + ",+48 600 000 001,Sopot",
		cs[2].Email + ",+48 600 000 002," + cs[2].InvoiceCity, // the city stays: only the phone changes
		cs[3].Email + "," + cs[3].Phone + ",Hel",
	}
	for i := range 4 {
		rows = append(rows, fmt.Sprintf("new%d@undo.example,+48 700 000 00%d,Gdynia", i, i))
	}
	return rows
}

// TestUndoRestoresTheStateBefore: import → undo gives back exactly the
// account before the import; the undo's requests are the list pages plus
// one write per changed client.
func TestUndoRestoresTheStateBefore(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 3, Clients: 250})
	before := snapshot(srv)
	dir := t.TempDir()
	report := importRows(t, api, dir, existingRows(srv)...)

	st := srv.Stats()
	sum, err := Run(context.Background(), api, report, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sum)
	diffSnapshots(t, snapshot(srv), before)
	if sum.Counts[StatusDeleted] != 4 || sum.Counts[StatusRestored] != 3 || sum.Problems() != 0 {
		t.Errorf("counts %v", sum.Counts)
	}
	after := srv.Stats()
	writes := (after.ByMethod["deleteCrmClient"] - st.ByMethod["deleteCrmClient"]) + (after.ByMethod["addCrmClient"] - st.ByMethod["addCrmClient"])
	pages := after.ByMethod["getCrmClients"] - st.ByMethod["getCrmClients"]
	if writes != 7 || pages > 4 || after.Requests-st.Requests != writes+pages {
		t.Errorf("%d writes and %d list pages (%d requests) for 7 lines to undo", writes, pages, after.Requests-st.Requests)
	}
	if _, err := os.Stat(journalPath(sum.Report)); err == nil {
		t.Error("the journal stays after a finished undo")
	}

	// Undoing the undo applies the import again (new ids for the clients
	// made again).
	sum2, err := Run(context.Background(), api, sum.Report, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Counts[events.StatusCreated] != 4 || sum2.Counts[StatusRestored] != 3 || sum2.Problems() != 0 {
		t.Errorf("undo of the undo: %v", sum2)
	}
	byEmail := map[string]baselinker.Client{}
	for _, c := range srv.Clients() {
		byEmail[strings.ToLower(c.Email)] = c
	}
	for _, r := range existingRows(srv) {
		f := strings.Split(r, ",")
		c, ok := byEmail[strings.ToLower(f[0])]
		if !ok || c.Phone != f[1] || c.InvoiceCity != f[2] {
			t.Errorf("after the undo of the undo, %s is %+v", f[0], c)
		}
	}
}

// TestUndoConflicts: a client edited between the import and the undo is
// reported as a conflict and kept; an updated field edited since is left,
// the others restored.
func TestUndoConflicts(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 4, Clients: 40})
	cs := srv.Clients()
	dir := t.TempDir()
	report := importRows(t, api, dir, cs[1].Email+",+48 600 111 222,Sopot", "fresh@undo.example,+48 700 1,Gdynia")
	var fresh int64
	for _, c := range srv.Clients() {
		if c.Email == "fresh@undo.example" {
			fresh = int64(c.CrmClientID)
		}
	}
	ctx := context.Background()
	// Someone edits the created client's city and the updated one's phone.
	if _, err := api.AddCrmClient(ctx, baselinker.ClientFields{ID: fresh, Values: map[string]string{"invoice_city": "Rumia"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.AddCrmClient(ctx, baselinker.ClientFields{ID: int64(cs[1].CrmClientID), Values: map[string]string{"phone": "+48 999"}}); err != nil {
		t.Fatal(err)
	}
	dry, err := Run(ctx, api, report, Config{DryRun: true, Report: filepath.Join(dir, "plan.csv")})
	if err != nil || dry.Counts[StatusConflict] != 2 || srv.Stats().Deletes != 0 {
		t.Fatalf("dry run: %v, %v", dry, err)
	}
	sum, err := Run(ctx, api, report, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[StatusConflict] != 2 || srv.Stats().Deletes != 0 {
		t.Errorf("%v; %d deletes", sum, srv.Stats().Deletes)
	}
	if c, ok := srv.Client(fresh); !ok || c.InvoiceCity != "Rumia" {
		t.Errorf("the edited created client: %+v, %v", c, ok)
	}
	c, _ := srv.Client(int64(cs[1].CrmClientID))
	if c.Phone != "+48 999" || c.InvoiceCity != cs[1].InvoiceCity {
		t.Errorf("the edited updated client: phone %q (kept?), city %q (restored to %q?)", c.Phone, c.InvoiceCity, cs[1].InvoiceCity)
	}
	var lines []events.Line
	_ = events.ReadReport(sum.Report, nil, "", func(l events.Line) error { lines = append(lines, l); return nil })
	for _, l := range lines {
		if l.Status != StatusConflict || l.Code != CodeChanged || l.Column == "" {
			t.Errorf("line %+v", l)
		}
	}
	if !strings.Contains(lines[1].Message, "phone") || !strings.Contains(lines[0].Message, "invoice_city") { // last line first
		t.Errorf("the messages do not name the fields: %q, %q", lines[0].Message, lines[1].Message)
	}
}

// otherAccount is an API with another token's account.
type otherAccount struct{ *baselinker.API }

func (otherAccount) Account() string { return "0000000000000000" }

// TestUndoRefuses: a dry run's report, another account's and an older
// crmbulk's (no account column) are refused, with nothing sent.
func TestUndoRefuses(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 5, Clients: 10})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("email\nx@undo.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dry := filepath.Join(dir, "dry.csv")
	if _, err := importer.Run(context.Background(), api, in, importer.Config{DryRun: true, Report: dry}); err != nil {
		t.Fatal(err)
	}
	real := importRows(t, api, dir, "y@undo.example,,")
	b, _ := os.ReadFile(real)
	var old []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		line = line[:strings.LastIndex(line, ",")]             // the line_mac column cut off
		old = append(old, line[:strings.LastIndex(line, ",")]) // and the account column
	}
	older := filepath.Join(dir, "older.csv")
	if err := os.WriteFile(older, []byte(strings.Join(old, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	blanked := filepath.Join(dir, "blanked.csv") // the created line's changes cleared in a spreadsheet
	rf, err := events.CreateReportFile(blanked, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := events.ReadReport(real, nil, "", func(l events.Line) error { l.Changes = events.Changes{}; return rf.Write(l) }); err != nil {
		t.Fatal(err)
	}
	if err := rf.Close(); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Requests
	for _, tc := range []struct {
		name   string
		api    API
		report string
		want   string
	}{
		{"a dry run's", api, dry, "dry run"},
		{"another account's", otherAccount{api}, real, "another API token"},
		{"an older crmbulk's", api, older, "older crmbulk"},
		{"one whose created line names no change", api, blanked, "empty \"changes\""},
	} {
		_, err := Run(context.Background(), tc.api, tc.report, Config{Report: filepath.Join(dir, "u.csv")})
		if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests sent for refused reports", n)
	}
}

// crashAfter cuts the answer of the k-th delete (it is applied: the
// request reached the server) and then stops the run, as a kill would.
type crashAfter struct {
	*baselinker.API
	k      int64
	n      atomic.Int64
	cancel context.CancelFunc
}

func (c *crashAfter) DeleteCrmClient(ctx context.Context, id int64) error {
	err := c.API.DeleteCrmClient(ctx, id)
	if c.n.Add(1) == c.k {
		c.cancel()
		return &baselinker.OutcomeUnknownError{Method: "deleteCrmClient", Cause: errors.New("connection cut")}
	}
	return err
}

// TestUndoResumed: an undo stopped mid-way and resumed from its report
// deletes nothing twice and restores every field once.
func TestUndoResumed(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 6, Clients: 60})
	before := snapshot(srv)
	dir := t.TempDir()
	rows := existingRows(srv)
	for i := range 20 {
		rows = append(rows, fmt.Sprintf("more%d@undo.example,+48 701 %d,Puck", i, i))
	}
	report := importRows(t, api, dir, rows...)
	st := srv.Stats()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := Run(ctx, &crashAfter{API: api, k: 6, cancel: cancel}, report, Config{Workers: 2})
	if !errors.Is(err, events.ErrInterrupted) {
		t.Fatalf("interrupted undo: %v, %v", sum, err)
	}
	t.Log(sum)
	if _, err := os.Stat(journalPath(sum.Report)); err != nil {
		t.Errorf("no journal after an interrupted undo: %v", err)
	}
	sum2, err := Run(context.Background(), api, report, Config{Resume: sum.Report, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sum2)
	diffSnapshots(t, snapshot(srv), before)
	after := srv.Stats()
	if d := after.Deletes - st.Deletes; d != 24 {
		t.Errorf("%d deletes for 24 created clients", d)
	}
	if u := after.Updates - st.Updates; u != 3 {
		t.Errorf("%d updates for 3 restores", u)
	}
	if sum2.Counts[StatusDeleted] != 24 || sum2.Counts[StatusRestored] != 3 || sum2.Lines != 27 {
		t.Errorf("resumed: %v", sum2.Counts)
	}
}

// TestUndoTwoLinesOfOneClient: a client the import created and a later
// row updated is restored first, then deleted: the later change is undone
// before the earlier one.
func TestUndoTwoLinesOfOneClient(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 7, Clients: 20})
	before := snapshot(srv)
	report := importRows(t, api, t.TempDir(), "dup@undo.example,+48 1,Hel", "DUP@undo.example,+48 2,Hel")
	sum, err := Run(context.Background(), api, report, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[StatusRestored] != 1 || sum.Counts[StatusDeleted] != 1 || sum.Problems() != 0 {
		t.Errorf("%v", sum)
	}
	diffSnapshots(t, snapshot(srv), before)
}

// TestUndoProgressSaysBlocked: while an undo waits out a block the progress
// line says until when, though no line is written meanwhile.
func TestUndoProgressSaysBlocked(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 8, Clients: 10})
	report := importRows(t, api, t.TempDir(), "p1@undo.example,+48 1,Hel", "p2@undo.example,+48 2,Hel")
	until, _ := api.Limiter().Blocked(time.Now().Add(1500 * time.Millisecond)) // as if the API had said so
	rec := &events.Recorder{}
	sum, err := Run(context.Background(), api, report, Config{Events: rec, Waiting: api.Limiter().Waiting})
	if err != nil || sum.Counts[StatusDeleted] != 2 {
		t.Fatalf("%v, %v", sum, err)
	}
	if !rec.Said("blocked until "+until.Local().Format("15:04:05")) || srv.Stats().Deletes != 2 {
		t.Errorf("no progress line said the block: %q", rec.Lines())
	}
}

// TestUndoEmptyCreate: a created line with an empty changes column (a row
// whose mapped fields were all empty made a client with none) is undone
// when its proof holds — the client is deleted — and refused when it has
// none, naming the report's row and the input row.
func TestUndoEmptyCreate(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 6})
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	added, err := api.AddCrmClientResult(context.Background(), baselinker.ClientFields{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := importer.RecordKey(state, api.Account())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, key []byte) string {
		p := filepath.Join(dir, name)
		rf, err := events.CreateReportFile(p, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []events.Line{
			{Row: 2, Status: events.StatusInvalid, Code: "INVALID", InputSHA: "abc", Account: api.Account()},
			{Row: 4, Status: events.StatusCreated, ID: added.ID, InputSHA: "abc", Account: api.Account()}, // row 3 was blank
		} {
			if err := rf.Write(l); err != nil {
				t.Fatal(err)
			}
		}
		if err := rf.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, err = Run(context.Background(), api, write("unproven.csv", nil), Config{Report: filepath.Join(dir, "u0.csv")})
	if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "row 3 (input row 4): a created line with an empty \"changes\" column") {
		t.Fatalf("without a proof: %v", err)
	}
	sum, err := Run(context.Background(), api, write("proven.csv", key), Config{Report: filepath.Join(dir, "u1.csv"), StateDir: state})
	if err != nil || sum.Counts[StatusDeleted] != 1 || srv.Stats().Deletes != 1 {
		t.Fatalf("with its proof: %v, %v, %d deletes", sum, err, srv.Stats().Deletes)
	}
}

// TestUndoRefusesALineTwice: a report with two lines of one input row (a
// line pasted in again) is refused before any request.
func TestUndoRefusesALineTwice(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 7})
	dir := t.TempDir()
	real := importRows(t, api, dir, "z@undo.example,,")
	b, _ := os.ReadFile(real)
	lines := strings.SplitAfter(string(b), "\n")
	twice := filepath.Join(dir, "twice.csv")
	if err := os.WriteFile(twice, []byte(lines[0]+lines[1]+lines[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Requests
	_, err := Run(context.Background(), api, twice, Config{Report: filepath.Join(dir, "u.csv")})
	if !errors.Is(err, events.ErrBadInput) || !strings.Contains(err.Error(), "row 3: input row 2 has a line already (row 2)") {
		t.Fatalf("err %v", err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestUndoRefusesALinePastedIn: a proven line of another run's report of
// the same file, pasted into this one's, breaks the chain of proofs: the
// undo is refused and deletes nothing (it would delete a client this
// import never made).
func TestUndoRefusesALinePastedIn(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 8})
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("email\np@undo.example\nq@undo.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for _, report := range []string{a, b} {
		if _, err := importer.Run(context.Background(), api, in, importer.Config{Report: report, StateDir: state}); err != nil {
			t.Fatal(err)
		}
	}
	la, _ := os.ReadFile(a)
	lb, _ := os.ReadFile(b)
	linesA, linesB := strings.SplitAfter(string(la), "\n"), strings.SplitAfter(string(lb), "\n")
	mixed := filepath.Join(dir, "mixed.csv")
	if err := os.WriteFile(mixed, []byte(linesB[0]+linesB[1]+linesA[2]), 0o600); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats()
	_, err := Run(context.Background(), api, mixed, Config{Report: filepath.Join(dir, "u.csv"), StateDir: state})
	if !errors.Is(err, events.ErrUnproven) || !strings.Contains(err.Error(), "row 3 does not match its proof") {
		t.Fatalf("err %v", err)
	}
	if after := srv.Stats(); after.Requests != before.Requests || after.Deletes != 0 {
		t.Errorf("%d requests, %d deletes", after.Requests-before.Requests, after.Deletes)
	}
	if _, err := Run(context.Background(), api, b, Config{Report: filepath.Join(dir, "u2.csv"), StateDir: state}); err != nil || srv.Stats().Deletes != 2 {
		t.Fatalf("the report as written: %v, %d deletes", err, srv.Stats().Deletes)
	}
}

// TestUndoWalkBounded: the walk that reads the account before an undo
// stops at --max-clients (Config.MaxClients) when the API's pages never
// end, instead of reading them until the default bound.
func TestUndoWalkBounded(t *testing.T) {
	_, api := newAPI(t, sandbox.Config{Seed: 3, Clients: 150, EndlessPages: true})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("email,phone\nbound@undo.example,+48 700 000 001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "in.report.csv")
	if _, err := importer.Run(context.Background(), api, in, importer.Config{Report: report}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Run(ctx, api, report, Config{MaxClients: 1000})
	if !errors.Is(err, baselinker.ErrTooManyClients) {
		t.Fatalf("undo over endless pages with MaxClients 1000: %v, want ErrTooManyClients", err)
	}
}

// TestUndoLookupReadsEveryPage: undoing an undo makes a deleted client
// again only if no client holds its match key. The email filter is a
// partial match: with more than a page of clients whose email contains
// the key, the one that holds it exactly is on page 2 — the look-up must
// find it there, and not create the client twice.
func TestUndoLookupReadsEveryPage(t *testing.T) {
	srv, api := newAPI(t, sandbox.Config{Seed: 11, Clients: 5})
	dir := t.TempDir()
	report := importRows(t, api, dir, "p@undo.example,+48 1,Hel")
	undone, err := Run(context.Background(), api, report, Config{})
	if err != nil || undone.Counts[StatusDeleted] != 1 {
		t.Fatalf("undo: %v, %v", undone, err)
	}
	ctx := context.Background()
	for i := range baselinker.PageSize + 5 { // partial matches first: page 1 is theirs
		if _, err := api.AddCrmClient(ctx, baselinker.ClientFields{Values: map[string]string{"email": fmt.Sprintf("x%dp@undo.example", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	made, err := api.AddCrmClientResult(ctx, baselinker.ClientFields{Values: map[string]string{"email": "p@undo.example"}}) // made again by hand
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, api, undone.Report, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := withEmail(srv, "p@undo.example"); n != 1 || sum.Counts[StatusConflict] != 1 || sum.Counts[events.StatusCreated] != 0 {
		t.Fatalf("%d clients with the key after the undo of the undo (%v); want the one made by hand (%d) found, a conflict, nothing created", n, sum.Counts, made.ID)
	}
}
