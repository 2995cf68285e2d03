package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/importer"
	"github.com/crmbulk/crmbulk/run"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// benchRows is the size of the file the preview benchmark remaps.
const benchRows = 100_000

// writeShopCSV writes n rows like shopRows (each a different person) as a
// CSV file and returns its path.
func writeShopCSV(b testing.TB, dir string, n int) string {
	b.Helper()
	p := filepath.Join(dir, "klienci-100k.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, strings.Join(shopHeader, ","))
	for i := range n {
		r := shopRows[i%len(shopRows)]
		fmt.Fprintf(w, "%s %d,klient%d@example.pl,%s,%s,%s,%s,%s,%s,%s\n", r[0], i, i, r[2], r[3], r[4], r[5], r[6], r[7], r[8])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPreviewRemap measures the page's answer to a changed
// drop-down on a 100,000-row file: the whole request (the mapping as
// JSON, written as YAML, parsed as the command line parses it, bound to
// the header, the first rows checked by importer's Checker, the answer as
// JSON). The goal is under 200 ms; it reports ms/op. The file (CSV and
// XLSX, the latter with CRMBULK_UI_BENCH_XLSX=1) is uploaded once,
// outside the timing; its upload (the guess and the first rows read) is
// logged.
func BenchmarkPreviewRemap(b *testing.B) {
	dir := b.TempDir()
	files := map[string]func() string{
		"csv":  func() string { return writeShopCSV(b, dir, benchRows) },
		"xlsx": func() string { return writeShopXLSX(b, dir, shopHeader, benchShopRows(benchRows)) },
	}
	for _, kind := range []string{"csv", "xlsx"} {
		b.Run(kind, func(b *testing.B) {
			if kind == "xlsx" && os.Getenv("CRMBULK_UI_BENCH_XLSX") != "1" {
				b.Skip("the 100,000-row XLSX takes about 10 s to write and upload: set CRMBULK_UI_BENCH_XLSX=1 to run it")
			}
			path := files[kind]()
			s := benchServer(b)
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			body, ctype := multipartBody(b, "file", filepath.Base(path), data)
			start := time.Now()
			res, out := s.do(b, http.MethodPost, "/api/import/upload", ctype, body)
			if res.StatusCode != http.StatusOK {
				b.Fatalf("upload: %d %.300s", res.StatusCode, out)
			}
			b.Logf("%s of %d rows (%d MB): upload, guess and first rows in %s", kind, benchRows, len(data)>>20, time.Since(start).Round(time.Millisecond))
			var view fileView
			mustJSON(b, out, &view)
			docs := [2][]byte{}
			for i, field := range []string{"invoice_fullname", "invoice_company"} {
				d := view.Doc
				d.Fields = append([]docField(nil), view.Doc.Fields...)
				remap(&d, "Nazwa", field)
				docs[i] = mustMarshal(b, d)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				res, out := s.do(b, http.MethodPost, "/api/import/preview", "application/json", docs[i%2])
				if res.StatusCode != http.StatusOK {
					b.Fatalf("preview: %d %s", res.StatusCode, out)
				}
				var p previewView
				if err := json.Unmarshal(out, &p); err != nil || len(p.Rows) != previewRows {
					b.Fatalf("preview: %v, %d rows", err, len(p.Rows))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// benchShopRows is n rows like shopRows, each a different person.
func benchShopRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		r := append([]string(nil), shopRows[i%len(shopRows)]...)
		r[0] = fmt.Sprintf("%s %d", r[0], i)
		r[1] = fmt.Sprintf("klient%d@example.pl", i)
		rows[i] = r
	}
	return rows
}

// benchServer is a testServer for a benchmark (no sandbox client).
func benchServer(b *testing.B) *testServer {
	b.Helper()
	_, endpoint := sandboxtest.New(b, sandboxConfig())
	srv, err := New(Config{
		NewAPI: func(tok baselinker.Token) (*baselinker.API, error) {
			return baselinker.New(endpoint, tok, baselinker.WithLimiter(pacer.New(100000)))
		},
		Token: sandboxtest.DefaultToken, TokenFrom: TokenFromEnv, WorkDir: b.TempDir(),
	})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	return &testServer{srv: srv, ts: ts, endpoint: endpoint}
}

// reportLines is the size of the report the report view's benchmark pages through.
const reportLines = 50_000

// BenchmarkReportPage measures one page of 100 lines of a run's report of
// 50,000 lines, as the page asks for it (the whole HTTP request): pages
// from the start to the end in turn, all lines or one status. The report
// is a dry run's of a 50,000-row file, written once outside the timing.
func BenchmarkReportPage(b *testing.B) {
	s := benchServer(b)
	input := filepath.Join(b.TempDir(), "klienci.csv")
	if err := os.WriteFile(input, []byte(clientsText(reportLines)), 0o644); err != nil {
		b.Fatal(err)
	}
	api, err := s.srv.cfg.NewAPI(sandboxtest.DefaultToken)
	if err != nil {
		b.Fatal(err)
	}
	rec := s.srv.sess.runs.start(&runRec{kind: kindImport, input: input, report: importReport(input)},
		func(ctx context.Context, ev run.Printer) (run.Summary, error) {
			_, err := importer.Run(ctx, api, input, importer.Config{DryRun: true, Report: importReport(input), StateDir: b.TempDir(), Events: ev})
			return run.Summary{}, err
		})
	<-rec.done
	if st := rec.hub.state(); st.State != stateDone {
		b.Fatalf("the run that writes the report: %s %s", st.State, st.Error)
	}
	for _, status := range []string{"", "created"} {
		b.Run("status="+status, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				path := fmt.Sprintf("/api/runs/%s/report?limit=100&offset=%d&status=%s", rec.id, i*100%reportLines, status)
				res, out := s.do(b, http.MethodGet, path, "", nil)
				var p reportPage
				if res.StatusCode != http.StatusOK || json.Unmarshal(out, &p) != nil || len(p.Lines) != 100 || p.Matched != reportLines {
					b.Fatalf("%s: %d %.300s", path, res.StatusCode, out)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkFirstLoad measures the page's first load in a fresh headless
// Chromium (a profile of its own each time: no cache, no cookie), from the
// address crmbulk ui prints (the key traded for the cookie, the redirect)
// to the session's state drawn. It reports, from the navigation's own
// timing, the ms to the load event (load-ms), to /api/session's answer
// (session-ms) and the KB transferred, as means over b.N loads; Chromium's
// start is outside the timing. It skips where Chromium is missing, as the
// browser tests do. TestFirstLoad checks what is not a clock.
func BenchmarkFirstLoad(b *testing.B) {
	exe := chromiumPath(b)
	sb, endpoint := sandboxtest.New(b, sandboxConfig())
	srv, base := pageServer(b, endpoint, true)
	addr := strings.TrimPrefix(base, "http://")
	var load, session, kb float64
	b.StopTimer()
	for range b.N {
		ctx, stop := openChromium(b, exe, browserOptions{})
		e := &uiEnv{t: b, ctx: ctx, sandbox: sb, endpoint: endpoint, srv: srv, base: base, step: 20 * time.Second}
		b.StartTimer()
		e.run(chromedp.Navigate(srv.URL(addr)), chromedp.WaitReady(chromedp.CSS("#main")))
		m := measureFirstLoad(e)
		b.StopTimer()
		stop()
		if m.Foreign != "" || m.Session <= 0 || m.Load <= 0 {
			b.Fatalf("the first load is not one: %+v", m)
		}
		load, session, kb = load+m.Load, session+m.Session, kb+float64(m.Bytes)/1024
	}
	n := float64(b.N)
	b.ReportMetric(load/n, "load-ms")
	b.ReportMetric(session/n, "session-ms")
	b.ReportMetric(kb/n, "KB")
}
