package proof

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The input attacks (issue 14, parts 3, 4 and 6): inputs read whole or
// not at all, hostile files refused in bounded memory, no blocking open.

// measureEnv, set, makes this test binary a measuring parent (TestMain):
// it runs the command in its arguments, passes its exit code on and
// writes the command's peak RSS to the file the variable names.
const measureEnv = "CRMBULK_PROOF_MEASURE_RSS"

// measured makes cmd run under a measuring parent, so that its peak RSS
// is its own: a child started by this test process would be charged with
// this process's peak, since Linux counts the memory a child shares until
// its exec (os/exec starts children with vfork) — under -race, and after
// the tests that write large files, that is this process's 170 MB and more.
// The returned func reads the peak, in KB, once cmd has ended.
func measured(t *testing.T, cmd *exec.Cmd) (peakKB func() int64) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "rss")
	cmd.Args = append([]string{self, cmd.Path}, cmd.Args[1:]...)
	cmd.Path = self
	cmd.Env = append(cmd.Environ(), measureEnv+"="+out)
	return func() int64 {
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("the measuring parent wrote no peak: %v", err)
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatalf("the measuring parent wrote %q: %v", b, err)
		}
		return kb
	}
}

// measureChild is the measuring parent: args are the command, out the file
// its peak RSS (KB) goes to; the return value is its exit code.
func measureChild(out string, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, measureEnv+"=") })
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "measuring parent:", err)
		return 125
	}
	var kb int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		kb = ru.Maxrss
	}
	if err := os.WriteFile(out, []byte(strconv.FormatInt(kb, 10)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "measuring parent:", err)
		return 125
	}
	return cmd.ProcessState.ExitCode()
}

// TestHostileInputsBounded: a 100 MB line, a row of a million cells and a
// 100 MB mapping file are refused with exit 2, nothing sent, under a
// memory ceiling (peak RSS well below the file's size).
func TestHostileInputsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	srv, url := crashSandbox(t)
	dir := t.TempDir()
	// (written a MB at a time: the child's peak RSS must not count ours,
	// which a fork starts it with)
	write := func(name, head string, fill byte, mb int, tail string) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.WriteString(head)
		chunk := bytes.Repeat([]byte{fill}, 1<<20)
		for range mb {
			_, _ = f.Write(chunk)
		}
		_, _ = f.WriteString(tail)
		_ = f.Close()
	}
	write("line.csv", "email,notes\na@example.com,\"", 'x', 100, "\"\n")
	write("cols.csv", "email\n", ',', 1, "\n")
	write("ok.csv", "email\na@example.com\n", 0, 0, "")
	write("big.yaml", "columns:\n  email: email\n# ", 'y', 100, "\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"100 MB line", []string{"import", "line.csv", "--no-progress"}, "a row of more than 1 MB"},
		{"million cells", []string{"import", "cols.csv", "--no-progress"}, "delimiters"},
		{"100 MB mapping", []string{"import", "ok.csv", "--mapping", "big.yaml", "--no-progress"}, "larger than 256 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := command(t.Context(), t, dir, url, tc.args...)
			peak := measured(t, cmd)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d, want 2 saying %q\n%s", code, tc.want, errb.String())
			}
			if rss := peak(); rss > 150<<10 {
				t.Errorf("peak RSS %d MB for a refused file", rss>>10)
			} else {
				t.Logf("peak RSS %d MB", rss>>10)
			}
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests for refused inputs", n)
	}
}

// TestInputsReadWholeOrNotAtAll: a damaged XLSX is refused before any
// request; a FIFO as the input or the token file is refused at once (a
// signal would otherwise wait for a writer that never comes).
func TestInputsReadWholeOrNotAtAll(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	srv, url := crashSandbox(t)
	dir := t.TempDir()
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"email"})
	for i := 2; i <= 101; i++ {
		_ = f.SetSheetRow("Sheet1", "A"+itoa(i), &[]any{"c" + itoa(i) + "@example.com"})
	}
	good := filepath.Join(dir, "good.xlsx")
	if err := f.SaveAs(good); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	if err := os.WriteFile(filepath.Join(dir, "cut.xlsx"), b[:len(b)-200], 0o644); err != nil { // the end of the archive is gone
		t.Fatal(err)
	}
	res := runBin(t, dir, url, "import", "cut.xlsx", "--no-progress")
	if res.code != 2 {
		t.Errorf("a cut XLSX: exit %d\n%s", res.code, res.stderr)
	}
	for _, name := range []string{"in.fifo", "token.fifo"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Skip("no FIFOs:", err)
		}
	}
	for _, args := range [][]string{{"import", "in.fifo", "--no-progress"}, {"--token-file", "token.fifo", "export", "--out", "x.csv"}} {
		start := time.Now()
		res := runBin(t, dir, url, args...)
		if res.code != 2 || !strings.Contains(res.stderr, "FIFO") || time.Since(start) > 10*time.Second {
			t.Errorf("%v: exit %d after %s, want 2 at once naming the FIFO\n%s", args, res.code, time.Since(start), res.stderr)
		}
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests", n)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
