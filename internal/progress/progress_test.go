package progress

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestLogThrottlesToInterval(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	now := time.Unix(0, 0)
	l := NewLog(logger, 5*time.Second, func() time.Time { return now })
	l.Start("export", 1000, "clients")
	for i := 0; i < 100; i++ { // 100 adds over 10 simulated seconds
		now = now.Add(100 * time.Millisecond)
		l.Add(10)
	}
	l.Describe("pages 10")
	l.Finish()
	lines := strings.Count(buf.String(), "\n")
	// start + one line at 5 s + one at 10 s + finish.
	if lines != 4 {
		t.Fatalf("got %d log lines, want 4:\n%s", lines, buf.String())
	}
	if !strings.Contains(buf.String(), "done=1000") || !strings.Contains(buf.String(), `detail="pages 10"`) {
		t.Errorf("final line lacks count or detail:\n%s", buf.String())
	}
}

func TestBarWritesToItsWriter(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, 80)
	b.Start("import", 10, "rows")
	b.Describe("created 5")
	time.Sleep(150 * time.Millisecond) // past the redraw throttle
	b.Add(5)
	b.Finish()
	if !strings.Contains(buf.String(), "5/10") || !strings.Contains(buf.String(), "created 5") {
		t.Errorf("bar output lacks the count: %q", buf.String())
	}
}

// TestBarWriteClearsTheLine: a log line written while the bar runs starts
// on a cleared line, never glued onto the bar.
func TestBarWriteClearsTheLine(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, 80)
	b.Start("import", 10, "rows")
	b.Add(3)
	b.Describe("created 3")
	if _, err := b.Write([]byte("time=… level=WARN msg=\"the token is blocked\"\n")); err != nil {
		t.Fatal(err)
	}
	b.Finish()
	out := buf.String()
	i := strings.Index(out, "time=…")
	if i < 1 || out[i-1] != '\r' {
		t.Errorf("the log line does not start on a cleared line: %q", out)
	}
}

// TestWaitsAreSaidWithoutProgress (issue 20, item 8): while nothing is
// done — a block, say — the bar shows why, first, and its countdown moves
// as the run says the wait again (run's Aggregator does every second; its
// drawer sets the wait, then the words, and the words draw both), and
// the log says the wait when it begins and again only once an interval has
// passed, though no unit is added.
func TestWaitsAreSaidWithoutProgress(t *testing.T) {
	var bar bytes.Buffer
	b := NewBar(&bar, 160)
	b.Start("import", 10, "rows")
	b.Describe("created 0")
	for _, left := range []string{"300", "299"} {
		b.Wait("blocked until 14:05:12 (" + left + "s left)")
		b.Describe("created 0")
	}
	b.Finish()
	if s := bar.String(); !strings.Contains(s, "(300s left) · created 0") || !strings.Contains(s, "(299s left) · created 0") {
		t.Errorf("the bar did not redraw the wait:\n%q", s)
	}

	var buf bytes.Buffer
	now := time.Unix(0, 0)
	l := NewLog(slog.New(slog.NewTextHandler(&buf, nil)), 5*time.Second, func() time.Time { return now })
	l.Start("export", -1, "clients")
	for i := range 7 { // a wait said every second for 7 seconds: logged at 0 s and 5 s
		l.Wait(fmt.Sprintf("blocked until 14:05:12 (%ds left)", 300-i))
		now = now.Add(time.Second)
	}
	l.Wait("")
	l.Wait("blocked until 14:06:00 (40s left)") // a new wait: said at once
	l.Finish()
	s := buf.String()
	if !strings.Contains(s, `msg="export: waiting: blocked until 14:05:12 (300s left)"`) || !strings.Contains(s, "done=0") ||
		!strings.Contains(s, "(295s left)") || strings.Count(s, "waiting:") != 3 || !strings.Contains(s, "(40s left)") {
		t.Errorf("the log did not say the wait when it began and every interval:\n%s", s)
	}
}

// TestBarFitsItsLine: the description is cut to what the terminal's line
// has beside the bar, so that a long wait never wraps the bar onto lines
// of its own.
func TestBarFitsItsLine(t *testing.T) {
	b := &Bar{width: 80, barWidth: 15}
	if got := b.describeLocked(strings.Repeat("x", 200)); utf8.RuneCountInString(got) != 80-15-barChrome || !strings.HasSuffix(got, "…") {
		t.Errorf("a 200-character detail on an 80-column line: %d characters %q", utf8.RuneCountInString(got), got)
	}
}
