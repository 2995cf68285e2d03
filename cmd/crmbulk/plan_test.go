package main

import (
	"bufio"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/internal/iostreams"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// TestDryRunPlanOutput: --format json prints every report line as a JSON
// line on standard output, with each change's before and after; on a
// terminal the first rows of the plan follow the run on standard error.
func TestDryRunPlanOutput(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 1, Clients: 5})
	in := writeInput(t, "in.csv", "email,phone,invoice_country_code",
		"new@example.com,'+48 600 100 200,Polska", // a create, a text mark, a country name
		"new@example.com,+48 600 100 201,PL",      // an update of the client row 2 creates
		"bad@example.com,,Atlantis")               // invalid
	ios, _, out, errOut := iostreams.Test()
	ios.SetStderrTTY(true)
	env := map[string]string{"BASELINKER_TOKEN": sandboxtest.DefaultToken, "BASELINKER_API_URL": url}
	report := filepath.Join(t.TempDir(), "r.csv")
	code := runWith(context.Background(), []string{"import", in, "--match-by", "email", "--dry-run", "--format", "json", "--report", report},
		ios, func(k string) string { return env[k] })
	if code != 1 {
		t.Fatalf("exit %d, want 1 (an invalid row)\n%s", code, errOut)
	}
	var lines []planLine
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var l planLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 3 || lines[0].Status != "created" || lines[1].Status != "updated" || lines[2].Status != "invalid" {
		t.Fatalf("plan lines %+v", lines)
	}
	if c := lines[1].Changes; len(c) != 1 || c[0].Field != "phone" || c[0].Before == nil || *c[0].Before != "+48 600 100 200" || c[0].After != "+48 600 100 201" {
		t.Errorf("row 3's changes %+v, want phone before → after", c)
	}
	if w := lines[0].Warnings; !strings.Contains(w, "text mark removed") || !strings.Contains(w, "Polska → PL") {
		t.Errorf("row 2's warnings %q: want the text mark and the country name said", w)
	}
	for _, want := range []string{"plan, the first 3 of 3 rows", "row 2 created: email", "row 4 invalid: use a two-letter code",
		"would update 1 clients: phone 1", "values changed on the way in: country → ISO code 1, text mark removed 1"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// planLine is a report line as --format json prints it (run.Line's JSON),
// as a script reads it.
type planLine struct {
	Row      int          `json:"row"`
	Status   string       `json:"status"`
	ID       int64        `json:"crm_client_id,omitempty"`
	Changes  []planChange `json:"changes,omitempty"`
	Code     string       `json:"error_code,omitempty"`
	Message  string       `json:"error_message,omitempty"`
	MatchKey string       `json:"match_key,omitempty"`
	Warnings string       `json:"warnings,omitempty"`
	Note     string       `json:"note,omitempty"`
}

type planChange struct {
	Field      string  `json:"field"`
	Before     *string `json:"before,omitempty"`
	After      string  `json:"after"`
	Why        string  `json:"not_compared,omitempty"`
	BeforeName string  `json:"before_name,omitempty"`
	AfterName  string  `json:"after_name,omitempty"`
}
