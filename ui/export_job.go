package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
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

	ready chan struct{}     // closed once done is set
	done  func(path string) // called with the file written
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
	// read details too (the exporter's rule, Check: a list export keeps
	// nothing, and its refusal speaks the CLI's flags); kept details of
	// another export (other filters) are said and read again.
	cfg := j.plan.cfg
	cfg.Keep, cfg.Events, cfg.Logger = out.DetailsPath(), ev, messages(ev, j.log)
	if _, err := os.Stat(cfg.Keep); err == nil && cfg.Keep != "" {
		resumed := cfg
		resumed.Resume = true
		cfg.Resume = resumed.Check() == nil
	}
	sum, err := j.export(ctx, cfg, out)
	if errors.Is(err, exporter.ErrResume) {
		ev.Message(run.Message{Level: slog.LevelInfo, Text: err.Error() + " — the page starts it over"})
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
			err = fmt.Errorf("%w; the details read so far are kept: export again with the same choices to go on from them", err)
		}
		return res, err
	}
	res.Text = sum.String() + " → " + filepath.Base(out.Path)
	j.done(out.Path)
	return res, nil
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
