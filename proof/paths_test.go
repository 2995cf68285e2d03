package proof

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinksRefused (issue 14, part 2): a --report that is a symbolic or
// hard link to the input is refused before anything is sent, and the
// input is unchanged; a lock file planted as a link makes the export stop
// rather than create a file where the link points.
func TestLinksRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	rows := genInput(4, 20)
	for _, kind := range []string{"symlink", "hardlink"} {
		t.Run("report is a "+kind+" to the input", func(t *testing.T) {
			srv, url := crashSandbox(t)
			dir := crashDir(t, rows)
			in := filepath.Join(dir, "data.csv")
			before, _ := os.ReadFile(in)
			link := filepath.Join(dir, "r.csv")
			var err error
			if kind == "symlink" {
				err = os.Symlink("data.csv", link)
			} else {
				err = os.Link(in, link)
			}
			if err != nil {
				t.Fatal(err)
			}
			res := runBin(t, dir, url, importArgs("r.csv")...)
			if res.code != 2 || !strings.Contains(res.stderr, "input file") {
				t.Errorf("exit %d, want 2 naming the input\n%s", res.code, res.stderr)
			}
			if after, _ := os.ReadFile(in); string(after) != string(before) {
				t.Error("the input was overwritten")
			}
			if n := srv.Stats().Requests; n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
	t.Run("planted lock link", func(t *testing.T) {
		_, url := crashSandbox(t)
		dir := t.TempDir()
		target := filepath.Join(dir, "elsewhere")
		if err := os.Symlink(target, filepath.Join(dir, ".out.csv.lock")); err != nil {
			t.Fatal(err)
		}
		res := runBin(t, dir, url, "export", "--out", "out.csv", "--no-progress")
		if res.code != 2 || !strings.Contains(res.stderr, "symbolic link") {
			t.Errorf("exit %d, want 2 naming the link\n%s", res.code, res.stderr)
		}
		if _, err := os.Lstat(target); err == nil {
			t.Error("a file was created where the planted link points")
		}
	})
	t.Run("report path is a planted link elsewhere", func(t *testing.T) {
		srv, url := crashSandbox(t)
		dir := crashDir(t, rows)
		victim := filepath.Join(dir, "victim.txt")
		if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(victim, filepath.Join(dir, "r.csv")); err != nil {
			t.Fatal(err)
		}
		res := runBin(t, dir, url, importArgs("r.csv")...)
		if res.code != 2 || !strings.Contains(res.stderr, "symbolic link") {
			t.Errorf("exit %d, want 2 naming the link\n%s", res.code, res.stderr)
		}
		if n := srv.Stats().Requests; n != 0 {
			t.Errorf("%d requests before the link was refused", n)
		}
		if b, _ := os.ReadFile(victim); string(b) != "precious" {
			t.Errorf("the link's target was written: %q", b)
		}
	})
}
