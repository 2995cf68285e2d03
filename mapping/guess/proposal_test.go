package guess_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/mapping"
	"github.com/crmbulk/crmbulk/mapping/guess"
)

// roundTrip checks a proposal's YAML both ways: the mapping loader reads
// back what the model says (fields, columns, match_by, source), and the
// YAML library reads it into nodes — comments included — that write the
// same bytes again.
func roundTrip(t *testing.T, p guess.Proposal, header []string) {
	t.Helper()
	out := p.YAML()
	if len(p.Columns) > 0 {
		m, err := mapping.Parse("proposal.yaml", out)
		if err != nil {
			t.Fatalf("the proposal does not load: %v\n%s", err, out)
		}
		var fields []string
		for _, l := range p.Columns {
			fields = append(fields, l.Field)
		}
		if got := m.Fields(); !slices.Equal(got, fields) {
			t.Errorf("loaded fields %v, the model's %v\n%s", got, fields, out)
		}
		var keys []string
		if p.MatchBy != nil {
			keys = p.MatchBy.Values
		}
		if !slices.Equal(m.MatchBy, keys) {
			t.Errorf("loaded match_by %v, the model's %v", m.MatchBy, keys)
		}
		for _, s := range p.Source {
			if s.Key == "sheet" && m.Source.Sheet != s.Values[0] || s.Key == "encoding" && m.Source.Encoding != s.Values[0] {
				t.Errorf("loaded source %+v, the model's %s %v", m.Source, s.Key, s.Values)
			}
		}
		if _, err := m.Bind(header); err != nil {
			t.Errorf("the proposal does not bind to its header: %v\n%s", err, out)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("YAML does not read the proposal: %v\n%s", err, out)
	}
	again := guess.WriteNode(&doc)
	if !bytes.Equal(again, out) {
		t.Errorf("read back and written again, the proposal changed:\n%s\n---\n%s", out, again)
	}
	// The comments are the nodes': the library finds the field comments
	// on their values.
	if len(p.Columns) > 0 && !strings.Contains(out2comments(&doc), p.Columns[0].Comment[:min(20, len(p.Columns[0].Comment))]) {
		t.Errorf("the first field's comment is not on a node")
	}
}

// out2comments collects every comment of a node tree.
func out2comments(n *yaml.Node) string {
	s := n.HeadComment + "\n" + n.LineComment + "\n" + n.FootComment + "\n"
	for _, c := range n.Content {
		s += out2comments(c)
	}
	return s
}

func TestProposalRoundTrip(t *testing.T) {
	headers := [][]string{
		{"Imię", "Nazwisko", "Firma", "NIP", "Ulica", "Kod pocztowy", "Miejscowość", "Kraj", "Telefon", "E-mail", "Uwagi"},
		{"crm_client_id", "email", "status_name", "invoice_fullname"},
		{"Foo", "Bar"},
		{"Na\"me", "E-mail\nline", "City: \"x\" # not a comment", "Tel'", "\ufeffPhone", "yes", "true"},
		{"E-mail 1 - Value", "E-mail 2 - Value", "Phone 1 - Value", "Country"},
	}
	flows := 0
	srcs := []guess.Source{{}, {File: "data file.csv", Encoding: "windows-1250", EncodingDetected: true, Delimiter: '\t', Sheet: "Arkusz 1", HeaderRow: 3}}
	for _, h := range headers {
		for i, src := range srcs {
			var rows [][]string
			if i == 1 { // values that split a cell and veto names
				rows = [][]string{{"a@b.pl ::: c@d.pl", "x@y.pl", "+48 601 234 567", "Polska"}}
			}
			r := guess.Header(h, rows)
			p := r.Proposal(src)
			roundTrip(t, p, h)
			if bytes.Contains(p.YAML(), []byte("{ template: ")) || bytes.Contains(p.YAML(), []byte("split: ")) {
				flows++
			}
		}
	}
	if flows < 2 {
		t.Errorf("%d proposals with a template or a split: the flow mappings are not round-tripped", flows)
	}
}

// TestProposalIsAModel: a program changes the model, and the file says it.
func TestProposalIsAModel(t *testing.T) {
	h := []string{"E-mail", "Telefon", "Kraj"}
	p := guess.Header(h, nil).Proposal(guess.Source{})
	p.Columns = slices.DeleteFunc(p.Columns, func(l guess.FieldLine) bool { return l.Field == "phone" })
	p.Columns[0].Comment = "checked by hand"
	p.MatchBy = nil
	out := string(p.YAML())
	if strings.Contains(out, "phone:") || strings.Contains(out, "match_by:") || !strings.Contains(out, "# checked by hand") {
		t.Errorf("the edited model is not what was written:\n%s", out)
	}
	roundTrip(t, p, h)
}
