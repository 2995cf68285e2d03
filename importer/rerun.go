package importer

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/internal/shellquote"

	events "github.com/crmbulk/crmbulk/run"
)

// An import without a match key creates a client for every row, so running
// it twice on one file creates every client twice. The re-run guard stops a
// real run before anything is sent when the report it would write over says
// an earlier run of the same file (same fingerprint) created clients.

// earlierRun is what an earlier run's report says of it.
type earlierRun struct {
	when    time.Time    // the report's last write
	created int          // lines with status created
	killed  bool         // its journal is still there, or its last line was cut
	unknown int          // creates its journal shows sent with no outcome (not in created)
	rows    map[int]bool // the input rows whose client it created or whose create it sent
	account string       // the account its lines were written to ("" if they do not say)

	ids map[int]int64 // of rows, the client each created (crm_client_id)
}

// guardRerun refuses a real run without a match key over the report of a
// finished or crashed earlier run of the same input that created clients.
// Config.Again (--again) creates them again on purpose. A resume instead
// checks, by guardLanding, the records other than the one it resumes that
// it may go on from (laterPaths); its own journal's creates it waits for.
func (r *run) guardRerun() error {
	cfg := r.cfg
	if cfg.DryRun {
		return nil
	}
	if cfg.Resume != "" {
		for _, path := range r.laterPaths() {
			if _, err := r.guardLanding(path, "this resume"); err != nil {
				return err
			}
		}
		return nil
	}
	js, err := r.guardLanding(cfg.Report, "a new run")
	if err != nil {
		return err
	}
	if len(cfg.MatchBy) > 0 || cfg.Again {
		return nil
	}
	prev, ok := r.earlierRun(cfg.Report, js)
	if !ok || prev.created+prev.unknown == 0 {
		return nil
	}
	what := "imported"
	if prev.killed {
		what = "imported by a run that was stopped before it ended"
	}
	var made []string
	if prev.created > 0 {
		made = append(made, fmt.Sprintf("creating %d clients", prev.created))
	}
	if prev.unknown > 0 {
		made = append(made, fmt.Sprintf("sending %d creates that got no usable answer (their clients may exist)", prev.unknown))
	}
	return fmt.Errorf("%w: %s says this file (input_sha256 %s) was %s at %s, %s; without a match key this run would create them again (nothing was sent). "+
		"Continue that run:%s\nor match rows to the clients made by email (or invoice_tax_id, login; the dry run shows what changes):%s\nor create every client again on purpose:%s",
		events.ErrBadInput, cfg.Report, r.sha, what, prev.when.Local().Format("2006-01-02 15:04"), strings.Join(made, " and "),
		cfg.Rerun.With(shellquote.Set("resume", cfg.Report)), cfg.Rerun.With(shellquote.Set("match-by", "email"), shellquote.Set("dry-run", "")),
		cfg.Rerun.With(shellquote.Set("again", "")))
}

// guardLanding refuses a run (who: "a new run", with a match key and
// --again too, or "this resume") over the journal at report of a stopped
// run of this input whose creates may still land: the server may be
// finishing them, so the run's look-up (the index read at its start) would
// not find those clients yet and would create them again — the case of a
// supervisor that restarts a killed run within a second. That run's
// --resume waits for them (indoubt.go); so does this command, run once
// they can no longer land. A journal it cannot read could hold such
// creates: it refuses then too, rather than guess. It returns the journal
// it read.
func (r *run) guardLanding(report, who string) (events.JournalState, error) {
	js, err := events.ReadJournal(report + ".journal")
	if err != nil {
		whose := "an earlier run at this report path"
		if r.cfg.Resume != "" {
			whose = "the run at " + report // as laterRecords says it
		}
		return js, r.unreadableJournal(whose, report, err)
	}
	n, last := inDoubt(js.Open, r.cfg.RequestTimeout)
	if !js.Found || !js.Of(r.sha) || n == 0 {
		return js, nil
	}
	return js, fmt.Errorf("%w: %s.journal shows %d creates a stopped run of this file sent that got no usable answer; the server may still be finishing them until %s "+
		"(--request-timeout after each send), so %s could not find those clients yet and would create them again (nothing was sent). %s",
		events.ErrBadInput, report, n, last.Local().Format("15:04:05"), who, r.landingAdvice(report, last))
}

// landingAdvice is what guardLanding tells to do over the journal at
// report whose creates may land until last. A new run may continue that
// run, or wait. A resume of NAME.prev must go on from NAME (its
// continuation; waiting would only meet laterRecords' refusal); any other
// record a resume meets may be older than the one it resumes, so going on
// from it could send again what the resumed run made: it is told to wait.
func (r *run) landingAdvice(report string, last time.Time) string {
	cont := "Continue that run — it waits for them, then looks them up:" + r.cfg.Rerun.With(shellquote.Set("resume", report))
	wait := "run this command again after " + last.Local().Format("15:04:05")
	switch {
	case r.cfg.Resume == "":
		return cont + "\nor " + wait
	case SamePath(r.cfg.Resume, report+".prev"):
		return cont
	default:
		return "Wait for them: " + wait
	}
}

// unreadableJournal refuses a run when the journal of the run at report
// (whose: which run that is) cannot be read: it could hold creates that
// run sent that got no usable answer, which this run would make again.
// guardLanding's rule for a new run, and a resume's for a later record of
// the report it resumes (laterRecords).
func (r *run) unreadableJournal(whose, report string, err error) error {
	return fmt.Errorf("%w: the journal of %s cannot be read (%w); it may hold creates a stopped run sent that got no usable answer, "+
		"so this run could create those clients again (nothing was sent). Restore the journal as that run left it and continue that run:%s\n"+
		"or, if that run's writes can no longer land (--request-timeout after it stopped), move the journal away and run this command again",
		events.ErrBadInput, whose, err, r.cfg.Rerun.With(shellquote.Set("resume", report)))
}

// earlierRun reads the record at path, its report and js, its journal
// (ReadJournal's): ok is false when neither holds anything of this input
// (another file, a dry run, not crmbulk's) — then it holds nothing this
// run could repeat.
func (r *run) earlierRun(path string, js events.JournalState) (earlierRun, bool) {
	prev, ok := r.earlierReport(path)
	// The journal knows what the report may not yet say: creates done or
	// sent before the run was killed (before their lines, or the report,
	// were written).
	if !js.Found || !js.Of(r.sha) {
		return prev, ok
	}
	if !ok {
		prev, ok = earlierRun{rows: map[int]bool{}, ids: map[int]int64{}}, true
		if fi, err := os.Stat(path + ".journal"); err == nil {
			prev.when = fi.ModTime()
		}
	}
	prev.killed = true
	for row, d := range js.Done {
		if d.Status == events.StatusCreated {
			if !prev.rows[row] {
				prev.created++
			}
			prev.rows[row], prev.ids[row] = true, d.ID
		}
	}
	for row, p := range js.Open {
		if p.Op == "create" {
			prev.unknown++
			prev.rows[row] = true
		}
	}
	return prev, ok
}

// earlierReport is what the report at path says of its run.
func (r *run) earlierReport(path string) (earlierRun, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return earlierRun{}, false
	}
	rs, err := events.OpenRecords(path)
	if err != nil {
		return earlierRun{}, false
	}
	defer rs.Close()
	src := rs.Path()
	prev := earlierRun{when: fi.ModTime(), killed: rs.Torn(), rows: map[int]bool{}, ids: map[int]int64{}}
	if s, err := os.Stat(src); err == nil && s.ModTime().After(prev.when) {
		prev.when = s.ModTime()
	}
	if _, err := os.Stat(path + ".journal"); err == nil {
		prev.killed = true
	}
	errOther := errors.New("not a real run's report of this input")
	err = eachLine(rs, func(_ events.Cells, l events.Line) error {
		if l.InputSHA != r.sha || l.DryRun() {
			return errOther
		}
		prev.account = cmp.Or(prev.account, l.Account)
		if l.Status == events.StatusCreated {
			prev.created++
			if l.Row > 0 { // a row that is no number reads as 0: not a row
				prev.rows[l.Row], prev.ids[l.Row] = true, l.ID
			}
		}
		return nil
	})
	if err != nil {
		return earlierRun{}, false
	}
	return prev, true
}
