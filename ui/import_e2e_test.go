package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// unlabelledControls lists (as JavaScript gives it) the page's visible
// form controls that have no accessible name: no <label>, aria-label or
// text.
const unlabelledControls = `[...document.querySelectorAll('input, select, button, textarea, summary')]
	.filter((c) => c.offsetParent !== null && !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
	.map((c) => c.outerHTML.slice(0, 80)).join(' | ')`

// TestImportE2E imports a Polish shop's XLSX in headless Chromium, as a
// person would: the guess takes "Nazwa" (people's names) for the company;
// the person chooses invoice_fullname in its drop-down; the preview then
// shows the names under invoice_fullname and the misspelt country on its
// cell with the fix; the plan counts 2 new clients, 1 update (the name,
// before → after) and 1 invalid row, and filters its lines; the sandbox
// is untouched (a dry run). Screenshots: import-mapping, import-plan.
func TestImportE2E(t *testing.T) {
	e := newBrowserPage(t, browserOptions{viewport: [2]int64{1366, 900}})
	existingAnna(t, e.endpoint)
	xlsx := writeShopXLSX(t, t.TempDir(), shopHeader, shopRows)

	e.upload("#imp-file", xlsx)
	e.waitText("#imp-loaded", "klienci-sklep.xlsx: 9 columns")
	if got := e.value("#map-field-0"); got != "invoice_company" {
		t.Fatalf("the guess maps Nazwa to %q; this test wants the guess's wrong invoice_company", got)
	}
	e.waitText("#imp-preview thead", "invoice_company")
	if got := e.text("#imp-preview tbody tr:nth-child(3)"); !strings.Contains(got, "Polaska") {
		t.Errorf("the preview's row 4 does not show the misspelt country: %q", got)
	}

	// With the keyboard, as a person without a mouse: focus the drop-down,
	// type the field's name.
	e.run(chromedp.Focus(chromedp.CSS("#map-field-0")), chromedp.KeyEvent("invoice_fu"))
	e.waitText("#imp-preview thead", "invoice_fullname")
	if got := e.value("#map-field-0"); got != "invoice_fullname" {
		t.Fatalf("typing in the drop-down chose %q", got)
	}
	if focused, _ := e.eval(`document.activeElement.id`); focused != "map-field-0" {
		t.Errorf("after the change the focus is on %q, not the drop-down", focused)
	}
	// Tab on: the table is drawn again (the reason says the person chose
	// it) and the focus is where Tab took it.
	e.run(chromedp.KeyEvent(kb.Tab))
	e.waitText("#imp-mapping tbody tr:nth-child(1) td.why", "chosen by hand")
	if focused, _ := e.eval(`document.activeElement.id`); focused != "tr-sum-0" {
		t.Errorf("after Tab the focus is on %q, not the next control (tr-sum-0)", focused)
	}
	head := e.text("#imp-preview thead")
	if strings.Contains(head, "invoice_company") {
		t.Errorf("the preview still has invoice_company after the remap: %q", head)
	}
	row2 := e.text("#imp-preview tbody tr:nth-child(1)")
	if !strings.Contains(row2, "Anna Kwiatkowska") || !strings.Contains(row2, "PL") {
		t.Errorf("row 2 of the preview: %q", row2)
	}
	bad := e.text("#imp-preview tbody tr:nth-child(3) td.bad")
	if !strings.Contains(bad, "Polaska") {
		t.Errorf("the misspelt country is not highlighted in its cell: %q", bad)
	}
	e.screenshot("import-mapping")

	e.click("#imp-plan-btn")
	e.waitText("#imp-plan-counts", "created")
	counts := e.text("#imp-plan-counts")
	for _, want := range []string{"created: 2", "updated: 1", "invalid: 1"} {
		if !strings.Contains(counts, want) {
			t.Errorf("plan counts %q lack %q", counts, want)
		}
	}
	if got := e.text("#imp-plan-fields tr[data-field=invoice_fullname]"); !strings.Contains(got, "2") || !strings.Contains(got, "1") {
		t.Errorf("plan by field, invoice_fullname: %q", got)
	}
	e.waitText("#imp-plan-lines tbody", "A. Kwiatkowska")
	e.setSelect("#plan-status", "updated")
	e.waitText("#imp-plan-matched", "1 lines match")
	if got := e.text("#imp-plan-lines tbody"); !strings.Contains(got, `"A. Kwiatkowska" → "Anna Kwiatkowska"`) {
		t.Errorf("the update's before → after: %q", got)
	}
	e.setSelect("#plan-status", "")
	e.waitText("#imp-plan-matched", "4 lines match")
	e.screenshot("import-plan")
	// A change of the mapping after the plan says the plan is the old one's.
	e.setSelect("#map-field-8", "")
	e.waitText("#imp-plan-stale", "make the plan again")
	if unnamed, _ := e.eval(unlabelledControls); unnamed != "" {
		t.Errorf("controls without an accessible name: %s", unnamed)
	}
	if n := len(e.sandbox.Clients()); n != 1 {
		t.Errorf("the sandbox holds %d clients after the plan, want 1 (a dry run writes nothing)", n)
	}
}

// TestImportE2EPolish: a browser whose language is Polish gets the page
// in Polish, the plan's statuses and filters included.
func TestImportE2EPolish(t *testing.T) {
	e := newBrowserPage(t, browserOptions{lang: "pl-PL"})
	e.upload("#imp-file", writeShopXLSX(t, t.TempDir(), shopHeader, shopRows))
	e.waitText("#imp-loaded", "kolumn 9")
	e.waitText("#imp-mapping thead", "Pierwsze wartości")
	e.waitText("#imp-preview thead", "Werdykt")
	e.click("#imp-plan-btn")
	e.waitText("#imp-plan-counts", "utworzony: 3")
	for sel, want := range map[string]string{"#imp-plan": "Przyczyna zawiera", "#imp-plan-lines": "Przed → po", "#tab-run": "Uruchomienie", "#token-status": "Token API"} {
		if got := e.text(sel); !strings.Contains(got, want) {
			t.Errorf("%s says %q, want %q", sel, got, want)
		}
	}
}
