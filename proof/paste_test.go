package proof

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// awkward is in every file and folder name of the paste proofs: spaces,
// both quotes, a $ that names a variable, a backtick command and Polish
// letters — nothing of it may reach a shell unquoted.
const awkward = `nowi klienci $HOME 'O"Brien' ` + "`id`" + ` zażółć`

// paster runs crmbulk the way an ops person does: typed into sh (the
// first command names its files through variables, so that its quoting is
// not the code under test), then pastes every command it prints back into
// sh -c, word for word.
type paster struct {
	t        *testing.T
	dir, url string
	path     string // PATH, with crmbulk on it
}

func newPaster(t *testing.T, url string) *paster {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh here")
	}
	tools := t.TempDir()
	if err := os.Symlink(bin(t), filepath.Join(tools, "crmbulk")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ops "+awkward)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &paster{t: t, dir: dir, url: url, path: tools + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// cmd is line for sh -c, in the paster's folder, with the sandbox's URL and
// token in the environment and vars set (F=…).
func (p *paster) cmd(ctx context.Context, line string, vars ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "sh", "-c", line)
	c.Dir = p.dir
	c.Env = append(os.Environ(), "PATH="+p.path, "BASELINKER_TOKEN="+sandboxtest.DefaultToken, "BASELINKER_API_URL="+p.url,
		"CRMBULK_STATE_DIR="+filepath.Join(p.dir, ".state"), "NO_COLOR=1", "TERM=dumb")
	c.Env = append(c.Env, vars...)
	return c
}

// sh runs line to its end.
func (p *paster) sh(line string, vars ...string) result {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := p.cmd(ctx, line, vars...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	_ = c.Run()
	r := result{code: c.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
	if strings.Contains(r.stdout+r.stderr, sandboxtest.DefaultToken) {
		p.t.Errorf("%s printed the token", line)
	}
	return r
}

// paste runs a printed command as printed and checks its exit code.
func (p *paster) paste(line string, want ...int) result {
	p.t.Helper()
	r := p.sh(line)
	for _, w := range want {
		if r.code == w {
			p.t.Logf("pasted (exit %d): %s", r.code, line)
			return r
		}
	}
	p.t.Fatalf("pasted %s\nexit %d, want %v\n%s%s", line, r.code, want, r.stdout, r.stderr)
	return r
}

// printed returns the commands in out: the lines crmbulk prints on their
// own, two spaces in, starting with the program.
func printed(out, prog string) []string {
	var cmds []string
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "  "+prog+" "); ok {
			cmds = append(cmds, prog+" "+rest)
		}
	}
	return cmds
}

// one returns the printed command that contains every part.
func one(t *testing.T, out string, parts ...string) string {
	t.Helper()
	for _, c := range printed(out, "crmbulk") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(c, p)
		}
		if ok {
			return c
		}
	}
	t.Fatalf("no printed command with %q in:\n%s", parts, out)
	return ""
}

// files of the paste proofs: the input and the mappings, awkwardly named.
var (
	pasteInput   = awkward + ".csv"
	pasteMapping = "mapping " + awkward + ".yaml"
	pasteNoKey   = "no key " + awkward + ".yaml"
)

func (p *paster) writeInputs(rows []genRow) {
	writeInput(p.t, p.dir, pasteInput, rows)
	writeFile(p.t, p.dir, pasteMapping, mappingYAML)
	writeFile(p.t, p.dir, pasteNoKey, strings.Replace(mappingYAML, "match_by: email\n", "", 1))
}

var pasteVars = []string{"F=" + pasteInput, "M=" + pasteMapping, "N=" + pasteNoKey}

func validKeys(rows []genRow) map[string]bool {
	keys := map[string]bool{}
	for _, r := range rows {
		if r.valid {
			keys[r.key] = true
		}
	}
	return keys
}

// TestPastedCommandsAfterAFinishedImport: the undo a finished import
// prints undoes it; the three ways out of a refused re-run each do what
// they say — continue (nothing sent again), match (a dry run: nothing
// sent), again (every client created once more).
func TestPastedCommandsAfterAFinishedImport(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Limit: 50000, Seed: 5, Clients: 20})
	p := newPaster(t, url)
	rows := uniqueRows(genInput(crashSeed(t), 30)) // a repeated row is planned once (SAME_AS_ROW): unique rows keep the count plain
	p.writeInputs(rows)
	n := 0 // without a match key every valid row creates a client
	for _, r := range rows {
		if r.valid {
			n++
		}
	}

	first := p.sh(`crmbulk --no-progress --rate 40000 import "$F" --mapping "$N"`, pasteVars...)
	if first.code != 0 && first.code != 1 || srv.Stats().Creates != n {
		t.Fatalf("import: exit %d, %d creates, want %d\n%s", first.code, srv.Stats().Creates, n, first.stderr)
	}
	undo := one(t, first.stderr, " undo ")
	p.paste(undo, 0)
	if got := len(srv.Clients()); got != 20 || srv.Stats().Deletes != n {
		t.Fatalf("after the pasted undo: %d clients, %d deletes; want the 20 seeded, %d deletes", got, srv.Stats().Deletes, n)
	}

	again := p.sh(`crmbulk --no-progress --rate 40000 import "$F" --mapping "$N"`, pasteVars...)
	if again.code != 2 || srv.Stats().Creates != n {
		t.Fatalf("re-run without a key: exit %d, %d creates; want 2 and nothing sent\n%s", again.code, srv.Stats().Creates, again.stderr)
	}
	if cmds := printed(again.stderr, "crmbulk"); len(cmds) != 3 {
		t.Fatalf("the refused re-run printed %d commands, want 3:\n%s", len(cmds), again.stderr)
	}
	p.paste(one(t, again.stderr, "--resume "), 0, 1)
	p.paste(one(t, again.stderr, "--match-by email --dry-run"), 0, 1)
	if srv.Stats().Creates != n {
		t.Fatalf("continuing the run or its dry run sent %d creates", srv.Stats().Creates-n)
	}
	p.paste(one(t, again.stderr, "--again"), 0, 1)
	if srv.Stats().Creates != 2*n {
		t.Fatalf("--again made %d clients, want %d", srv.Stats().Creates-n, n)
	}
}

// TestPastedCommandsAfterAnInterruptAndABlock: the command an interrupted
// import prints finishes it, and so does the one an import stopped by a
// block longer than --max-wait prints, once the block is over — every
// valid row's client exactly once.
func TestPastedCommandsAfterAnInterruptAndABlock(t *testing.T) {
	rows := genInput(crashSeed(t)+1, 40)
	t.Run("interrupt", func(t *testing.T) {
		srv, url := sandboxtest.New(t, sandbox.Config{Limit: 50000, Latency: 40 * time.Millisecond, Seed: 5, Clients: 20})
		p := newPaster(t, url)
		p.writeInputs(rows)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c := p.cmd(ctx, `exec crmbulk --no-progress --rate 40000 import "$F" --mapping "$M" --workers 1`, pasteVars...)
		var errb bytes.Buffer
		c.Stderr = &errb
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(600 * time.Millisecond)
		_ = c.Process.Signal(syscall.SIGINT)
		_ = c.Wait()
		if code := c.ProcessState.ExitCode(); code != 130 || strings.Contains(errb.String(), "context canceled") {
			t.Fatalf("interrupted import: exit %d, want 130 said in words\n%s", code, errb.String())
		}
		p.paste(one(t, errb.String(), "--resume "), 0, 1)
		checkOnce(t, srv, rows)
	})
	t.Run("block", func(t *testing.T) {
		srv, url := sandboxtest.New(t, sandbox.Config{Limit: 50000, Seed: 5, Clients: 20, AccountBlockAfter: 15, AccountBlockFor: 3 * time.Second})
		p := newPaster(t, url)
		p.writeInputs(rows)
		r := p.sh(`crmbulk --no-progress --rate 40000 --max-wait 1s import "$F" --mapping "$M" --workers 1`, pasteVars...)
		if r.code != 2 {
			t.Fatalf("import into a block: exit %d, want 2\n%s", r.code, r.stderr)
		}
		time.Sleep(3 * time.Second) // the block ends
		p.paste(one(t, r.stderr, "--resume "), 0, 1)
		checkOnce(t, srv, rows)
	})
}

// TestPastedUndoResume: an undo stopped by Ctrl-C prints the command that
// finishes it; pasted, every client the import made is gone, none twice.
func TestPastedUndoResume(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Limit: 50000, Latency: 40 * time.Millisecond, Seed: 5, Clients: 20})
	p := newPaster(t, url)
	rows := genInput(crashSeed(t)+3, 30)
	p.writeInputs(rows)
	if r := p.sh(`crmbulk --no-progress --rate 40000 import "$F" --mapping "$M"`, pasteVars...); r.code != 0 && r.code != 1 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := p.cmd(ctx, `exec crmbulk --no-progress --rate 40000 undo "$R" --yes --workers 1`, "R="+awkward+".report.csv")
	var errb bytes.Buffer
	c.Stderr = &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	_ = c.Process.Signal(syscall.SIGINT)
	_ = c.Wait()
	if code := c.ProcessState.ExitCode(); code != 130 || srv.Stats().Deletes == 0 || len(srv.Clients()) == 20 {
		t.Fatalf("interrupted undo: exit %d, %d deletes, %d clients; want 130 part way\n%s", code, srv.Stats().Deletes, len(srv.Clients()), errb.String())
	}
	p.paste(one(t, errb.String(), "--resume "), 0)
	if n, d := len(srv.Clients()), srv.Stats().Deletes; n != 20 || d != len(validKeys(rows)) {
		t.Errorf("after the pasted resume: %d clients, %d deletes; want the 20 seeded, %d deletes", n, d, len(validKeys(rows)))
	}
}

// checkOnce: every valid row's client is in the sandbox exactly once.
func checkOnce(t *testing.T, srv *sandbox.Server, rows []genRow) {
	t.Helper()
	count := map[string]int{}
	for _, c := range srv.Clients() {
		count[strings.ToLower(c.Email)]++
	}
	for k := range validKeys(rows) {
		if count[k] != 1 {
			t.Errorf("%s: %d clients, want 1", k, count[k])
		}
	}
}

// TestPastedCommandsAfterARefusal: a resume refused (its report proves
// nothing) prints the import with a match key instead, which finishes
// the import; a swapped file and mapping prints the command the right way
// round, which runs — here by ./crmbulk, as the user typed it.
func TestPastedCommandsAfterARefusal(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Limit: 50000, Seed: 5, Clients: 20})
	p := newPaster(t, url)
	rows := genInput(crashSeed(t)+2, 20)
	p.writeInputs(rows)
	header := "row,status,crm_client_id,error_code,error_message,match_key,column,changes,warnings,note,input_sha256,account\n"
	writeFile(t, p.dir, "empty "+awkward+".report.csv", header)
	r := p.sh(`crmbulk --no-progress import "$F" --mapping "$N" --resume "$E"`, append(pasteVars, "E=empty "+awkward+".report.csv")...)
	if r.code != 2 || srv.Stats().Creates != 0 {
		t.Fatalf("resume from a report without lines: exit %d, %d creates; want 2, nothing sent\n%s", r.code, srv.Stats().Creates, r.stderr)
	}
	p.paste(one(t, r.stderr, "--match-by email"), 0, 1)
	checkOnce(t, srv, rows)

	// --resume of that report with another file (the same rows saved again,
	// so its input_sha256 differs): refused, nothing sent; the printed
	// import of the other file without --resume runs and, by the mapping's
	// key, makes nobody twice.
	b, err := os.ReadFile(filepath.Join(p.dir, pasteInput))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p.dir, "again "+pasteInput, string(b)+"\n")
	before := srv.Stats().Requests
	r = p.sh(`crmbulk --no-progress import "$O" --mapping "$M" --resume "$R"`, append(pasteVars, "O=again "+pasteInput, "R="+awkward+".report.csv")...)
	if r.code != 2 || srv.Stats().Requests != before {
		t.Fatalf("resume of another file's report: exit %d, %d requests; want 2, none\n%s", r.code, srv.Stats().Requests-before, r.stderr)
	}
	p.paste(one(t, r.stderr, "again "), 0, 1)
	checkOnce(t, srv, rows)

	if err := os.Symlink(bin(t), filepath.Join(p.dir, "crmbulk")); err != nil {
		t.Fatal(err)
	}
	p.path = os.Getenv("PATH") // crmbulk is not on PATH: ./crmbulk is how it runs
	r = p.sh(`./crmbulk --no-progress import "$M" --mapping "$F" --dry-run`, pasteVars...)
	var fixed string
	for _, c := range printed(r.stderr, "./crmbulk") {
		fixed = c
	}
	if r.code != 2 || fixed == "" {
		t.Fatalf("swapped: exit %d, want 2 and the command the right way round, as ./crmbulk\n%s", r.code, r.stderr)
	}
	res := p.paste(fixed, 0, 1)
	if !strings.Contains(res.stderr, "dry run (nothing sent)") {
		t.Errorf("the pasted command is not the dry run of the file:\n%s", res.stderr)
	}
}

// TestPastedExportResume: an export --with-details stopped by a block
// longer than --max-wait prints the command that continues it from the
// details kept; pasted once the block is over, it writes the file.
func TestPastedExportResume(t *testing.T) {
	srv, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 80, AccountBlockAfter: 30, AccountBlockFor: 3 * time.Second})
	p := newPaster(t, url)
	r := p.sh(`crmbulk --no-progress --rate-window 1s --max-wait 1s export --out "$O" --with-details`, "O=clients "+awkward+".xlsx")
	if r.code != 2 {
		t.Fatalf("export into a block: exit %d, want 2\n%s", r.code, r.stderr)
	}
	before := srv.Stats().ByMethod["getCrmClientData"]
	time.Sleep(3 * time.Second)
	res := p.paste(one(t, r.stderr, "--resume"), 0)
	if !strings.Contains(res.stderr, "reused from the interrupted run") || srv.Stats().ByMethod["getCrmClientData"]-before >= 80 {
		t.Errorf("the pasted resume read every client again:\n%s", res.stderr)
	}
	if _, err := os.Stat(filepath.Join(p.dir, "clients "+awkward+".xlsx")); err != nil {
		t.Errorf("no export: %v", err)
	}
	ents, _ := os.ReadDir(p.dir)
	for _, e := range ents {
		if n := e.Name(); n != "clients "+awkward+".xlsx" && n != ".state" {
			t.Errorf("left behind after the export: %s", n)
		}
	}
}

// TestPastedDemoKeepCommands: demo --keep, in a folder no shell takes
// unquoted, prints commands that do what the demo says when pasted.
func TestPastedDemoKeepCommands(t *testing.T) {
	p := newPaster(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := p.cmd(ctx, `exec crmbulk --no-progress demo --keep --clients 40 --dir "$D"`, "D=demo "+awkward)
	pr, pw := io.Pipe()
	c.Stdout = pw
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var cmds []string
	sc := bufio.NewScanner(pr)
	for len(cmds) < 3 && sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "  crmbulk "); ok {
			cmds = append(cmds, "crmbulk "+rest)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(cmds) != 3 {
		t.Fatalf("demo --keep printed %d commands", len(cmds))
	}
	p.paste(cmds[0], 0) // export
	if _, err := os.Stat(filepath.Join(p.dir, "demo "+awkward, "again.xlsx")); err != nil {
		t.Errorf("the pasted export wrote no again.xlsx: %v", err)
	}
	p.paste(cmds[1], 1) // the import's dry run: one row invalid on purpose
	if res := p.paste(cmds[2], 0); !strings.Contains(res.stderr, "deleted") {
		t.Errorf("the pasted undo deleted nothing:\n%s", res.stderr)
	}
	_ = c.Process.Signal(syscall.SIGINT)
	_ = c.Wait()
	_ = pw.Close()
	if code := c.ProcessState.ExitCode(); code != 0 {
		t.Errorf("demo --keep after SIGINT: exit %d", code)
	}
}

// TestPastedExportStartOver: --resume over details kept by another export
// (other filters) is refused with the command that starts over, which
// runs when pasted.
func TestPastedExportStartOver(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 80, AccountBlockAfter: 30, AccountBlockFor: 2 * time.Second})
	p := newPaster(t, url)
	out := "O=clients " + awkward + ".xlsx"
	if r := p.sh(`crmbulk --no-progress --rate-window 1s --max-wait 1s export --out "$O" --with-details`, out); r.code != 2 {
		t.Fatalf("export into a block: exit %d, want 2\n%s", r.code, r.stderr)
	}
	time.Sleep(2 * time.Second)
	r := p.sh(`crmbulk --no-progress --rate-window 1s export --out "$O" --with-details --resume --filter email=@`, out)
	if r.code != 2 {
		t.Fatalf("resume with other filters: exit %d, want 2\n%s", r.code, r.stderr)
	}
	start := one(t, r.stderr, "--filter email=@")
	if strings.Contains(start, "--resume") {
		t.Fatalf("the command to start over resumes: %s", start)
	}
	p.paste(start, 0)
	if _, err := os.Stat(filepath.Join(p.dir, "clients "+awkward+".xlsx")); err != nil {
		t.Errorf("no export: %v", err)
	}
}

// TestPastedListExportResume: --resume of an export without notes or
// extra fields (nothing kept to go on from) is refused with the command
// without it, which runs when pasted.
func TestPastedListExportResume(t *testing.T) {
	_, url := sandboxtest.New(t, sandbox.Config{Seed: 4, Clients: 30})
	p := newPaster(t, url)
	r := p.sh(`crmbulk --no-progress export --out "$O" --columns crm_client_id,email --resume`, "O=clients "+awkward+".csv")
	if r.code != 2 || !strings.Contains(r.stderr, "run it without --resume") {
		t.Fatalf("--resume of a list export: exit %d, want 2 and the command without --resume\n%s", r.code, r.stderr)
	}
	again := one(t, r.stderr, "--columns crm_client_id,email")
	if strings.Contains(again, "--resume") {
		t.Fatalf("the command to run instead resumes: %s", again)
	}
	if res := p.paste(again, 0); !strings.Contains(res.stderr, "exported 30 clients") {
		t.Errorf("the pasted command exported no clients:\n%s", res.stderr)
	}
}
