package exporter

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// newAPI returns a client of the sandbox at url pacing at limit per window
// (limit 0: effectively unpaced), with short retry pauses.
func newAPI(t testing.TB, url string, limit int, window time.Duration, token string) *baselinker.API {
	t.Helper()
	if limit == 0 {
		limit, window = 1_000_000, time.Minute
	}
	if token == "" {
		token = sandboxtest.DefaultToken
	}
	lim := pacer.New(limit, pacer.WithWindow(window), pacer.WithMargin(window/5))
	api, err := baselinker.New(url, baselinker.Token(token), baselinker.WithLimiter(lim),
		baselinker.WithRetry(pacer.Backoff{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// capsConfig is cfg with everything api offers the exporter, as the
// command gives it.
func capsConfig(api *baselinker.API, cfg Config) Config {
	cfg.Capabilities = CapabilitiesOf(api)
	return cfg
}

// exportTo runs a whole export into path (or stdout for "-").
func exportTo(t testing.TB, api API, oo OutputOptions, cfg Config) (Summary, error) {
	t.Helper()
	out, err := OpenOutput(oo)
	if err != nil {
		return Summary{}, err
	}
	e, err := New(api, cfg)
	if err != nil {
		_ = out.Abort()
		return Summary{}, err
	}
	sum, err := e.Run(context.Background(), out.Opener())
	if err != nil {
		if aerr := out.Abort(); aerr != nil {
			t.Errorf("abort: %v", aerr)
		}
		return sum, err
	}
	return sum, out.Commit()
}

// readBack reads an exported file: the header and every row.
func readBack(t testing.TB, path string) ([]string, [][]string) {
	t.Helper()
	return readBackDelim(t, path, ',')
}

func csvOpt(delim rune) sheet.CSVWriterOptions { return sheet.CSVWriterOptions{Delimiter: delim} }

func readBackDelim(t testing.TB, path string, delim rune) ([]string, [][]string) {
	t.Helper()
	r, err := sheet.Open(path, sheet.Options{UnguardFormulas: true, Delimiter: delim}) // as an import reads it
	if errors.Is(err, sheet.ErrNoRows) {
		return nil, nil // a header alone
	}
	if err != nil {
		t.Fatalf("reading back %s: %v", path, err)
	}
	defer r.Close()
	h := append([]string(nil), r.Header()...)
	var rows [][]string
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading back %s: %v", path, err)
		}
		rows = append(rows, append([]string(nil), row.Cells...))
	}
	return h, rows
}

// checkRows asserts that rows hold every client of want exactly once, each
// cell equal to the client's field (by header name).
func checkRows(t testing.TB, h []string, rows [][]string, want []baselinker.Client, statuses map[int64]string) {
	t.Helper()
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}
	byID := map[string]baselinker.Client{}
	for _, c := range want {
		id, _ := c.Get("crm_client_id")
		byID[id] = c
	}
	idCol := -1
	for i, name := range h {
		if name == "crm_client_id" {
			idCol = i
		}
	}
	if idCol < 0 {
		t.Fatalf("no crm_client_id column in %q", h)
	}
	seen := map[string]bool{}
	bad := 0
	for n, r := range rows {
		id := r[idCol]
		if seen[id] {
			t.Errorf("row %d: client %s written twice", n+2, id)
		}
		seen[id] = true
		c, ok := byID[id]
		if !ok {
			t.Errorf("row %d: client %s is not in the sandbox", n+2, id)
			continue
		}
		for i, name := range h {
			var want string
			switch {
			case name == StatusNameColumn:
				want = statuses[int64(c.StatusID)]
			case strings.HasPrefix(name, baselinker.ExtraColumnPrefix):
				id, _ := baselinker.ParseExtraColumn(name)
				want = c.CustomExtraFields[id]
			default:
				want, _ = c.Get(name)
			}
			if r[i] != want && bad < 10 {
				bad++
				t.Errorf("client %s, column %s: got %q, want %q", id, name, r[i], want)
			}
		}
	}
}

// asRead is what reading path back should give for clients: CSV turns a
// CR LF inside a cell into LF (sheet's documented rule); XLSX keeps it.
func asRead(path string, clients []baselinker.Client) []baselinker.Client {
	if !strings.HasSuffix(path, ".csv") && path != "-" {
		return clients
	}
	out := make([]baselinker.Client, len(clients))
	for i, c := range clients {
		for _, f := range baselinker.Fields() {
			if v, ok := c.Get(f.Name); ok && f.Kind == baselinker.KindText {
				_ = c.Set(f.Name, strings.ReplaceAll(v, "\r\n", "\n"))
			}
		}
		ext := baselinker.ExtraFields{}
		for k, v := range c.CustomExtraFields {
			ext[k] = strings.ReplaceAll(v, "\r\n", "\n")
		}
		c.CustomExtraFields = ext
		out[i] = c
	}
	return out
}

func statusNames(s *sandbox.Server) map[int64]string {
	m := map[int64]string{}
	for _, st := range s.Statuses() {
		m[st.ID] = st.Name
	}
	return m
}

func tmpOut(t testing.TB, name string) string { return filepath.Join(t.TempDir(), name) }
