package ui

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/run"
)

// The run step of the page: an import (or its resume) and an undo go in
// the background of the server, one goroutine each, with their run events
// fanned out to the page as Server-Sent Events. Stopping a run cancels its
// context: the importer lets the requests in flight finish (Ctrl-C in a
// terminal does the same), and the report it leaves is resumed.

// Run kinds.
const (
	kindImport = "import"
	kindUndo   = "undo"
)

// Run states, as the page shows them.
const (
	stateRunning  = "running"
	stateStopping = "stopping" // stop asked: the requests in flight finish
	stateStopped  = "stopped"  // interrupted: resume goes on from its report
	stateDone     = "done"     // the run ended (its lines may still hold problems: see the counts)
	stateFailed   = "failed"   // the run did not end its work: the error says why and what to do
)

// maxMessages bounds the notes a run keeps for the page.
const maxMessages = 20

// runJob does one run, telling ev what it does; it returns the run's
// summary (Text in words) and its error.
type runJob func(ctx context.Context, ev run.Printer) (run.Summary, error)

// runRec is one run of the page.
type runRec struct {
	id     string
	seq    int // the order runs started in
	kind   string
	input  string     // the file imported, or the report undone
	report string     // the report this run writes (where: out follows it after)
	of     string     // the run this one resumes or undoes ("" for none)
	resume bool       // it resumes of
	spec   importSpec // an import's spec (resume runs it again)
	hub    *hub
	out    reportFile // the report the run wrote, where it is now
	cancel context.CancelFunc
	done   chan struct{}
}

// runManager holds the session's runs.
type runManager struct {
	log  *slog.Logger
	base context.Context // cancelled by close: every run stops
	stop context.CancelFunc

	mu   sync.Mutex
	runs map[string]*runRec
	seq  int
	wg   sync.WaitGroup

	reports reportCache // the lines of the report the page pages through

	// opening, when set (tests; under mu), is called with the path of a
	// run's report between its lookup and its open (openReport).
	opening func(path string)
}

func newRunManager(log *slog.Logger) *runManager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &runManager{log: log, base: ctx, stop: cancel, runs: map[string]*runRec{}}
}

// start runs job in the background as the run rec (its kind, input,
// report, of, resume and spec set) and returns rec at once.
func (m *runManager) start(rec *runRec, job runJob) *runRec {
	m.mu.Lock()
	ctx := m.add(rec)
	m.mu.Unlock()
	m.launch(ctx, rec, job)
	return rec
}

// startImport starts the import rec as start does, unless an import of
// the same plan (rec.spec.Plan: the same file under the same mapping) is
// running: then it starts nothing and returns that run and false. A
// double-click, or a click in a second tab, follows the run that goes
// instead of starting a second one that the input's lock would refuse.
// Once that run ended, a start is a new run again.
func (m *runManager) startImport(rec *runRec, job runJob) (*runRec, bool) {
	m.mu.Lock()
	if r := m.runningPlan(rec.spec.Plan); r != nil {
		m.mu.Unlock()
		return r, false
	}
	ctx := m.add(rec)
	m.mu.Unlock()
	m.launch(ctx, rec, job)
	return rec, true
}

// runningPlan is the import of plan that runs now, or nil ("" is no
// plan: nil). m.mu is held.
func (m *runManager) runningPlan(plan string) *runRec {
	if plan == "" {
		return nil
	}
	for _, r := range m.runs {
		if r.kind == kindImport && r.spec.Plan == plan && isRunning(r.hub.state().State) {
			return r
		}
	}
	return nil
}

// add lists rec as a new run, running, and returns the context its job
// runs in. m.mu is held.
func (m *runManager) add(rec *runRec) context.Context {
	ctx, cancel := context.WithCancel(m.base)
	rec.cancel, rec.done, rec.hub = cancel, make(chan struct{}), newHub(rec.kind, time.Now())
	m.seq++
	rec.id, rec.seq = strconv.Itoa(m.seq), m.seq
	m.runs[rec.id] = rec
	m.wg.Add(1)
	return ctx
}

// launch runs the job of rec, listed by add, in the background.
func (m *runManager) launch(ctx context.Context, rec *runRec, job runJob) {
	kind := rec.kind
	go func() {
		defer m.wg.Done()
		defer close(rec.done)
		defer rec.cancel()
		sum, err := job(ctx, rec.hub)
		rec.out.wrote(rec.report, rec.hub.wrote()) // before the run ends: no later run of its plan has started
		m.log.Info("ui: run ended", "run", rec.id, "kind", kind, "error", err)
		rec.hub.end(sum, err, ctx.Err() != nil, kind == kindImport && resumable(err))
	}()
}

// get returns the run id names, or nil.
func (m *runManager) get(id string) *runRec {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runs[id]
}

// list returns the runs, newest first.
func (m *runManager) list() []*runRec {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*runRec, 0, len(m.runs))
	for _, r := range m.runs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *runRec) int { return b.seq - a.seq })
	return out
}

// newest returns the run that goes on with rec's import: rec, or the
// last run that resumed it (one that wrote its report, or goes on), and
// so on down the chain. A resume moves its run's report aside and writes
// every row on in its own, so rec's report no longer says what was sent:
// a resume of rec goes on from the newest run's report instead.
func (m *runManager) newest(rec *runRec) *runRec {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		var next *runRec
		for _, r := range m.runs {
			if r.resume && r.of == rec.id && (next == nil || r.seq > next.seq) && (isRunning(r.hub.state().State) || r.out.version() != nil) {
				next = r
			}
		}
		if next == nil {
			return rec
		}
		rec = next
	}
}

// report returns where rec's report is now (reportFile.find); when it is
// gone and a later resume of this import on this page wrote over it
// (each resume in place moves the report at the path to NAME.prev, over
// the one an earlier resume put there), the error says so.
func (m *runManager) report(rec *runRec) (string, error) {
	path, err := rec.out.find()
	if !errors.Is(err, errReportGone) {
		return path, err
	}
	// The resume of rec moved its report to NAME.prev; the next resume in
	// place moved its own there.
	var moved, by *runRec
	for _, r := range slices.Backward(m.list()) { // oldest first
		if r.seq > rec.seq && r.resume && importer.SamePath(r.input, rec.input) && importer.SamePath(r.spec.Resume, r.report) && r.out.version() != nil {
			switch {
			case moved == nil && r.of == rec.id:
				moved = r
			case moved != nil:
				by = r
			}
		}
	}
	if by == nil {
		return "", fmt.Errorf("%w (moved or deleted outside this page)", err)
	}
	return "", fmt.Errorf("its report was replaced by a later resume of this import (run %s moved its own to %s.prev, where this run's was): run %s's report has the rows this run finished",
		by.id, filepath.Base(by.report), by.id)
}

// running returns a run that imports path now, or nil.
func (m *runManager) running(path string) *runRec {
	for _, r := range m.list() {
		if st := r.hub.state().State; r.kind == kindImport && importer.SamePath(r.input, path) && isRunning(st) {
			return r
		}
	}
	return nil
}

// stopRun asks the run to stop, as Ctrl-C does; it reports whether the
// run was still going.
func (m *runManager) stopRun(rec *runRec) bool {
	if !rec.hub.stopping() {
		return false
	}
	rec.cancel()
	return true
}

// close stops every run and waits for them (the server's shutdown).
func (m *runManager) close() {
	m.stop()
	m.wg.Wait()
}

// reportFile is the report a run wrote, followed where it goes. A later
// run of the same file moves it aside before it writes its own at the
// path (importer.KeepEarlier's dated name; a resume's NAME.prev), so the
// path alone would name the later run's lines. The file is known by its
// identity (os.SameFile, size and time: a finished report is not written
// again), taken when the run ended, and looked for beside the path.
type reportFile struct {
	mu   sync.Mutex
	path string      // where the file was last seen
	file os.FileInfo // the file the run wrote; nil: none (the run ended before its first line, or goes on)
}

// wrote takes the file at path, the run's report, when the run ended;
// began: the run wrote it (its lines' phase began, the report made just
// before), else the file there is another run's or none.
func (f *reportFile) wrote(path string, began bool) {
	fi, err := statFile(path)
	if err != nil || !began {
		fi = nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.path, f.file = path, fi
}

// find returns where the run's report is now: at its path, or the name a
// later run of the file moved it to. The error says why there is none.
func (f *reportFile) find() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.file == nil {
		return "", errors.New("it wrote no report (it ended before its first line): see its message")
	}
	if fi, err := os.Stat(f.path); err == nil && sameFile(f.file, fi) {
		return f.path, nil
	}
	dir := filepath.Dir(f.path)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && sameFile(f.file, fi) {
			f.path = filepath.Join(dir, e.Name())
			return f.path, nil
		}
	}
	return "", fmt.Errorf("%w: its report %s is no longer in %s", errReportGone, filepath.Base(f.path), dir)
}

// errReportGone is a run's report that is nowhere beside its path.
var errReportGone = errors.New("the report is gone")

// version is the file the run wrote (nil: none yet, or none).
func (f *reportFile) version() os.FileInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.file
}

// statFile is os.Stat of path with the file's identity read now: on
// Windows os.SameFile reads it from the path at its first call, when the
// path may name another file.
func statFile(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err == nil {
		os.SameFile(fi, fi)
	}
	return fi, err
}

// sameFile reports whether a and b are one file, unchanged.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// maxCachedReport bounds the report whose lines reportCache keeps (its
// size on disk, about 220,000 lines; they take about 3.5 times that in
// memory): a larger one is read again for each page, keeping only the
// page's lines.
const maxCachedReport = 32 << 20

// reportCache keeps the lines of the last report read, by its version
// (the file, its size and time): the page asks for a report's lines a
// page of 100 at a time, and a report of 50,000 lines takes about 100 ms
// to read (BenchmarkReportPage).
type reportCache struct {
	limit int64 // the largest report kept (maxCachedReport; tests set less)
	// fill is held while a report is read to be kept: a second page of it
	// waits for those lines instead of reading them too. Pages of the
	// report kept, and of a report too large to keep, do not wait for it.
	fill  sync.Mutex
	mu    sync.Mutex // guards file and lines (never held across a read)
	file  os.FileInfo
	lines []run.Line // never changed once kept: read without mu
}

// errReportMoved is a report that is no longer the run's at its path
// (a later run of the file moved it while the page asked for it).
var errReportMoved = errors.New("a later run of the same file moved it just now: reload the page")

// each calls fn with each line of the report open in f, the run's (its
// identity checked on f: openReport), read from f as crmbulk reads it. The
// lines are kept as that version (fi) only if f is still that version once
// they are read: a report written meanwhile is never kept, or shown, under
// another identity. The path f was opened by plays no part: a later run of
// the same file that moves it changes nothing here.
func (c *reportCache) each(f *os.File, fi os.FileInfo, fn func(*run.Line)) error {
	if fi.Size() > cmp.Or(c.limit, maxCachedReport) {
		return readVersion(f, fi, fn) // streamed: only the page's lines are kept
	}
	lines, ok := c.kept(fi)
	if !ok {
		var err error
		if lines, err = c.fillWith(f, fi); err != nil {
			return err
		}
	}
	for i := range lines { // not copied: a line is about 300 bytes, a report 50,000 lines
		fn(&lines[i])
	}
	return nil
}

// fillWith reads the report open in f, the version fi, and keeps its lines.
func (c *reportCache) fillWith(f *os.File, fi os.FileInfo) ([]run.Line, error) {
	c.fill.Lock()
	defer c.fill.Unlock()
	if lines, ok := c.kept(fi); ok { // read by the page that held fill before
		return lines, nil
	}
	var lines []run.Line
	if err := readVersion(f, fi, func(l *run.Line) { lines = append(lines, *l) }); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.file, c.lines = fi, lines
	return lines, nil
}

// kept returns the lines kept if they are of the version fi.
func (c *reportCache) kept(fi os.FileInfo) ([]run.Line, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != nil && sameFile(c.file, fi) {
		return c.lines, true
	}
	return nil, false
}

// readVersion calls fn with each line of the report open in f, which must
// still be the version fi when they are read (errReportMoved: written
// meanwhile).
func readVersion(f *os.File, fi os.FileInfo, fn func(*run.Line)) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	err := run.ReadReportFile(f, func(l run.Line) error {
		fn(&l)
		return nil
	})
	if err != nil {
		return err
	}
	if now, err := f.Stat(); err != nil || !sameFile(fi, now) {
		return errReportMoved
	}
	return nil
}

// openReport opens rec's report once, where reportFile.find says it is
// now, and checks on the open file that it is the one the run wrote
// (openVersion): a later run of the same file may move it, and put its
// own at that path, between the lookup and the open. What the page shows
// or sends of the report is read from f (the caller closes it), never by
// its path again. m.opening, a test's hook, runs between the two.
func (m *runManager) openReport(rec *runRec) (*os.File, os.FileInfo, string, error) {
	path, err := m.report(rec)
	if err != nil {
		return nil, nil, "", err
	}
	m.mu.Lock()
	hook := m.opening
	m.mu.Unlock()
	if hook != nil {
		hook(path)
	}
	f, fi, err := openVersion(path, rec.out.version())
	if errors.Is(err, os.ErrNotExist) {
		// Gone between the lookup and the open: moved by a later run of
		// the file (found again: reload) or deleted (said as the page says it).
		if _, ferr := m.report(rec); ferr != nil {
			return nil, nil, "", ferr
		}
		err = errReportMoved
	}
	return f, fi, path, err
}

// openVersion opens path and checks on the open file (os.SameFile of
// f.Stat, size and time) that it is want (errReportMoved if not). A path
// with no file is os.ErrNotExist, any other failure to open errReportMoved.
func openVersion(path string, want os.FileInfo) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%v)", errReportMoved, err)
	}
	fi, err := f.Stat()
	if err != nil || want == nil || !sameFile(want, fi) {
		_ = f.Close()
		return nil, nil, errReportMoved
	}
	return f, fi, nil
}

// hub is a run's run.Printer: it keeps the run's state for the page and
// fans every change out to the page's event streams.
type hub struct {
	mu      sync.Mutex
	view    runState
	counts  map[string]int // lines by status, from the items (until an Update brings the run's own)
	updated bool           // an Update brought Counts
	began   bool           // the run's own phase (its kind: its lines) began: it made its report
	subs    map[chan []byte]struct{}
	closed  bool
}

// runState is what the page shows of a run; every event of its stream
// carries it whole.
type runState struct {
	Command  string         `json:"command"`
	State    string         `json:"state"`
	Phase    string         `json:"phase,omitempty"`
	Unit     string         `json:"unit,omitempty"`
	Done     int64          `json:"done"`
	Total    int64          `json:"total"`
	Counts   map[string]int `json:"counts"`
	Requests int64          `json:"requests"`
	Waiting  string         `json:"waiting,omitempty"`
	Until    string         `json:"until,omitempty"`    // RFC 3339, when the wait ends
	ETA      float64        `json:"etaSeconds"`         // 0: unknown
	ETAWhy   string         `json:"etaWhy,omitempty"`   // what decides the ETA ("limit 100/1m0s")
	Statuses []string       `json:"statuses,omitempty"` // the order the counts are said in
	Elapsed  float64        `json:"elapsedSeconds"`
	Rate     float64        `json:"ratePerMinute"` // units done in the last minute (a paced phase)
	Messages []string       `json:"messages,omitempty"`
	Notes    []pageNote     `json:"notes,omitempty"` // notes in the page's own words
	Summary  string         `json:"summary,omitempty"`
	Error    string         `json:"error,omitempty"`
	// ErrorNote is the error in the page's words when crmbulk's (Error)
	// tell the user to use a command line flag (pageError): the page
	// shows it instead.
	ErrorNote *pageNote `json:"errorNote,omitempty"`
	// Resumable: the import stopped with rows not done (interrupted, or a
	// fatal API error) and its report lets a resume go on; a run refused
	// before it sent anything (a bad input, another run's lock) is not.
	Resumable bool `json:"resumable,omitempty"`
	started   time.Time
}

func newHub(command string, now time.Time) *hub {
	return &hub{view: runState{Command: command, State: stateRunning, Total: -1, Counts: map[string]int{}, started: now},
		counts: map[string]int{}, subs: map[chan []byte]struct{}{}}
}

// Update takes the run's state.
func (h *hub) Update(u run.Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := &h.view
	v.Phase, v.Unit, v.Done, v.Total, v.Requests, v.Waiting = u.Phase, u.Unit, u.Done, u.Total, u.Requests, u.Waiting
	v.Until = ""
	if !u.Until.IsZero() {
		v.Until = u.Until.UTC().Format(time.RFC3339)
	}
	v.ETA, v.ETAWhy, v.Elapsed = u.ETA.Seconds(), u.ETAWhy, u.Elapsed.Seconds()
	if u.Statuses != nil {
		v.Statuses = u.Statuses
	}
	v.Rate = 0
	if u.Paced {
		v.Rate = float64(u.PerMinute)
	}
	if u.Counts != nil {
		h.updated = true
		v.Counts = maps.Clone(u.Counts)
	}
	h.began = h.began || u.Phase == v.Command
	h.publish()
}

// wrote reports whether the run made its report: importer and undo make
// it just before their phase of lines (named as the run's kind) begins.
func (h *hub) wrote() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.began
}

// Item counts a settled line (the counts the page shows until an Update
// brings the run's own).
func (h *hub) Item(i run.Item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[i.Status]++
	if !h.updated {
		v := &h.view
		v.Counts = maps.Clone(h.counts)
	}
}

// Message keeps a note for the page.
// A keyed one (run.Keyed: its words name the CLI's flags) is a note in the
// page's own words.
func (h *hub) Message(m run.Message) {
	if m.Key != "" {
		h.note(pageNote{Key: m.Key, Vars: m.Vars})
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	v := &h.view
	v.Messages = append(v.Messages, m.Text)
	if len(v.Messages) > maxMessages {
		v.Messages = v.Messages[len(v.Messages)-maxMessages:]
	}
	h.publish()
}

// pageNote is a note the page says in its own words (its language): the
// key of its text and the facts that fill it in. The run's Messages are
// crmbulk's words, which speak the command line's flags.
type pageNote struct {
	Key  string            `json:"key"`
	Vars map[string]string `json:"vars,omitempty"`
}

// note keeps a note in the page's words.
func (h *hub) note(n pageNote) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := &h.view
	v.Notes = append(v.Notes, n)
	if len(v.Notes) > maxMessages {
		v.Notes = v.Notes[len(v.Notes)-maxMessages:]
	}
	h.publish()
}

// Summary keeps the run's end in words.
func (h *hub) Summary(s run.Summary) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.view.Summary = s.Text
	if s.Counts != nil {
		h.view.Counts = maps.Clone(s.Counts)
	}
	h.publish()
}

// stopping marks a running run as stopping; false if it was not running.
func (h *hub) stopping() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.view.State != stateRunning {
		return false
	}
	h.view.State = stateStopping
	h.publish()
	return true
}

// end records how the run ended and closes every stream.
func (h *hub) end(sum run.Summary, err error, interrupted, resume bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := &h.view
	if sum.Text != "" {
		v.Summary = sum.Text
	}
	if sum.Counts != nil {
		v.Counts = maps.Clone(sum.Counts)
	}
	if sum.Requests > 0 {
		v.Requests = sum.Requests
	}
	if sum.Elapsed > 0 {
		v.Elapsed = sum.Elapsed.Seconds()
	}
	v.Waiting, v.Until, v.ETA, v.ETAWhy, v.Resumable = "", "", 0, "", resume
	switch {
	case err == nil:
		v.State = stateDone
	case interrupted:
		v.State, v.Error = stateStopped, err.Error()
	default:
		v.State, v.Error = stateFailed, err.Error()
	}
	v.ErrorNote = pageError(err)
	h.publish()
	h.closed = true
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
}

// state returns the run's state now.
func (h *hub) state() runState {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snapshot()
}

func (h *hub) snapshot() runState {
	v := h.view
	v.Counts = maps.Clone(v.Counts)
	v.Messages = append([]string(nil), v.Messages...)
	v.Notes = slices.Clone(v.Notes)
	v.Statuses = append([]string(nil), v.Statuses...)
	if isRunning(v.State) {
		v.Elapsed = max(v.Elapsed, time.Since(v.started).Seconds())
	}
	return v
}

// publish sends the state to every stream; a stream that cannot keep up
// misses states (the next one holds everything) — never the last, which
// it reads when its channel closes. h.mu is held.
func (h *hub) publish() {
	if len(h.subs) == 0 {
		return
	}
	b, err := json.Marshal(h.snapshot())
	if err != nil {
		return
	}
	for ch := range h.subs {
		select {
		case ch <- b:
		default:
		}
	}
}

// subscribe returns the state now and a channel of the states that follow,
// closed when the run ends; cancel stops it.
func (h *hub) subscribe() (now runState, ch <-chan []byte, cancel func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := make(chan []byte, 16)
	if h.closed {
		close(c)
		return h.snapshot(), c, func() {}
	}
	h.subs[c] = struct{}{}
	return h.snapshot(), c, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[c]; ok {
			delete(h.subs, c)
			close(c)
		}
	}
}

// resumable reports whether an import that ended with err can go on
// from its report (importer.Config.Resume).
func resumable(err error) bool {
	return errors.Is(err, run.ErrInterrupted) || errors.Is(err, run.ErrFatal)
}

// errRunNotFound is a run id the session does not have.
var errRunNotFound = errors.New("no such run")

// runNotFound says so in words.
func runNotFound(id string) error {
	return fmt.Errorf("%w: %q is not a run of this page (it may have been started before the server restarted): start the import again from the plan", errRunNotFound, id)
}

// jsonLine is v as JSON on one line (an event's data).
func jsonLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
