package ui

// The browser harness: the Server against an in-process sandbox, driven
// by headless Chromium through chromedp. Each area has its own e2e file
// (import_e2e_test.go, run_e2e_test.go, export_e2e_test.go) built on
// newBrowserPage and the page helpers below.

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// chromiumPath finds Chromium: $CRMBULK_CHROMIUM, /usr/bin/chromium, or
// chromium/chromium-browser/google-chrome on PATH. Without one the test
// skips, unless CRMBULK_NEED_CHROMIUM=1 (CI), where it fails.
func chromiumPath(t testing.TB) string {
	t.Helper()
	cands := []string{os.Getenv("CRMBULK_CHROMIUM"), "/usr/bin/chromium"}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CRMBULK_NEED_CHROMIUM") == "1" {
		t.Fatal("no Chromium found (CRMBULK_NEED_CHROMIUM=1): install Debian's chromium or set CRMBULK_CHROMIUM")
	}
	t.Skip("no Chromium found: install Debian's chromium (or set CRMBULK_CHROMIUM) to run the browser tests")
	return ""
}

// uiEnv is one page under test: the sandbox, the server and the browser tab.
type uiEnv struct {
	t        testing.TB
	ctx      context.Context // the tab's context (chromedp.Run runs in it)
	sandbox  *sandbox.Server
	endpoint string // the sandbox's API address
	srv      *Server
	base     string        // the server's address, http://127.0.0.1:PORT
	step     time.Duration // the bound of one step
}

// browserOptions adjusts a test's environment before the page opens.
type browserOptions struct {
	sandbox  sandbox.Config // Token is filled in
	noToken  bool           // start without a token (the page asks for one)
	lang     string         // the browser's language (default en-GB)
	timeout  time.Duration  // the bound of one step in the browser (default 20 s)
	viewport [2]int64       // default 1280×900
}

// newBrowserPage starts a sandbox, a Server whose API is the sandbox (no
// request limit on the client side), and headless Chromium, and opens the
// page through its secret URL. Everything stops at the test's end.
func newBrowserPage(t *testing.T, o browserOptions) *uiEnv {
	t.Helper()
	exe := chromiumPath(t)
	sb, endpoint := sandboxtest.New(t, o.sandbox)
	srv, base := pageServer(t, endpoint, !o.noToken)
	if o.timeout == 0 {
		o.timeout = 20 * time.Second
	}
	ctx, stop := openChromium(t, exe, o)
	t.Cleanup(stop)
	e := &uiEnv{t: t, ctx: ctx, sandbox: sb, endpoint: endpoint, srv: srv, base: base, step: o.timeout}
	addr := strings.TrimPrefix(base, "http://")
	e.run(chromedp.Navigate(srv.URL(addr)), chromedp.WaitReady(chromedp.CSS("#main")))
	return e
}

// pageServer starts a Server whose API is the sandbox at endpoint (no
// request limit on the client side), with the sandbox's token unless
// noToken, on a local HTTP server; both stop at tb's end. It returns the
// server and its address, http://127.0.0.1:PORT.
func pageServer(tb testing.TB, endpoint string, withToken bool) (*Server, string) {
	tb.Helper()
	cfg := Config{
		NewAPI: func(tok baselinker.Token) (*baselinker.API, error) {
			return baselinker.New(endpoint, tok, baselinker.WithLimiter(pacer.New(100000)))
		},
		WorkDir: tb.TempDir(),
	}
	if withToken {
		cfg.Token, cfg.TokenFrom = sandboxtest.DefaultToken, TokenFromEnv
	}
	srv, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	tb.Cleanup(ts.Close)
	return srv, ts.URL
}

// openChromium starts headless Chromium (exe) with a profile of its own —
// no cache, no cookie — and returns its tab's context and what stops it.
func openChromium(tb testing.TB, exe string, o browserOptions) (context.Context, func()) {
	tb.Helper()
	if o.lang == "" {
		o.lang = "en-GB"
	}
	if o.viewport == [2]int64{} {
		o.viewport = [2]int64{1280, 900}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", o.lang),
		chromedp.Flag("accept-lang", o.lang),
		chromedp.Env("LANGUAGE=" + strings.ReplaceAll(o.lang, "-", "_")),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(int(o.viewport[0]), int(o.viewport[1])),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	stop := func() { cancelTab(); cancelAlloc() }
	// The first call starts the browser, which lives as long as that
	// call's context: no timeout on it (each later step has its own).
	if err := chromedp.Do(ctx); err != nil {
		stop()
		tb.Fatalf("starting Chromium %s: %v", exe, err)
	}
	return ctx, stop
}

// run runs chromedp actions in the tab; a failure fails the test with a
// screenshot of the page saved beside the others.
func (e *uiEnv) run(actions ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, e.step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		e.screenshot("failed-" + strings.ReplaceAll(e.t.Name(), "/", "-"))
		e.t.Fatalf("in the browser: %v", err)
	}
}

// click clicks the first element matching the CSS selector.
func (e *uiEnv) click(sel string) {
	e.t.Helper()
	e.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeText types text into the element matching sel.
func (e *uiEnv) typeText(sel, text string) {
	e.t.Helper()
	e.run(chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// waitVisible waits for sel to be shown.
func (e *uiEnv) waitVisible(sel string) {
	e.t.Helper()
	e.run(chromedp.WaitVisible(chromedp.CSS(sel)))
}

// waitText waits until the text of sel contains want, and returns it.
func (e *uiEnv) waitText(sel, want string) string {
	e.t.Helper()
	var got string
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, _ = e.eval(`(document.querySelector(` + jsString(sel) + `) || {}).innerText || ''`)
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			e.screenshot("failed-" + strings.ReplaceAll(e.t.Name(), "/", "-"))
			e.t.Fatalf("%s never said %q; it says %q", sel, want, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// text returns the text of sel now.
func (e *uiEnv) text(sel string) string {
	e.t.Helper()
	got, err := e.eval(`document.querySelector(` + jsString(sel) + `).innerText`)
	if err != nil {
		e.t.Fatalf("the text of %s: %v", sel, err)
	}
	return got
}

// setSelect chooses value in the <select> sel and fires its change event.
// One script finds, focuses and sets the element, tried until it exists:
// a node found first and used by a later step goes stale when the page
// draws its table again in between.
func (e *uiEnv) setSelect(sel, value string) {
	e.t.Helper()
	script := `(() => { const s = document.querySelector(` + jsString(sel) + `);
		if (!s) return 'missing';
		if (![...s.options].some((o) => o.value === ` + jsString(value) + `)) return 'no option ' + ` + jsString(value) + `;
		s.focus(); s.value = ` + jsString(value) + `; s.dispatchEvent(new Event('change', {bubbles: true})); return ''; })()`
	for deadline := time.Now().Add(e.step); ; time.Sleep(50 * time.Millisecond) {
		got, err := e.eval(script)
		if err == nil && got == "" {
			return
		}
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			e.screenshot("failed-" + strings.ReplaceAll(e.t.Name(), "/", "-"))
			e.t.Fatalf("choosing %q in %s: %q %v", value, sel, got, err)
		}
	}
}

// upload sets the file of the <input type=file> sel to path.
func (e *uiEnv) upload(sel, path string) {
	e.t.Helper()
	e.run(chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path}))
}

// value returns the value of the form control sel.
func (e *uiEnv) value(sel string) string {
	e.t.Helper()
	got, err := e.eval(`document.querySelector(` + jsString(sel) + `).value`)
	if err != nil {
		e.t.Fatalf("the value of %s: %v", sel, err)
	}
	return got
}

// screenshot saves the page as NAME.png: into docs/ui/ when
// CRMBULK_UI_SCREENSHOTS=1 (the README's pictures), else into the test's
// temporary folder. It returns the path.
func (e *uiEnv) screenshot(name string) string {
	e.t.Helper()
	dir := e.t.TempDir()
	if os.Getenv("CRMBULK_UI_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs", "ui")
	}
	ctx, cancel := context.WithTimeout(e.ctx, e.step)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		e.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		e.t.Errorf("screenshot %s: %v", name, err)
	}
	return p
}

// eval evaluates a JavaScript expression that gives a string.
func (e *uiEnv) eval(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(e.ctx, e.step)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

// jsString quotes s for JavaScript source.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// TestBrowserSmoke loads the page in headless Chromium without a token:
// the header, the tabs and the token box are drawn; a pasted token is
// taken (and the box says so, without the token); the language switch
// and the tabs work; a screenshot is taken.
func TestBrowserSmoke(t *testing.T) {
	e := newBrowserPage(t, browserOptions{noToken: true})
	e.waitText("#token-status", "No API token")
	e.waitVisible("#token-input")
	e.typeText("#token-input", sandboxtest.DefaultToken)
	e.click("#token-form button[type=submit]")
	e.waitText("#token-status", "pasted here")
	if got := e.text("header"); strings.Contains(got, sandboxtest.DefaultToken) {
		t.Errorf("the page shows the token: %q", got)
	}
	e.setSelect("#lang", "pl")
	e.waitText("#tab-export", "Eksport")
	e.click("#tab-export")
	if hidden, _ := e.eval(`String(document.getElementById('import').hidden)`); hidden != "true" {
		t.Error("the Export tab did not hide the import section")
	}
	if p := e.screenshot("smoke"); p != "" {
		if st, err := os.Stat(p); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v, %v", p, st, err)
		}
	}
}

// firstLoadBudget bounds what the page's first load transfers (the HTML,
// the scripts, the styles and /api/session, uncompressed: 108 KB on
// 2026-12-07), so that a page that grows a dependency says so.
const firstLoadBudget = 192 << 10

// firstLoad is what a page's first load did, from the navigation's own
// timing: its redirect (the key traded for the cookie), DOMContentLoaded
// and load event, and when /api/session answered (the session's state), in
// ms from the navigation's start; the bytes transferred; and the
// addresses it loaded from another origin.
type firstLoad struct {
	Redirect, DOM, Load, Session float64
	Bytes                        int
	Foreign                      string
}

// measureFirstLoad reads the first load of e's page once the session's
// state is drawn.
func measureFirstLoad(e *uiEnv) firstLoad {
	e.t.Helper()
	e.waitText("#token-status", "BASELINKER_TOKEN")
	got, err := e.eval(`(() => { const n = performance.getEntriesByType('navigation')[0], rs = performance.getEntriesByType('resource');
		const s = rs.find((r) => r.name.endsWith('/api/session'));
		return JSON.stringify({redirect: n.redirectEnd - n.redirectStart, dom: n.domContentLoadedEventEnd, load: n.loadEventEnd,
			session: s ? s.responseEnd : 0, bytes: rs.reduce((sum, r) => sum + r.transferSize, n.transferSize),
			foreign: rs.map((r) => r.name).filter((a) => !a.startsWith(location.origin + '/')).join(' ')}); })()`)
	if err != nil {
		e.t.Fatal(err)
	}
	var m firstLoad
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// TestFirstLoad: the page's first load in Chromium takes nothing from
// another origin (the page works offline), transfers within
// firstLoadBudget, and draws the session's state from /api/session. How
// long it takes is BenchmarkFirstLoad's: a timed test fails on a busy
// machine, not on a slow page.
func TestFirstLoad(t *testing.T) {
	e := newBrowserPage(t, browserOptions{})
	m := measureFirstLoad(e)
	t.Logf("first load: redirect %.0f ms, DOMContentLoaded %.0f ms, load %.0f ms, session state %.0f ms, %d KB transferred", m.Redirect, m.DOM, m.Load, m.Session, m.Bytes>>10)
	if m.Foreign != "" {
		t.Errorf("the page loads from elsewhere (it must work offline): %q", m.Foreign)
	}
	if m.Bytes <= 0 || m.Bytes > firstLoadBudget {
		t.Errorf("the first load transferred %d bytes, budget %d (1..%d KB)", m.Bytes, firstLoadBudget, firstLoadBudget>>10)
	}
	if m.Session <= 0 || m.Load <= 0 {
		t.Errorf("the first load never fetched /api/session or never reached its load event: %+v", m)
	}
}
