package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestBrowserExport drives the export flow in headless Chromium against
// the sandbox: a status chosen by its name, two columns chosen and
// reordered, the time the notes would take said before starting (then
// the notes left out), the nightly lines shown for those choices, the
// export run with its progress to the end, and the file downloaded
// through the page's link: it holds exactly the sandbox's clients of that
// status, with the two columns in the order chosen.
func TestBrowserExport(t *testing.T) {
	e := newBrowserPage(t, browserOptions{sandbox: sandbox.Config{Clients: 180, Seed: 6}})
	e.click("#tab-export")
	e.waitText("#exp-status", "Stały klient")
	e.setSelect("#exp-status", "Stały klient")

	e.click("#exp-cols-choose")
	e.click("#exp-col-email")
	e.click("#exp-col-crm_client_id")
	e.waitText("#exp-order", "crm_client_id")
	e.click("#exp-order li:nth-child(2) button.up") // crm_client_id before email
	e.waitText("#exp-order li:first-child", "crm_client_id")

	// Every control of the section has an accessible name, and the order
	// buttons work from the keyboard (Enter on the focused button).
	if unnamed, _ := e.eval(`[...document.querySelectorAll('#export input, #export select, #export button, #export pre')]
		.filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
		.map((c) => c.id || c.outerHTML).join(', ')`); unnamed != "" {
		t.Errorf("controls without an accessible name: %s", unnamed)
	}
	e.run(chromedp.Focus(chromedp.CSS("#exp-order li:first-child button.down")), chromedp.KeyEvent(kb.Enter))
	e.waitText("#exp-order li:first-child", "email")
	e.run(chromedp.Focus(chromedp.CSS("#exp-order li:nth-child(2) button.up")), chromedp.KeyEvent(kb.Enter))
	e.waitText("#exp-order li:first-child", "crm_client_id")

	want := statusClients(e.sandbox, 2)
	e.click("#exp-notes")
	e.waitText("#exp-estimate", "for "+strconv.Itoa(len(want))+" clients")
	e.click("#exp-notes")
	e.waitText("#exp-estimate", "No request per client")

	e.setSelect("#exp-format", "csv")
	e.waitText("#exp-line-cronline", "export --out 'exports/clients-{date}.csv' --filter 'status=Stały klient' --columns crm_client_id,email >>export.log")
	// The unit is in a closed <details>: its text, not what is drawn.
	if got, _ := e.eval(`document.querySelector('#exp-line-service').textContent`); !strings.Contains(got, `--filter "status=Stały klient" --columns crm_client_id,email`) {
		t.Errorf("the systemd unit does not run the choices:\n%s", got)
	}
	if got, _ := e.eval(`document.querySelector('#exp-line-windows').textContent`); !strings.Contains(got, "Register-ScheduledTask") ||
		!strings.Contains(got, "--filter 'status=Stały klient' --columns 'crm_client_id,email'") {
		t.Errorf("the Task Scheduler registration does not run the choices:\n%s", got)
	}

	dir := t.TempDir()
	e.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	e.click("#exp-start")
	e.waitText("#exp-progress-text", "Done")
	e.waitText("#exp-messages", "exported "+strconv.Itoa(len(want))+" clients")
	e.waitVisible("#exp-download")
	e.screenshot("export")
	saidOnce(t, e)
	e.click("#exp-download")
	e.setSelect("#lang", "pl")
	e.waitText("#export h2", "Eksport klientów")
	e.waitText("#exp-download", "Pobierz clients-")
	e.setSelect("#lang", "en")

	day := time.Now().Format("2006-01-02")
	path := filepath.Join(dir, "clients-"+day+".csv")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			names, _ := filepath.Glob(filepath.Join(dir, "*"))
			t.Fatalf("the download never arrived as %s; the folder holds %q", path, names)
		}
		time.Sleep(50 * time.Millisecond)
	}
	header, ids := readExported(t, path)
	if !slices.Equal(header, []string{"crm_client_id", "email"}) {
		t.Errorf("the downloaded file's columns are %q, want crm_client_id, email", header)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("the downloaded file holds %d clients %v, want the %d of status Stały klient %v", len(ids), ids, len(want), want)
	}
}

// TestBrowserExportKeptOfAnotherExport: details kept beside the export's
// file by an export with another token are not gone on from; the page
// says so in its own words, in English and in Polish (why, and what the
// user can do: nothing, exporting again goes on), never the exporter's
// refusal naming the CLI's --resume, and the export ends.
func TestBrowserExportKeptOfAnotherExport(t *testing.T) {
	e := newBrowserPage(t, browserOptions{sandbox: sandbox.Config{Clients: 12, Seed: 6}})
	keepHeader(e, "0123456789abcdef")

	exportNotes(e)
	e.waitText("#exp-messages", "were read with another API token (another account). That export started ")
	e.waitText("#exp-messages", "Nothing to do: if you stop it, exporting again with these same choices goes on from what it read.")
	if progress := e.text("#exp-progress-text"); strings.Contains(progress, "NaN") || !regexp.MustCompile(`\d+ requests · \d+ s`).MatchString(progress) {
		t.Errorf("the progress line says %q, want its requests and the seconds it took (the state's elapsedSeconds)", progress)
	}
	e.screenshot("export-kept-en")
	saidOnce(t, e)
	e.setSelect("#lang", "pl")
	e.waitText("#exp-messages", "zostały przeczytane innym tokenem API (z innego konta). Tamten eksport rozpoczął się ")
	e.waitText("#exp-messages", "Nic nie trzeba robić")
	e.screenshot("export-kept-pl")
	if said := e.text("#exp-messages"); strings.Contains(said, "--") || strings.Contains(said, "cannot resume") {
		t.Errorf("the page showed the CLI's refusal:\n%s", said)
	}
	e.setSelect("#lang", "en")
}

// saidOnce checks the export's messages: each line once (the exporter's
// notes reach the page through one path), and at least one.
func saidOnce(t *testing.T, e *uiEnv) {
	t.Helper()
	got, _ := e.eval(`JSON.stringify([...document.querySelectorAll('#exp-messages li')].map((li) => li.textContent))`)
	var lines []string
	if err := json.Unmarshal([]byte(got), &lines); err != nil || len(lines) == 0 {
		t.Fatalf("the export's messages %s: %v", got, err)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			t.Errorf("the page says twice: %s", l)
		}
		seen[l] = true
	}
	t.Logf("the export's messages: %q", lines)
}

// TestBrowserExportKeptHeaderOnly: beside the export's file, the header
// only of the details of an export that stopped while it listed the
// clients: nothing to go on from, and nothing of it is said (the exporter
// says "--resume: no details kept…" on the command line); the export
// reads everything and ends, each of its notes said once.
func TestBrowserExportKeptHeaderOnly(t *testing.T) {
	e := newBrowserPage(t, browserOptions{sandbox: sandbox.Config{Clients: 12, Seed: 6}})
	api, err := baselinker.New(e.endpoint, sandboxtest.DefaultToken)
	if err != nil {
		t.Fatal(err)
	}
	keepHeader(e, api.Account())

	exportNotes(e)
	e.waitText("#exp-messages", "reading the details of 12 clients")
	e.waitText("#exp-messages", "exported 12 clients")
	e.screenshot("export-kept-header-only")
	saidOnce(t, e)
	if said := e.text("#exp-messages"); strings.Contains(said, "--") || strings.Contains(said, "resum") || strings.Contains(said, "kept") {
		t.Errorf("the page spoke of the kept header:\n%s", said)
	}
}

// keepHeader writes, beside the file of the page's default export, the
// header of kept details of account with no client after it, as an export
// stopped while it listed the clients leaves it.
func keepHeader(e *uiEnv, account string) {
	e.t.Helper()
	now := time.Now()
	out, err := exporter.OpenOutput(exporter.OutputOptions{Path: filepath.Join(e.srv.cfg.WorkDir, "exports", choices(schedule.Default()).FileName()),
		Format: "xlsx", Force: true, Now: now})
	if err != nil {
		e.t.Fatal(err)
	}
	kept := out.DetailsPath()
	_ = out.Abort()
	h, _ := json.Marshal(map[string]any{"crmbulk_export_details": "client details read by crmbulk export; --resume reuses them", "version": 1,
		"account": account, "filters": baselinker.Filters{}, "extra_fields": false, "started": now.Add(-time.Hour)})
	if err := os.WriteFile(kept, append(h, '\n'), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// exportNotes runs the page's default export with notes to its end.
func exportNotes(e *uiEnv) {
	e.t.Helper()
	e.click("#tab-export")
	e.waitText("#exp-status", "Stały klient")
	e.click("#exp-notes")
	e.click("#exp-start")
	e.waitText("#exp-progress-text", "Done")
}
