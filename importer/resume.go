package importer

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/internal/shellquote"
	events "github.com/crmbulk/crmbulk/run"
)

// A resume trusts only what it can prove. The report says what became of
// each row it has a line for; the journal says which writes were sent and
// what became of them, also for rows whose line a crash kept from the
// report. Before anything is sent, openResume reads both whole, against
// the input's rows, and refuses a report that was edited (a gap before its
// last line, a line for a row the input lacks, a missing fingerprint, a
// status the journal contradicts). What it cannot prove unsent it looks up
// before sending (run.Pending): a row whose create got no usable answer,
// and, when the journal was torn, the rows that may have been in flight.

// reorderWindow is how many rows a run holds between reading them and
// writing their report lines: no row further than this after the report's
// last line can have been sent.
func reorderWindow(workers int) int { return max(4*workers, 16) }

// openResume checks the old report and journal belong to this input and
// settles, row by row, what they prove. If the new report takes the old
// one's path, createReport moves it out of the way once the run can no
// longer be refused.
func (r *run) openResume() error {
	path := r.cfg.Resume
	if path == "" {
		return nil
	}
	if neverStarted(path) {
		return fmt.Errorf("%w: there is nothing to resume: neither %s nor its journal (%s.journal) exists, so the run that was to write them stopped before it sent a row "+
			"(or the path is not that run's --report); check the path, or start the import afresh:%s",
			events.ErrBadInput, path, path, r.cfg.Rerun.With(shellquote.Drop("resume")))
	}
	ph := r.startPhase("checking the report "+path, -1, "lines")
	old, err := openOldReport(path, r.cfg.recordKey, accountOf(r.api), ph.add)
	ph.end()
	if err != nil {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	js, err := events.ReadJournal(path + ".journal")
	if err == nil {
		err = r.checkFingerprints(old, js)
	}
	if err == nil {
		err = r.prove(old, js)
	}
	if err == nil {
		err = old.start(old.src) // rows() reads it again, in step with the input
	}
	if err != nil {
		_ = old.close()
		return err
	}
	r.old, r.lineage = old, js.Lineage
	if js.Lineage != "" {
		r.gen = js.Gen + 1
	}
	r.dateSends()
	return nil
}

// checkFingerprints refuses a report or journal of another input (bad
// input, exit 2, as an undo's journal of another report is), and a report
// that proves nothing (no line, and no journal of its run).
func (r *run) checkFingerprints(old *oldReport, js events.JournalState) error {
	path := r.cfg.Resume
	for _, c := range []struct{ what, sha, fix string }{
		{path, old.sha, fmt.Sprintf("Resume %s with the file it was made from, or give --resume the report of %s", path, r.file)},
		{path + ".journal", js.SHA, fmt.Sprintf("It is another import's journal: put it back beside that import's report, then resume %s again", path)},
	} {
		if c.sha != "" && c.sha != r.sha {
			return fmt.Errorf("%w: %w: %s was made from a file with input_sha256 %s, but %s has %s; nothing was sent. "+
				"%s; or import %s without --resume (a match key finds the clients an earlier run made):%s",
				events.ErrBadInput, ErrInputChanged, c.what, c.sha, r.input, r.sha, c.fix, r.file, r.cfg.matchedRerun())
		}
	}
	if old.lastRow == 0 && js.SHA == "" { // no line
		return fmt.Errorf("%w: %s has no lines and there is no journal of its run (%s.journal), so nothing proves which rows were sent; "+
			"import with a match key instead (another: invoice_tax_id, login), so that clients already created are found and not created again:%s",
			events.ErrBadInput, path, path, r.cfg.matchedRerun())
	}
	return nil
}

// prove walks the input's rows (r.nums) with the old report and the journal, and
// fills r.carry (writes that may have been sent, looked up before sending
// again) and r.settled (rows the journal settled and the report lacks).
func (r *run) prove(old *oldReport, js events.JournalState) error {
	if err := old.start(old.src); err != nil {
		return fmt.Errorf("%w: %w", events.ErrBadInput, err)
	}
	later, err := r.laterRecords(js)
	if err != nil {
		return err
	}
	p := prover{r: r, old: old, js: js, window: cmp.Or(js.Window, reorderWindow(MaxWorkers)), later: later}
	r.carry, r.settled = map[int]events.Pending{}, map[int]events.Line{}
	ph := r.startPhase(fmt.Sprintf("checking the report %s against %s", old.src, r.file), int64(len(r.nums)), "rows")
	defer ph.end()
	for _, num := range r.nums { // the input's rows, read once by scanRows
		if err := p.row(num); err != nil {
			return fmt.Errorf("%w: %s: %w", events.ErrBadInput, old.src, err)
		}
		ph.add()
	}
	l, err := old.lines.Peek()
	if err != nil {
		return fmt.Errorf("%w: %s: %w", events.ErrBadInput, old.src, err)
	}
	if l != nil {
		return fmt.Errorf("%w: %s: row %d is the line of input row %d, which %s does not have (the input ends before it) — the report was edited or is of another file; restore it or import without --resume",
			events.ErrBadInput, old.src, l.Num, l.Row, r.file)
	}
	for _, rec := range p.later {
		if len(rec.ahead) > 0 && rec.continues() {
			return r.furtherAlong(rec)
		}
	}
	if p.unproven > 0 {
		r.cfg.Logger.Warn(fmt.Sprintf("the journal of the run was cut, so up to %d rows after the report's last line may have been sent: each is looked up before it is created", p.unproven),
			"report", old.src)
	}
	return nil
}

// prover is the state of prove's walk.
type prover struct {
	r        *run
	old      *oldReport
	js       events.JournalState
	window   int
	after    int            // rows seen after the report's last line
	unproven int            // of those, rows carried because the journal cannot say
	later    []*laterRecord // records that went on from this report (laterRecords)
}

const restoreAdvice = "restore the report and its journal as the run left them, or import without --resume"

func (p *prover) row(num int) error {
	l, err := p.old.lines.Peek()
	switch {
	case err != nil:
		return err
	case l != nil && l.Row < num:
		return fmt.Errorf("row %d is the line of input row %d, which is blank or missing in %s — the report was edited or is of another file; %s",
			l.Num, l.Row, p.r.file, restoreAdvice)
	case l != nil && l.Row == num:
		line, err := p.old.lines.Next()
		if err == nil {
			err = p.reported(line)
		}
		p.compare(line)
		p.behind(num, line.Status.Finished())
		return err
	}
	if p.old.lastRow > num {
		return fmt.Errorf("input row %d has no line, but the report goes on to row %d: lines were deleted (a crmbulk report has a line for every row up to its last); %s",
			num, p.old.lastRow, restoreAdvice)
	}
	err = p.unreported(num)
	if d, ok := p.r.settled[num]; ok {
		p.compare(d)
	}
	p.behind(num, false)
	return err
}

// compare counts, for each later record, whether it created the client
// l (a line of the resumed run) created: a run that went on from it
// carries its lines.
func (p *prover) compare(l events.Line) {
	if l.Status != events.StatusCreated || l.ID == 0 {
		return
	}
	for _, rec := range p.later {
		if rec.ids[l.Row] == l.ID {
			rec.same++
		}
	}
}

// behind notes row num for each later record that created its client
// when this report leaves the row to be sent: it is not finished here,
// nor settled by the journal, nor looked up before it is sent.
func (p *prover) behind(num int, finished bool) {
	_, settled := p.r.settled[num]
	_, carried := p.r.carry[num]
	if finished || settled || carried {
		return
	}
	for _, rec := range p.later {
		if rec.rows[num] && (!rec.earlier() || rec.ids[num] != 0) {
			rec.ahead = append(rec.ahead, num)
		}
	}
}

// laterRecord is a record that may have gone on from the report resumed
// here: the rows whose client it created or whose create it sent.
type laterRecord struct {
	path       string
	earlierRun       // what it says of its run (when: its last write)
	ahead      []int // of rows, those the resumed report leaves to send
	// Whether it is the resumed report's continuation. When its journal
	// and the resumed run's have the same lineage (run.JournalStart: a
	// resume's journal carries the one it resumes, one generation on), it
	// is, whatever the files say: a record of the same import that went
	// further, whichever branch it is on. Of one from an earlier
	// generation (earlier), only the clients it made count (ahead): were it
	// the resumed run's ancestor, the sends it left open were carried and
	// looked up; were it another branch, or a copy taken mid-run, the
	// clients it made were not. Otherwise (another lineage, or a journal
	// gone, as a run's is once its writes all settled): the record
	// at NAME for NAME.prev is; one at --report is if it carries a client
	// the resumed report created (a resume copies the lines of the report
	// it resumes; same counts the rows both created with the same client),
	// whatever the dates, or else if it was written after it (dated,
	// after). Another lineage never clears a record the rest counts: a
	// later run of the file that created clients refuses the resume.
	lineage, resumed string // "" when unknown (no journal, or one older than lineages)
	gen, resumedGen  int
	dated, after     bool
	same             int
}

// continues says whether rec is the resumed report's continuation.
func (rec *laterRecord) continues() bool {
	return rec.lineage != "" && rec.lineage == rec.resumed || !rec.dated || rec.same > 0 || rec.after
}

// earlier says whether rec is of the resumed run's lineage and an earlier
// generation: maybe its ancestor.
func (rec *laterRecord) earlier() bool {
	return rec.lineage != "" && rec.lineage == rec.resumed && rec.gen < rec.resumedGen
}

// laterRecords are the records that may have gone on from the report
// resumed here, newest first: the one at NAME when --resume names
// NAME.prev (the resume that moved it there), whatever --report says,
// and the one at --report. Such a record counts only when this resume has
// no match key (with one, the index read at the start finds what any run
// created; creates of those records still landing refuse a real resume
// sooner, in guardRerun) and it is this run's continuation
// (laterRecord.continues, settled by prove's walk): of this input,
// written to this account (a record with no line cannot say, and
// counts). Its journal's lineage and generation, against the resumed
// journal's (resumed), settle it when they can. Else the record at NAME is
// NAME.prev's continuation whatever the files' dates: only the resume
// that wrote NAME moves a report to NAME.prev, and NAME.prev restored by
// a copy (as our messages advise) is dated anew; one at --report is told
// by its contents first. A journal at those paths that cannot be read
// refuses the resume (a real one is refused sooner, with the same words,
// by guardLanding, which also waits out their creates that may still
// land; a dry run is refused here).
func (r *run) laterRecords(resumed events.JournalState) ([]*laterRecord, error) {
	since := lastWrite(r.cfg.Resume)
	name, isPrev := strings.CutSuffix(r.cfg.Resume, ".prev")
	account := accountOf(r.api)
	var recs []*laterRecord
	for _, path := range r.laterPaths() {
		js, err := events.ReadJournal(path + ".journal")
		if err != nil {
			return nil, r.unreadableJournal("the run at "+path, path, err)
		}
		if len(r.cfg.MatchBy) > 0 {
			continue
		}
		// Not when it is of another account, or holds nothing of this input.
		prev, ok := r.earlierRun(path, js)
		if !ok || prev.account != "" && account != "" && prev.account != account {
			continue
		}
		prev.when = lastWrite(path)
		rec := &laterRecord{path: path, earlierRun: prev, after: prev.when.After(since), lineage: js.Lineage, resumed: resumed.Lineage, gen: js.Gen, resumedGen: resumed.Gen}
		rec.dated = !isPrev || !SamePath(path, name)
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *laterRecord) int { return b.when.Compare(a.when) })
	return recs, nil
}

// laterPaths are the paths of the records laterRecords reads: NAME for a
// --resume of NAME.prev, and --report, each once and never the resumed one.
func (r *run) laterPaths() []string {
	var paths []string
	if name, ok := strings.CutSuffix(r.cfg.Resume, ".prev"); ok {
		paths = append(paths, name)
	}
	if len(paths) == 0 || !SamePath(paths[0], r.cfg.Report) {
		paths = append(paths, r.cfg.Report)
	}
	return slices.DeleteFunc(paths, func(p string) bool { return SamePath(p, r.cfg.Resume) })
}

// lastWrite is the last write of a run's record: its report, the report's
// record (an XLSX report's) or its journal (zero if there is none).
func lastWrite(report string) time.Time {
	var last time.Time
	for _, p := range []string{report, report + ".journal", events.RecordPath(report)} {
		if fi, err := os.Stat(p); err == nil {
			last = pacer.Later(last, fi.ModTime())
		}
	}
	return last
}

// furtherAlong refuses to resume a report that a later record of the
// input went past: the rows it created (rec.ahead) would be created again.
func (r *run) furtherAlong(rec *laterRecord) error {
	ahead := rec.ahead
	rows := make([]string, 0, 6)
	for _, n := range ahead[:min(len(ahead), 5)] {
		rows = append(rows, strconv.Itoa(n))
	}
	if len(ahead) > 5 {
		rows = append(rows, "…")
	}
	return fmt.Errorf("%w: %s is further along than %s: a later run of this file created the clients of %d rows that %s leaves to send (input rows %s), "+
		"so resuming %s would create them again (nothing was sent). Continue the newest record:%s",
		events.ErrBadInput, rec.path, r.cfg.Resume, len(ahead), r.cfg.Resume, strings.Join(rows, ", "), r.cfg.Resume,
		r.cfg.Rerun.With(shellquote.Set("resume", rec.path)))
}

// reported checks a row's report line against the journal.
func (p *prover) reported(l events.Line) error {
	d, done := p.js.Done[l.Row]
	if done && (d.Status != l.Status || d.ID != l.ID) {
		return fmt.Errorf("row %d (input row %d) says %s%s, but the journal recorded %s%s — the report was edited; %s",
			l.Num, l.Row, l.Status, idText(l.ID), d.Status, idText(d.ID), restoreAdvice)
	}
	_, open := p.js.Open[l.Row]
	switch {
	case open && l.Status.Finished() && p.js.Torn:
		// The journal was cut after the send: its done is lost, and the
		// line (written after the done) says how the row ended.
	case open && l.Status.Finished():
		return fmt.Errorf("row %d (input row %d) says %s, but the journal has its write with no outcome — the report was edited; %s",
			l.Num, l.Row, l.Status, restoreAdvice)
	case open:
		p.r.carry[l.Row] = p.js.Open[l.Row]
	case l.Status == events.StatusFailed && l.Code == events.CodeOutcomeUnknown:
		// The journal that kept this send open is gone or was cut: the
		// create may have been made, so it is looked up before it is sent.
		p.r.carry[l.Row] = events.Pending{Op: "create", Key: l.MatchKey}
	}
	return nil
}

// unreported settles a row after the report's last line.
func (p *prover) unreported(num int) error {
	defer func() { p.after++ }()
	if d, ok := p.js.Done[num]; ok && d.Status.Finished() {
		d.Note = events.JoinNote(d.Note, "settled from the journal: the run stopped before writing this line")
		p.r.settled[num] = d
		return nil
	}
	if s, ok := p.js.Open[num]; ok {
		p.r.carry[num] = s
		return nil
	}
	switch {
	case !p.js.Found && len(p.r.cfg.MatchBy) == 0 && p.after < p.window:
		return fmt.Errorf("the report ends at input row %d and there is no journal of its run (%s.journal): rows after it may have been sent, and without a match key nothing can find them; "+
			"restore the journal, or import with a match key instead (another: invoice_tax_id, login), so that clients already created are found and not created again:%s",
			p.old.lastRow, p.r.cfg.Resume, p.r.cfg.matchedRerun())
	case p.js.Torn && len(p.r.cfg.MatchBy) == 0 && p.after < p.window:
		// (With a match key, the index read at the start finds what the
		// crashed run created.)
		p.r.carry[num] = events.Pending{Op: "create"}
		p.unproven++
	}
	return nil
}

func idText(id int64) string {
	if id > 0 {
		return fmt.Sprintf(" (crm_client_id %d)", id)
	}
	return ""
}

// settledLines yields, for the new journal, every row whose outcome is
// known before this run and whose line the new report does not have yet:
// the old report's finished lines and the rows the old journal settled.
func (r *run) settledLines(yield func(events.Line) error) error {
	o := newOldReport(r.old.path, r.old.cfg.Key, r.old.cfg.Account)
	err := o.each(r.old.src, func(l events.Line) error {
		if l.Status.Finished() {
			return yield(l)
		}
		return nil
	})
	for _, l := range r.settled {
		if err != nil {
			return err
		}
		err = yield(l)
	}
	return err
}

// neverStarted says that neither the report a resume names nor its journal
// exists: the journal is written before the first send, so a run that
// left neither sent nothing (a kill during its start, or a wrong path).
func neverStarted(report string) bool {
	for _, p := range []string{report, report + ".journal"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			return false
		}
	}
	return true
}
