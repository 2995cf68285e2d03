package progress

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
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
	var n Nop
	n.Start("x", 1, "y")
	n.Add(1)
	n.Finish()
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

// syncBuf is a bytes.Buffer safe for the bar's ticker and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWaitsAreSaidWithoutProgress (issue 20, item 8): while nothing is
// done — a block, say — the bar shows why and its countdown moves, and the
// log says the wait when it begins, though no unit is added.
func TestWaitsAreSaidWithoutProgress(t *testing.T) {
	var left atomic.Int64
	left.Store(300)
	waiting := func() string {
		if n := left.Add(-1); n > 0 {
			return fmt.Sprintf("blocked until 14:05:12 (%ds left)", n)
		}
		return ""
	}
	var bar syncBuf
	b := NewBar(&bar, 160)
	b.SetWaiting(waiting)
	b.Start("import", 10, "rows")
	b.Describe("created 0")
	time.Sleep(2300 * time.Millisecond)
	b.Finish()
	if s := bar.String(); !strings.Contains(s, "s left) · created 0") || strings.Count(s, "blocked until") < 2 {
		t.Errorf("the bar did not redraw the wait:\n%q", s)
	}

	var buf syncBuf
	l := NewLog(slog.New(slog.NewTextHandler(&buf, nil)), time.Hour, nil)
	l.SetWaiting(waiting)
	l.Start("export", -1, "clients")
	time.Sleep(1200 * time.Millisecond)
	l.Finish()
	if s := buf.String(); !strings.Contains(s, `msg="export: waiting: blocked until 14:05:12 (`) || !strings.Contains(s, "done=0") {
		t.Errorf("the log did not say the wait:\n%s", s)
	}
}

// TestBarFitsItsLine: the description is cut to what the terminal's line
// has beside the bar, so that a long wait never wraps the bar onto lines
// of its own.
func TestBarFitsItsLine(t *testing.T) {
	b := &Bar{width: 80, barWidth: 15, detail: strings.Repeat("x", 200)}
	if got := b.describeLocked(); utf8.RuneCountInString(got) != 80-15-barChrome || !strings.HasSuffix(got, "…") {
		t.Errorf("a 200-character detail on an 80-column line: %d characters %q", utf8.RuneCountInString(got), got)
	}
}
