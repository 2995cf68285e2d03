package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmbulk/crmbulk/sandbox"
)

// TestBrowserExportWrongTokenInPageWords: a token pasted on the page that
// the API refuses ends the export with the page's words — forget the
// token, paste the account's current one — in English and in Polish, and
// never crmbulk's, which send the user to BASELINKER_TOKEN or --token-file.
func TestBrowserExportWrongTokenInPageWords(t *testing.T) {
	e := newBrowserPage(t, browserOptions{noToken: true, sandbox: sandbox.Config{Clients: 3}})
	e.waitVisible("#token-input")
	e.typeText("#token-input", "0123456789abcdef0123456789abcdef-not-the-token")
	e.click("#token-form button[type=submit]")
	e.waitText("#token-status", "pasted here")
	e.click("#tab-export")
	e.click("#exp-start")
	e.waitText("#exp-messages", "The API refused the API token pasted on this page. Click “Forget token” at the top")
	said := e.text("#exp-progress")
	if !strings.Contains(said, "Nothing was saved.") {
		t.Errorf("the export's end does not say nothing was saved:\n%s", said)
	}
	if strings.Contains(said, "--") || strings.Contains(said, "BASELINKER_TOKEN") {
		t.Errorf("the page showed crmbulk's words:\n%s", said)
	}
	e.setSelect("#lang", "pl")
	e.waitText("#exp-messages", "API odrzuciło token API wklejony na tej stronie")
	if said := e.text("#exp-progress"); strings.Contains(said, "--") || !strings.Contains(said, "Nic nie zostało zapisane.") {
		t.Errorf("in Polish the page says:\n%s", said)
	}
	if p := e.screenshot("export-wrong-token"); p != "" {
		if st, err := os.Stat(p); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v, %v", p, st, err)
		}
		t.Logf("screenshot: %s", p)
	}
}

// TestBrowserPlanWrongTokenInPageWords: the plan of an import with a
// pasted token the API refuses says, in the page's error banner, the
// page's words — not crmbulk's, which name --match-by.
func TestBrowserPlanWrongTokenInPageWords(t *testing.T) {
	e := newBrowserPage(t, browserOptions{noToken: true})
	e.waitVisible("#token-input")
	e.typeText("#token-input", "0123456789abcdef0123456789abcdef-not-the-token")
	e.click("#token-form button[type=submit]")
	e.waitText("#token-status", "pasted here")
	input := filepath.Join(t.TempDir(), "klienci.csv")
	if err := os.WriteFile(input, []byte(e2eClients(3, 0)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.upload("#imp-file", input)
	e.waitText("#imp-loaded", "klienci.csv")
	e.click("#imp-plan-btn")
	e.waitText("#error", "The API refused the API token pasted on this page.")
	if said := e.text("#error"); strings.Contains(said, "--") {
		t.Errorf("the banner shows crmbulk's words:\n%s", said)
	}
}
