package proof

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
)

// TestSettleWaitIsLogged: an import against a server that applies each
// create 2 s after it arrives is killed while its creates are in flight
// and resumed at once, without a terminal (--no-progress: the log is the
// only screen). The resume says, before it waits, which rows wait and until
// when, and then, every few seconds while it waits, "settling N in-doubt
// rows: looking them up at HH:MM:SS (in Ns)" ("row: looking it up" for one) with the
// countdown; the time it names is when the wait ends.
func TestSettleWaitIsLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := uniqueRows(genInput(43, 12))
	bin(t)
	dir := noKeyDir(t, rows)
	args := []string{"import", "data.csv", "--mapping", "m.yaml", "--report", "r.csv", "--rate", crashRate,
		"--no-progress", "--workers", "4", "--request-timeout", "8s"}
	// Killed as its 4th create goes: the 4 workers' first creates are in
	// flight, none answered (each takes 2 s).
	srv, url := killOnRequest(t, dir, sandbox.Config{Limit: 50000, CommitAfter: 2 * time.Second, Seed: 6, Clients: 5}, "addCrmClient", 4, args...)
	start := time.Now()
	res := runBin(t, dir, url, append(args, "--resume", "r.csv")...)
	took := time.Since(start)
	if res.code > 1 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "may land until") {
		t.Fatalf("the resume did not say it waits for the killed run's creates\n%s", res.stderr)
	}
	said := regexp.MustCompile(`msg="import: waiting: settling (\d+) in-doubt rows?: looking (?:it|them) up at (\d\d:\d\d:\d\d) \(in (\d+)s\)"`).
		FindAllStringSubmatch(res.stderr, -1)
	if len(said) < 2 {
		t.Fatalf("the settle wait was logged %d times in a wait of about %s, want at its start and again while it lasts\n%s", len(said), took.Round(time.Second), res.stderr)
	}
	until, err := time.ParseInLocation("15:04:05", said[0][2], time.Local)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	until = time.Date(end.Year(), end.Month(), end.Day(), until.Hour(), until.Minute(), until.Second(), 0, time.Local)
	if d := end.Sub(until); d < -time.Second || d > 5*time.Second {
		t.Errorf("the wait said it ends at %s; the resume ended at %s", said[0][2], end.Format("15:04:05"))
	}
	checkFinished(t, dir+"/r.csv", rows)
	checkOnePerRow(t, srv, rows)
	t.Logf("the resume took %s; first said: %q", took.Round(time.Millisecond), said[0][0])
}
