package undo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/sandbox"
)

// heldCreates holds each create before it goes, as the limiter holds a
// request through a block, and notes when the last one went.
type heldCreates struct {
	*baselinker.API
	hold    time.Duration
	went    time.Time
	journal string // read once the create is answered (a clean end removes it)
	seen    []byte
}

func (a *heldCreates) AddCrmClientResult(ctx context.Context, f baselinker.ClientFields) (baselinker.Added, error) {
	if f.ID != 0 {
		return a.API.AddCrmClientResult(ctx, f)
	}
	time.Sleep(a.hold)
	a.went = time.Now()
	added, err := a.API.AddCrmClientResult(ctx, f)
	a.seen, _ = os.ReadFile(a.journal)
	return added, err
}

// TestUndoJournalDatesACreateByItsTry: an undo of an undo re-creates a
// client; its journal holds, after the send, a "try" dated when the
// request went out — after whatever held it — for a resume counts the
// create's land-by from that (run.ReadJournal takes the latest try as the
// send's time). Dated by the send alone, a create held longer than
// --request-timeout looked landed at once, and a resume sent it again.
func TestUndoJournalDatesACreateByItsTry(t *testing.T) {
	_, base := newAPI(t, sandbox.Config{Seed: 14, Clients: 3})
	ctx := context.Background()
	report := importRows(t, base, t.TempDir(), "try@undo.example,+48 2,Hel")
	undone, err := Run(ctx, base, report, Config{})
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again.csv")
	api := &heldCreates{API: base, hold: 300 * time.Millisecond, journal: journalPath(again)}
	if _, err := Run(ctx, api, undone.Report, Config{Report: again, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	var send, try int64
	for sc := bufio.NewScanner(bytes.NewReader(api.seen)); sc.Scan(); {
		var e struct {
			Ev  string `json:"ev"`
			Op  string `json:"op"`
			Row int    `json:"row"`
			At  int64  `json:"at_ms"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Row != 2 {
			continue
		}
		switch {
		case e.Ev == "send" && e.Op == "create":
			send = e.At
		case e.Ev == "try":
			try = e.At
		}
	}
	went := api.went.Truncate(time.Millisecond).UnixMilli()
	if send == 0 || try < went || try-send < api.hold.Milliseconds() {
		t.Errorf("row 2's create: send at %d, try at %d, went at %d; want a try at or after it went, %s after the send",
			send, try, went, api.hold)
	}
}
