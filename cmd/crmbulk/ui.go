package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/sharedwindow"
	"github.com/crmbulk/crmbulk/ui"
)

// uiFlags are the flags of `crmbulk ui`.
type uiFlags struct {
	addr      string
	noBrowser bool
	workDir   string
}

func (a *app) uiCmd() *cobra.Command {
	var f uiFlags
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Open the import and export in a web page on this computer (for those who would rather not edit YAML)",
		Long: `Starts a web page on this computer (127.0.0.1 and a free port unless --addr says another)
and opens it in the default browser: choose a CSV, XLSX or EDI++ file, check the guessed mapping
column by column with the file's own values beside it, see the preview and the plan (the dry run),
run the import with its progress, read the report, undo; or export the account's clients.
It prints the page's address, which holds a key made for this start: only that address opens
the page, and only from this computer. The token comes from BASELINKER_TOKEN or --token-file,
or is pasted in the page, where it stays in memory only. The page's files (uploads, reports)
go to --work-dir. Stop it with Ctrl-C.`,
		Example: `  crmbulk ui
  crmbulk ui --addr 127.0.0.1:8088 --no-browser`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serveUI(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:0", "address to listen on (loopback only; port 0 picks a free one)")
	fl.BoolVar(&f.noBrowser, "no-browser", false, "print the address without opening a browser")
	fl.StringVar(&f.workDir, "work-dir", "crmbulk-ui", "folder for the page's files: uploaded inputs, corrected copies, reports, exports")
	return cmd
}

// serveUI runs the page's server until ctx ends.
func (a *app) serveUI(ctx context.Context, f uiFlags) error {
	cfg := ui.Config{NewAPI: a.apiWith, WorkDir: f.workDir, Logger: a.logger}
	tok, err := baselinker.LoadToken(a.getenv, a.tokenFile, func(msg string) { a.logger.Warn(msg) })
	switch {
	case err == nil:
		cfg.Token, cfg.TokenFrom = tok, ui.TokenFromEnv
		if a.tokenFile != "" {
			cfg.TokenFrom = ui.TokenFromFile
		}
	case errors.Is(err, baselinker.ErrNoToken) && a.tokenFile == "":
		// none yet: the page asks for it
	default:
		return usageError{err}
	}
	if dir, err := sharedwindow.Dir(a.stateDir, a.getenv); err == nil {
		cfg.StateDir = dir
	}
	ln, err := ui.Listen(f.addr)
	if err != nil {
		return usageError{err}
	}
	srv, err := ui.New(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer srv.Close()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	url := srv.URL(ln.Addr().String())
	out := a.ios.Out
	fmt.Fprintf(out, "crmbulk ui: open %s\n", url)
	fmt.Fprintf(out, "  (only this address opens the page, from this computer; files go to %s; %s)\n", srv.WorkDir(), a.howToStop())
	if !f.noBrowser {
		remove, err := openBrowser(url)
		if err != nil {
			a.logger.Warn("could not open a browser: open the address above yourself", "error", err)
		}
		defer remove()
	}
	select {
	case err := <-served:
		return fmt.Errorf("the page's server stopped: %w", err)
	case <-ctx.Done():
	}
	srv.StopRuns() // runs stop as on Ctrl-C, and their streams to the page end
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut) // a stream still open is cut after 5 s
	return errInterrupted // the same exit code (130) as every command stopped by a signal
}

// openBrowser opens url in the default browser, without waiting for it,
// and without putting url on a command line: the address holds the
// session's key, and any user of the machine can read another's command
// lines in the process list. It writes a page that forwards to url into a
// new folder only this user can read, and opens that file; remove deletes
// it (when the server stops: the browser may read it late).
func openBrowser(url string) (remove func(), err error) {
	remove = func() {}
	dir, err := os.MkdirTemp("", "crmbulk-ui-") // mode 0700
	if err != nil {
		return remove, err
	}
	remove = func() { _ = os.RemoveAll(dir) }
	page := filepath.Join(dir, "open-crmbulk-ui.html")
	q := html.EscapeString(url)
	body := `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=` + q +
		`"><title>crmbulk ui</title><p><a href="` + q + `">crmbulk ui</a></p>` + "\n"
	if err := os.WriteFile(page, []byte(body), 0o600); err != nil {
		return remove, err
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", page)
	case "darwin":
		cmd = exec.Command("open", page)
	default:
		cmd = exec.Command("xdg-open", page)
	}
	if err := cmd.Start(); err != nil {
		return remove, err
	}
	go func() { _ = cmd.Wait() }() // reaped when the opener exits
	return remove, nil
}
