package proof

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// hostileAnswers echo the token back in every place an answer has: fields
// that fail to decode, error texts, escapes, HTML, a long body.
func hostileAnswers(tok string) []string {
	esc := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	return []string{
		`{"status":"SUCCESS","clients":[{"crm_client_id":1,"star":"` + tok + `"}]}`,
		`{"status":"SUCCESS","crm_client_id":"` + tok + `"}`,
		`{"status":"SUCCESS","clients":"` + tok + `"}`,
		`{"status":"ERROR","error_code":"` + tok + `","error_message":"bad ` + tok + `"}`,
		`{"status":"ERROR","error_code":"ERROR_X","error_message":"` + esc(tok) + `"}`,
		`{"status":"` + esc(tok) + `"}`,
		`<html>` + strings.Repeat("x", 30) + url.QueryEscape(tok) + `</html>`,
		strings.Repeat("y", 25) + tok + strings.Repeat("z", 200),
		`{"status":"SUCCESS","crm_client_id":5,"warnings":["` + tok + `"]}`,
		// Issue 20: altered echoes — halves, a %-escape and a \u escape, an
		// HTML entity, a zero-width space, a 20-character prefix in a warning.
		`{"status":"ERROR","error_code":"ERROR_X","error_message":"` + tok[:len(tok)/2] + ` / ` + tok[len(tok)/2:] + `"}`,
		`{"status":"ERROR","error_code":"ERROR_X","error_message":"` + tok[:4] + fmt.Sprintf("%%%02X", tok[4]) + tok[5:11] + esc(tok[11:12]) + tok[12:] + `"}`,
		`<html>` + tok[:9] + fmt.Sprintf("&#x%x;", tok[9]) + tok[10:] + `</html>`,
		`{"status":"ERROR","error_code":"ERROR_X","error_message":"` + tok[:12] + "\u200b" + tok[12:] + `"}`,
		`{"status":"SUCCESS","crm_client_id":6,"warnings":["cut to ` + tok[:20] + `"]}`,
	}
}

// TestHostileServerEchoesToken (issue 14, part 5): against a server that
// echoes the token in every answer, nothing crmbulk writes — standard
// output and error, the report, the journal, the export — holds the token
// or an 8-character piece of it.
func TestHostileServerEchoesToken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	tok := sandboxtest.DefaultToken
	answers := hostileAnswers(tok)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if i%5 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write([]byte(answers[int(i)%len(answers)]))
	}))
	defer srv.Close()
	dir := noKeyDir(t, uniqueRows(genInput(5, 30)))
	runs := [][]string{
		// --request-timeout: a create whose answer is garbage is looked up
		// only this long after its send (the server answers at once).
		{"import", "data.csv", "--mapping", "m.yaml", "--report", "r.csv", "--rate", crashRate, "--no-progress", "--log-format", "json", "--log-level", "debug", "--request-timeout", "1s"},
		{"import", "data.csv", "--mapping", "m.yaml", "--report", "r2.csv", "--rate", crashRate, "--no-progress", "--match-by", "email", "--request-timeout", "1s"},
		{"export", "--out", "out.csv", "--rate", crashRate, "--no-progress", "--with-details"},
	}
	var printed bytes.Buffer
	for _, args := range runs {
		res := runBin(t, dir, srv.URL, args...)
		printed.WriteString(res.stdout + res.stderr)
		t.Logf("crmbulk %s: exit %d\n%s", args[0], res.code, res.stderr)
	}
	leaks := func(where string, b []byte) {
		for i := 0; i+8 <= len(tok); i++ {
			if bytes.Contains(b, []byte(tok[i:i+8])) {
				t.Errorf("%s holds a piece of the token (%q…)", where, tok[i:i+3])
				return
			}
		}
	}
	leaks("the output", printed.Bytes())
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			leaks(p, b)
		}
		return nil
	})
	if n.Load() < int64(len(answers)) {
		t.Errorf("only %d requests: not every hostile answer was seen", n.Load())
	}
	t.Logf("%d hostile answers, %d bytes printed", n.Load(), printed.Len())
}
