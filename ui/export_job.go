package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
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
	ev = detailsETA{Printer: ev, limiter: j.api.Limiter()}
	b := newBridge(kindExport, j.api, ev)
	b.waiting = j.api.Waiting
	cfg := j.plan.cfg
	cfg.Keep, cfg.Progress, cfg.Logger = out.DetailsPath(), b, messages(ev, j.log)
	exp, err := exporter.New(j.api, cfg)
	if err != nil {
		return run.Summary{Command: kindExport}, err
	}
	stop := b.watch()
	sum, err := exp.Run(ctx, out.Opener())
	stop()
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
			err = errors.New("stopped: nothing was saved; start the export again (the details read so far are kept and not read twice)")
		}
		return res, fmt.Errorf("export: %w", err)
	}
	res.Text = sum.String() + " → " + filepath.Base(out.Path)
	j.done(out.Path)
	return res, nil
}

// detailsETA fills the ETA of the details phase's updates (one request
// per client left) from the limiter, as the export's own progress line
// says it (exporter.DetailsETA).
type detailsETA struct {
	run.Printer
	limiter *pacer.Limiter
}

func (d detailsETA) Update(u run.Update) {
	if u.Phase == "details" && u.Total > 0 && u.ETA == 0 {
		u.ETA = exporter.DetailsETA(d.limiter, int(u.Total-u.Done))
	}
	d.Printer.Update(u)
}

// streamRun sends a run's state to the page as Server-Sent Events: the
// state now, then every change, until the run ends (its last state) or
// the page goes away. Each event's data is the whole runState as JSON.
func streamRun(w http.ResponseWriter, r *http.Request, h *hub) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, apiError{Error: "this server cannot stream; use another browser"})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	now, ch, cancel := h.subscribe()
	defer cancel()
	send := func(data []byte) {
		fmt.Fprintf(w, "data: %s\n\n", data)
		fl.Flush()
	}
	first, err := json.Marshal(now)
	if err != nil {
		return
	}
	send(first)
	for {
		select {
		case b, open := <-ch:
			if !open {
				last, err := json.Marshal(h.state())
				if err == nil {
					send(last)
				}
				return
			}
			send(b)
		case <-r.Context().Done():
			return
		}
	}
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
