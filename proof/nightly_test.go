package proof

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/internal/schedule"
	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
	"github.com/crmbulk/crmbulk/sheet"
)

// TestNightlyCronLinePastes: the crontab line internal/schedule writes for
// an export chosen in `crmbulk ui` (a status by its name, two columns, CSV
// for Excel, a file name with a space, $, % and a backtick) runs as cron
// runs it — /bin/sh -c with cron's \% turned back into %, HOME a fresh
// user's, the program at a path with a space — against the sandbox: it
// makes its folders, says nothing cron would mail, and writes exactly the
// sandbox's clients of that status, with those columns.
func TestNightlyCronLinePastes(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Clients: 130, Seed: 5})
	e := schedule.Export{Name: "stali 50% $HOME `id` {date}", Format: schedule.Excel, Rate: 600,
		Filters: []string{"status=Stały klient"}, Columns: []string{"email", "crm_client_id"}}
	prog := filepath.Join(t.TempDir(), "crm bulk", "crmbulk")
	if err := os.MkdirAll(filepath.Dir(prog), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin(t), prog); err != nil {
		t.Fatal(err)
	}
	f, err := schedule.Write(e, schedule.When{Hour: 2, Minute: 15}, schedule.Program{POSIX: prog, Windows: `C:\crmbulk.exe`})
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(f.Crontab, "\n") {
		if strings.HasPrefix(l, "15 2 * * * ") {
			line = strings.ReplaceAll(strings.TrimPrefix(l, "15 2 * * * "), `\%`, "%") // what cron hands sh
		}
	}
	if line == "" {
		t.Fatalf("no line at 02:15 in\n%s", f.Crontab)
	}
	home := t.TempDir()
	tokenFile := filepath.Join(home, ".config/crmbulk/token")
	if err := os.MkdirAll(filepath.Dir(tokenFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tokenFile, []byte(sandboxtest.DefaultToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", line)
	cmd.Dir = home
	cmd.Env = []string{"HOME=" + home, "SHELL=/bin/sh", "PATH=/usr/bin:/bin", "LOGNAME=crmbulk",
		"BASELINKER_API_URL=" + url, "CRMBULK_STATE_DIR=" + filepath.Join(home, "state")}
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		log, _ := os.ReadFile(filepath.Join(home, "crmbulk/export.log"))
		t.Fatalf("the line: %v, and cron would mail %q\n%s\nlog:\n%s", err, out, line, log)
	}

	files, _ := filepath.Glob(filepath.Join(home, "crmbulk/exports/*"))
	day := time.Now().Format("2006-01-02")
	if len(files) != 1 || filepath.Base(files[0]) != "stali 50% $HOME `id` "+day+".csv" {
		t.Fatalf("exports: %q", files)
	}
	r, err := sheet.Open(files[0], sheet.Options{UnguardFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if h := r.Header(); !slices.Equal(h, []string{"email", "crm_client_id"}) {
		t.Errorf("columns %q, want email, crm_client_id", h)
	}
	var got []string
	for {
		row, err := r.Read()
		if err != nil {
			break
		}
		got = append(got, strings.Trim(row.Cells[1], `="`))
	}
	var want []string
	for _, c := range srv.Clients() {
		if c.StatusID == 2 { // "Stały klient" in the seed
			want = append(want, strconv.FormatInt(int64(c.CrmClientID), 10))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("exported %d clients %v, want the %d of status 2: %v", len(got), got, len(want), want)
	}
}
