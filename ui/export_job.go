package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/run"
)

// exportJob is one export of the page, as `crmbulk export` runs it: the
// output opened first (a temporary file renamed over the target only when
// the export succeeded), the exporter with the plan's Config, its progress
// and notes turned into run events for the page.
type exportJob struct {
	api  *baselinker.API
	plan exportPlan
	dir  string // the session's exports folder
	now  time.Time
	log  *slog.Logger

	ready chan struct{}     // closed once done and note are set
	done  func(path string) // called with the file written
	note  func(pageNote)    // says a note in the page's words
}

// run is the job's runJob.
func (j *exportJob) run(ctx context.Context, ev run.Printer) (run.Summary, error) {
	<-j.ready
	out, err := exporter.OpenOutput(exporter.OutputOptions{Path: filepath.Join(j.dir, j.plan.req.FileName()), Format: j.plan.format,
		Force: true, CSV: j.plan.csv, Now: j.now})
	if err != nil {
		return run.Summary{Command: kindExport}, fmt.Errorf("opening the export's file: %w", err)
	}
	defer func() { _ = out.Abort() }()
	// An export of the same file that stopped kept the details it read
	// beside it: this one goes on from them (--resume) when its columns
	// read details too (the exporter's rule: a list export keeps nothing)
	// and they hold any (a header only, of an export stopped while it
	// listed the clients, is nothing to go on from: nothing is said).
	// Kept details of another export (other filters, another account, not
	// crmbulk's file) are said in the page's words (the refusal's own
	// speak the CLI's flags) and read again: Kept refuses them before the
	// export's first request, and the export refuses them likewise should
	// the file change in between.
	cfg := j.plan.cfg
	cfg.Keep, cfg.Events, cfg.Logger = out.DetailsPath(), ev, j.log
	kept, err := cfg.Kept()
	if refused := (*exporter.ResumeError)(nil); errors.As(err, &refused) && refused.Reason != exporter.ResumeListOnly {
		j.refused(refused, out.Path)
	}
	cfg.Resume = kept && err == nil
	sum, err := j.export(ctx, cfg, out)
	if refused := (*exporter.ResumeError)(nil); errors.As(err, &refused) {
		j.refused(refused, out.Path)
		cfg.Resume = false
		sum, err = j.export(ctx, cfg, out)
	}
	if err == nil {
		err = out.Commit()
	}
	res := run.Summary{Command: kindExport, Counts: map[string]int{"exported": sum.Clients}, Requests: sum.Requests,
		Elapsed: sum.Duration, Text: sum.String()}
	if len(sum.Vanished) > 0 {
		res.Counts["vanished"] = len(sum.Vanished)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = errors.New("stopped")
		}
		err = fmt.Errorf("export: %w; nothing was saved", err)
		if sum.Kept != "" {
			err = fmt.Errorf("%w; %w", err, errDetailsKept)
		}
		return res, err
	}
	res.Text = sum.String() + " → " + filepath.Base(out.Path)
	j.done(out.Path)
	return res, nil
}

// refused says in the page's words why the details kept beside the
// export's file (path) are not gone on from: the refusal's own words are
// the CLI's (--resume, --filter).
func (j *exportJob) refused(e *exporter.ResumeError, path string) {
	j.log.Info("ui: the kept details are not gone on from; the export starts over", "error", e)
	j.note(keptRefused(e, path))
}

// keptReason names a reason kept details are refused for in the page's
// texts (exp.kept.NAME).
func keptReason(r exporter.ResumeReason) string {
	switch r {
	case exporter.ResumeListOnly:
		return "listOnly"
	case exporter.ResumeNotDetails:
		return "notDetails"
	case exporter.ResumeVersion:
		return "version"
	case exporter.ResumeAccount:
		return "account"
	case exporter.ResumeExtraFields:
		return "extraFields"
	case exporter.ResumeFilters:
		return "filters"
	}
	return "other"
}

// keptRefused is the page's note for kept details beside the export's
// file (path) that the export does not go on from: why, and when the
// export that kept them started (RFC 3339, the page says it in its time).
func keptRefused(e *exporter.ResumeError, path string) pageNote {
	n := pageNote{Key: "exp.kept." + keptReason(e.Reason), Vars: map[string]string{"file": filepath.Base(path)}}
	if !e.Started.IsZero() {
		n.Vars["started"] = e.Started.UTC().Format(time.RFC3339)
	}
	return n
}

// export runs one export with cfg into out.
func (j *exportJob) export(ctx context.Context, cfg exporter.Config, out *exporter.Output) (exporter.Summary, error) {
	exp, err := exporter.New(j.api, cfg)
	if err != nil {
		return exporter.Summary{}, err
	}
	return exp.Run(ctx, out.Opener())
}

// asciiName is name for the plain filename of Content-Disposition: what is
// not printable ASCII, a quote or a backslash becomes _ (filename* carries
// the real name).
func asciiName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
}

// urlEscape is name percent-encoded for filename* (RFC 5987).
func urlEscape(name string) string { return url.PathEscape(name) }
