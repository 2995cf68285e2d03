package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crmbulk/crmbulk/sandbox"
	"github.com/crmbulk/crmbulk/sandbox/sandboxtest"
)

// The READMEs' commands are run as an operator runs them: from the folder
// of a release archive (built like goreleaser builds it, unpacked with tar
// into an empty folder), as an unprivileged user whose home folder and
// crmbulk's state folder hold nothing yet, in one shell session per
// document, line after line, against a sandbox. Each line's output is
// checked, not only its exit code. A line of a command block that is
// neither checked nor listed in notRunHere (with the reason) fails the test.

// docLine is one command line of a fenced block of a document.
type docLine struct {
	doc, lang, text string
	num             int // the line number in doc
}

// commandLines returns every line of the sh and powershell blocks of the
// given documents (comments and blank lines left out, a line ending in a
// backslash joined with the next). Every fenced block must name its
// language; only sh and powershell blocks hold commands.
func commandLines(t *testing.T, docs ...string) []docLine {
	t.Helper()
	var lines []docLine
	for _, doc := range docs {
		b, err := os.ReadFile(filepath.Join("../..", doc))
		if err != nil {
			t.Fatal(err)
		}
		lang, inBlock, cont := "", false, ""
		sc := bufio.NewScanner(bytes.NewReader(b))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if fence, ok := strings.CutPrefix(line, "```"); ok {
				if inBlock {
					inBlock = false
					continue
				}
				inBlock, lang = true, strings.TrimSpace(fence)
				if lang == "" {
					t.Errorf("%s:%d: a fenced block without a language: write ```sh for commands (this test runs them), ```text for output", doc, n)
				}
				continue
			}
			if !inBlock || (lang != "sh" && lang != "powershell") {
				continue
			}
			if i := strings.Index(line, " #"); i >= 0 && strings.Count(line[:i], "'")%2 == 0 && strings.Count(line[:i], `"`)%2 == 0 {
				line = line[:i] // a comment, not a # inside quotes
			}
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "#") {
				continue
			}
			if joined, ok := strings.CutSuffix(line, "\\"); ok {
				cont += strings.TrimSpace(joined) + " "
				continue
			}
			line, cont = cont+line, ""
			if line != "" {
				lines = append(lines, docLine{doc: doc, lang: lang, text: line, num: n})
			}
		}
	}
	return lines
}

// notRunHere: the command lines of README.md and samples/README.md, and
// the alternatives in the schedule samples' comments, that the tests
// cannot run here, and why. Every other line runs.
var notRunHere = map[string]string{
	`Expand-Archive .\crmbulk_1.0.0_windows_amd64.zip -DestinationPath C:\crmbulk`: "Windows PowerShell",
	`cd C:\crmbulk\crmbulk_1.0.0_windows_amd64`:                                    "Windows PowerShell",
	`.\crmbulk.exe demo`:                        "Windows PowerShell",
	`tar xzf crmbulk_1.0.0_darwin_arm64.tar.gz`: "a macOS archive of a released version; the test unpacks the archive it builds for this machine the same way (tar xzf crmbulk_VERSION_linux_ARCH.tar.gz in an empty folder), and TestReadmeArchiveNamesAreBuilt checks the names against .goreleaser.yaml",
	`cd crmbulk_1.0.0_darwin_arm64`:             "the folder of that macOS archive; the lines after it run in the folder of the archive built here",
	`go run ./cmd/crmbulk demo`:                 "a developer's command, for a clone of the repository (the archive has no Go sources); TestDemo runs the demo",
	`crmbulk ui`:                                "a web page that runs until stopped and opens a browser; TestUICommand starts it (--no-browser), opens the address it prints and stops it",
	`go test ./...`:                             "a developer's command, for a clone of the repository; CI runs it (.ci/run)",
	`go run github.com/goreleaser/goreleaser/v2@v2.15.1 release --snapshot --clean`:                                                                                                                                "a release from a clone; CI runs goreleaser check and build (.ci/run)",
	`docker build -t crmbulk:1.0.0 --build-arg VERSION=1.0.0 --build-arg COMMIT=$(git rev-parse HEAD) .`:                                                                                                           "no Docker daemon here; .ci/run runs the Dockerfile's go build line as written",
	`docker run --rm -v "$PWD/token:/run/secrets/crmbulk/token:ro" -v "$PWD/exports:/exports" crmbulk:1.0.0 --token-file /run/secrets/crmbulk/token --log-format json export --out '/exports/clients-{date}.xlsx'`: "no Docker daemon here; TestSampleSchedulesWorkTheFirstNight runs the image's command (the Kubernetes sample) with the same arguments",
	// The alternatives in the schedule samples' comments.
	`mkdir -p "$HOME/crmbulk/exports" && mkdir -p -m 1777 /var/tmp/crmbulk || exit 1; docker run --rm --user "$(id -u):$(id -g)" -e CRMBULK_STATE_DIR=/var/tmp/crmbulk -v /var/tmp/crmbulk:/var/tmp/crmbulk -v "$HOME/.config/crmbulk/token:/run/secrets/crmbulk/token:ro" -v "$HOME/crmbulk/exports:/exports" crmbulk:1.0.0 --token-file /run/secrets/crmbulk/token --rate 60 --no-progress --log-format json export --out '/exports/clients-{date}.xlsx' >>"$HOME/crmbulk/export.log" 2>&1 || echo "crmbulk export failed with exit $?"`: "the crontab's container alternative: no Docker daemon here; the image's command runs in the Kubernetes case of TestSampleSchedulesWorkTheFirstNight",
	`/usr/bin/docker run --rm -e CRMBULK_STATE_DIR=/var/tmp/crmbulk -v /var/tmp/crmbulk:/var/tmp/crmbulk -v %d/token:/run/secrets/crmbulk/token:ro -v /var/lib/crmbulk/exports:/exports crmbulk:1.0.0 --token-file /run/secrets/crmbulk/token --rate 60 --log-format json --no-progress export --out /exports/clients-{date}.xlsx`:                                                                                                                                                                                                         "the systemd unit's container alternative: no Docker daemon here; the image's command runs in the Kubernetes case of TestSampleSchedulesWorkTheFirstNight",
}

// lineCheck is what a command line must do: its exit code and what its
// standard output and error must match (regular expressions; "" = empty).
type lineCheck struct {
	exit        int
	stdout      string
	stderr      string
	files       []string // files (globs) in the working folder it must have made
	fileHas     string   // what the last of files must hold
	waitForPort bool     // a server started in the background: wait until it listens
}

var (
	exported   = `crmbulk: exported \d+ clients \(`
	dryRunPlan = `dry run \(nothing sent\): 15 rows: created 14, updated 0, unchanged 0, invalid 1, failed 0, (?:conflict 0, )?skipped 0`
)

// readmeChecks: what each command line of README.md and samples/README.md
// that runs here must do, in the documents' order in one shell session.
var readmeChecks = map[string]lineCheck{
	// README.md
	`./crmbulk demo`: {stdout: `(?s)sandbox with 350 clients.*Files are in `, stderr: `(?s)exported 350 clients.*crmbulk import: 15 rows: created 14`},
	`mkdir -p ~/.local/bin && cp crmbulk ~/.local/bin/`:                                                                                        {},
	`export PATH="$HOME/.local/bin:$PATH"`:                                                                                                     {},
	`./crmbulk --token-file token.txt export --out base-clients.xlsx`:                                                                          {stderr: exported + `.*→ base-clients\.xlsx\n$`, files: []string{"base-clients.xlsx"}},
	`export BASELINKER_TOKEN='…'`:                                                                                                              {},
	`crmbulk --token-file ~/.config/crmbulk/token export --out 'clients-{date}.xlsx'`:                                                          {stderr: exported + `.*→ clients-\d{4}-\d\d-\d\d\.xlsx\n$`, files: []string{"clients-2*.xlsx"}},
	`./crmbulk sandbox --token 3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y --clients 100 --latency 200ms --jitter 50ms &`:                          {waitForPort: true},
	`export BASELINKER_TOKEN=3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y BASELINKER_API_URL=http://127.0.0.1:8080/connector.php`:                   {},
	`crmbulk export --out clients.xlsx`:                                                                                                        {stderr: `crmbulk: exported 100 clients \(\d pages.*→ clients\.xlsx\n$`, files: []string{"clients.xlsx"}},
	`crmbulk export --out 'backup/clients-{date}.csv' --excel --delimiter ';'`:                                                                 {stderr: `(?s)created the folder backup.*exported 100 clients`, files: []string{"backup/clients-2*.csv"}, fileHas: `^\x{FEFF}crm_client_id;(?s:.*);"=""\+48 `},
	`crmbulk export --out - --filter status_id=2 --columns crm_client_id,email,invoice_city`:                                                   {stdout: `^crm_client_id,email,invoice_city\r?\n\d+,`, stderr: `exported \d+ clients`},
	`crmbulk import samples/shopify/customers_export.csv --mapping samples/shopify/mapping.yaml --dry-run --report shopify.dry-run.report.csv`: {exit: 1, stderr: `(?s)` + dryRunPlan + `.*report shopify\.dry-run\.report\.csv`, files: []string{"shopify.dry-run.report.csv"}},
	`crmbulk import samples/shopify/customers_export.csv --mapping samples/shopify/mapping.yaml --report shopify.report.csv`:                   {exit: 1, stderr: `(?s)crmbulk import: 15 rows: created 14, updated 0, unchanged 0, invalid 1.*report shopify\.report\.csv`, files: []string{"shopify.report.csv"}},
	`crmbulk import clients.csv --mapping shop.yaml --match-by email`:                                                                          {exit: 1, stderr: `15 rows: created 0, updated 4, unchanged 10, invalid 1`, files: []string{"clients.report.csv"}},
	`crmbulk import clients.csv --mapping shop.yaml --match-by email --resume clients.report.csv`:                                              {exit: 1, stderr: `15 rows: created 0, updated 4, unchanged 10, invalid 1`},
	`crmbulk import clients.csv --mapping shop.yaml --match-by email --dry-run`:                                                                {exit: 1, stderr: `15 rows: created 0, updated 4, unchanged 10, invalid 1`},
	`crmbulk undo clients.report.csv --yes`:                                                                                                    {exit: 1, stderr: `(?s)crmbulk undo: 15 lines: conflict 4, unchanged 11.*report clients\.report\.undo\.csv.*--compare-notes reads it`, files: []string{"clients.report.undo.csv"}},
	`crmbulk undo --list clients.csv`:                                                                                                          {stdout: `(?s)^records of clients\.report\.csv, newest first:\n  clients\.report\.csv  [^\n]*15 lines: updated 4, unchanged 10, invalid 1;[^\n]*\n  clients\.report\.\d{4}-\d\d-\d\d_\d{6}\.csv  .*give one of these paths to crmbulk undo`},
	`crmbulk --rate 50 export --out clients.xlsx --force`:                                                                                      {stderr: exported + `.*→ clients\.xlsx\n$`},
	`crmbulk --log-format json --token-file ~/.config/crmbulk/token export --out 'exports/clients-{date}.xlsx'`:                                {stderr: `(?s)^\{.*"msg":"export finished".*\}\n$`, files: []string{"exports/clients-2*.xlsx"}},
	// samples/README.md
	`./crmbulk sandbox --token 3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y --clients 350 --seed 1 &`:                                                 {waitForPort: true},
	`./crmbulk import samples/shopify/customers_export.csv --mapping samples/shopify/mapping.yaml --dry-run --report shopify.dry-run.report.csv`: {exit: 1, stderr: `(?s)` + dryRunPlan + `.*report shopify\.dry-run\.report\.csv`, files: []string{"shopify.dry-run.report.csv"}},
	`./crmbulk mapping init samples/google/contacts.csv > my-mapping.yaml`:                                                                       {files: []string{"my-mapping.yaml"}, fileHas: `(?m)^match_by: email(?s:.*)^columns:`},
}

// readmeToken is the sandbox token the READMEs use.
const readmeToken = "3000001-3000002-SANDBOXDEMO7Q4W9E2R5T8Y"

// TestReadmeCommands runs every command line of README.md and
// samples/README.md, as written, from an unpacked release archive, as an
// unprivileged user on a first night, and checks what each one prints and
// makes. Two things are not as written, and only these: the sandbox's port
// 8080 (which another program may hold) is a free port, in the sandbox
// line (--addr) and in the URL; and before the README starts its own
// sandbox, BASELINKER_API_URL already points at one, so that nothing
// reaches the real API. The files a user brings (the token file, a CSV
// of their own and its mapping) are put where the README names them.
func TestReadmeCommands(t *testing.T) {
	t.Parallel() // most of its time is the README's runs waiting for their share of the limit
	lines := commandLines(t, "README.md", "samples/README.md")
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l.text] = true
		_, skip := notRunHere[l.text]
		_, check := readmeChecks[l.text]
		if skip == check {
			t.Errorf("%s:%d: %q must be in exactly one of readmeChecks (what it must print) and notRunHere (why it cannot run here)", l.doc, l.num, l.text)
		}
	}
	for line := range readmeChecks {
		if !seen[line] {
			t.Errorf("readmeChecks has %q, which no README holds any more", line)
		}
	}
	for _, name := range []string{"crontab", "crmbulk-export.service"} {
		for _, alt := range commentedCommands(t, name) {
			seen[alt] = true
		}
	}
	for line := range notRunHere {
		if !seen[line] {
			t.Errorf("notRunHere has %q, which no README or schedule sample holds any more", line)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	_, url := sandboxtest.New(t, sandbox.Config{Token: readmeToken, Clients: 250, Seed: 7})
	for _, doc := range []string{"README.md", "samples/README.md"} {
		t.Run(doc, func(t *testing.T) {
			a := unpackRelease(t)
			a.userFile(t, filepath.Join(a.dir, "token.txt"), readmeToken+"\n", 0o600)
			a.userFile(t, filepath.Join(a.home, ".config/crmbulk/token"), readmeToken+"\n", 0o600)
			for name, from := range map[string]string{"clients.csv": "shopify/customers_export.csv", "shop.yaml": "shopify/mapping.yaml"} {
				b, err := os.ReadFile(filepath.Join("../../samples", from))
				if err != nil {
					t.Fatal(err)
				}
				a.userFile(t, filepath.Join(a.dir, name), string(b), 0o644)
			}
			samplesBefore := treeListing(t, filepath.Join(a.dir, "samples"))
			port := freePort(t)
			sh := a.shell(t, a.dir, map[string]string{"BASELINKER_API_URL": url})
			for _, l := range lines {
				if l.doc != doc {
					continue
				}
				c, ok := readmeChecks[l.text]
				if !ok {
					continue
				}
				text := strings.ReplaceAll(l.text, "127.0.0.1:8080", "127.0.0.1:"+port)
				if strings.Contains(text, " sandbox ") {
					text = strings.TrimSuffix(text, "&") + "--addr 127.0.0.1:" + port + " &"
				}
				before := treeListing(t, a.dir)
				start := time.Now()
				r := sh.run(t, text)
				t.Logf("%s: %.1f s", text, time.Since(start).Seconds())
				where := fmt.Sprintf("%s:%d: %s", l.doc, l.num, text)
				if r.code != c.exit {
					t.Errorf("%s\nexit %d, want %d\nstdout: %s\nstderr: %s", where, r.code, c.exit, r.stdout, r.stderr)
				}
				matchOutput(t, where, "stdout", r.stdout, c.stdout)
				matchOutput(t, where, "stderr", r.stderr, c.stderr)
				for _, glob := range c.files {
					m, _ := filepath.Glob(filepath.Join(a.dir, glob))
					if len(m) == 0 {
						t.Errorf("%s\nmade no %s (made: %s)", where, glob, newFiles(before, treeListing(t, a.dir)))
					} else if c.fileHas != "" {
						b, _ := os.ReadFile(m[len(m)-1])
						matchOutput(t, where, glob, string(b), c.fileHas)
					}
				}
				if strings.Contains(r.stdout+r.stderr, readmeToken[8:]) {
					t.Errorf("%s\nprinted the token", where)
				}
				if c.waitForPort {
					waitListening(t, "127.0.0.1:"+port)
					// It says so once it listens: maybe a little after.
					if !sh.background(t, "sandbox serving http://127.0.0.1:"+port+"/connector.php\n", 30*time.Second) {
						t.Errorf("%s\nthe sandbox did not say where it serves:\n%s", where, sh.bgOut.String())
					}
				}
			}
			if after := treeListing(t, filepath.Join(a.dir, "samples")); after != samplesBefore {
				t.Errorf("the commands wrote into samples/: %s", newFiles(samplesBefore, after))
			}
		})
	}
}

func matchOutput(t *testing.T, where, name, got, want string) {
	t.Helper()
	if want == "" {
		if got != "" {
			t.Errorf("%s\n%s should be empty, is %q", where, name, got)
		}
		return
	}
	if !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("%s\n%s does not match %s:\n%s", where, name, want, got)
	}
}

// TestReadmeArchiveNamesAreBuilt: every release archive the README names
// is one .goreleaser.yaml builds (its name_template, goos × goarch less
// the ignored pairs, zip for Windows), and the folder it unpacks to is
// the archive's name (wrap_in_directory).
func TestReadmeArchiveNamesAreBuilt(t *testing.T) {
	cfg := goreleaserConfig(t)
	built := map[string]bool{}
	b := cfg.Builds[0]
	for _, goos := range b.Goos {
		for _, arch := range b.Goarch {
			if b.ignored(goos, arch) {
				continue
			}
			name := cfg.archiveName("1.0.0", goos, arch)
			ext := ".tar.gz"
			if goos == "windows" {
				ext = ".zip"
			}
			built[name] = true
			built[name+ext] = true
			built["…"+strings.TrimPrefix(name, "crmbulk_1.0.0")+ext] = true
			built[strings.Replace(name, "1.0.0", "VERSION", 1)+ext] = true
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// Every archive name (…tar.gz, …zip) and every folder a cd enters.
	names := regexp.MustCompile(`[^\s\x60'"(\\/]+\.(?:tar\.gz|zip)\b`).FindAllString(string(readme), -1)
	for _, m := range regexp.MustCompile(`(?m)^cd \S*?([^\s\\/]+)$`).FindAllStringSubmatch(string(readme), -1) {
		names = append(names, m[1])
	}
	if len(names) < 9 {
		t.Fatalf("found only %d archive names in README.md: %q", len(names), names)
	}
	for _, n := range names {
		if !built[n] {
			t.Errorf("README.md names %q, which .goreleaser.yaml does not build", n)
		}
	}
	if !cfg.Archives[0].WrapInDirectory {
		t.Errorf("the README's cd into the archive's folder needs wrap_in_directory: true")
	}
}

// goreleaser is the part of .goreleaser.yaml the tests read.
type goreleaser struct {
	ProjectName string `yaml:"project_name"`
	Builds      []goreleaserBuild
	Archives    []struct {
		NameTemplate    string `yaml:"name_template"`
		WrapInDirectory bool   `yaml:"wrap_in_directory"`
		Files           []struct {
			Src string `yaml:"src"`
		} `yaml:"files"`
	}
}

type goreleaserBuild struct {
	Main    string
	Binary  string
	Env     []string
	Flags   []string
	Ldflags []string
	Goos    []string
	Goarch  []string
	Ignore  []struct{ Goos, Goarch string }
}

func (b goreleaserBuild) ignored(goos, arch string) bool {
	for _, i := range b.Ignore {
		if i.Goos == goos && i.Goarch == arch {
			return true
		}
	}
	return false
}

func goreleaserConfig(t *testing.T) goreleaser {
	t.Helper()
	b, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg goreleaser
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 || len(cfg.Archives) != 1 {
		t.Fatalf(".goreleaser.yaml: %d builds and %d archives, the tests know one of each", len(cfg.Builds), len(cfg.Archives))
	}
	return cfg
}

// expand fills goreleaser's template fields the config uses.
func (g goreleaser) expand(s, version string) string {
	return strings.NewReplacer("{{ .ProjectName }}", g.ProjectName, "{{ .Version }}", version,
		"{{ .FullCommit }}", "0000000000000000000000000000000000000000", "{{ .CommitDate }}", "2026-01-01T00:00:00Z").Replace(s)
}

func (g goreleaser) archiveName(version, goos, arch string) string {
	return strings.NewReplacer("{{ .Os }}", goos, "{{ .Arch }}", arch).Replace(g.expand(g.Archives[0].NameTemplate, version))
}

// release is a release archive unpacked for a test: its folder, and the
// unprivileged user (and that user's empty home folder) who runs it.
type release struct {
	root string // the empty folder the archive was unpacked in
	dir  string // the archive's folder in it
	home string
	bin  string   // dir/crmbulk
	user *osUser  // the unprivileged user it runs as; nil: the test's own user
	env  []string // the user's environment, on a first night
}

// unpackRelease builds crmbulk as .goreleaser.yaml does (its env, flags
// and ldflags), packs it with the archive's files into
// crmbulk_VERSION_OS_ARCH.tar.gz (wrapped in its folder), and unpacks it
// with tar, as the user who runs it, into an empty folder. When the test
// runs as root, that user is nobody; else it is the test's own user with
// a new, empty home folder. crmbulk's state folder does not exist yet.
func unpackRelease(t *testing.T) *release {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the release archive is checked on Linux")
	}
	cfg := goreleaserConfig(t)
	root, err := os.MkdirTemp("", "crmbulk-release-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	a := &release{root: root, home: filepath.Join(root, "home")}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Skipf("running as root without a user nobody to run the archive as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		a.user = &osUser{uid: uid, gid: gid}
		if err := os.Chmod(root, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a.mkdir(t, a.home, 0o700)
	if err := os.MkdirAll(filepath.Join(root, "var/tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "var/tmp"), 0o777|os.ModeSticky); err != nil { // as on every system
		t.Fatal(err)
	}
	work := filepath.Join(root, "work")
	a.mkdir(t, work, 0o755)
	a.env = []string{"HOME=" + a.home, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "TERM=dumb",
		"CRMBULK_STATE_DIR=" + filepath.Join(root, "var/tmp/crmbulk")}

	version := "0.0.0-firstnight"
	name := cfg.archiveName(version, runtime.GOOS, runtime.GOARCH)
	stage := filepath.Join(root, "dist") // readable by the user who unpacks it
	b := cfg.Builds[0]
	binary := filepath.Join(stage, name, b.Binary)
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-ldflags", cfg.expand(strings.Join(b.Ldflags, " "), version), "-o", binary, "../../"+strings.TrimPrefix(b.Main, "./"))
	build := exec.Command("go", args...)
	build.Env = append(os.Environ(), b.Env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, f := range cfg.Archives[0].Files {
		matches, err := filepath.Glob(filepath.Join("../..", f.Src))
		if err != nil || len(matches) == 0 {
			t.Fatalf(".goreleaser.yaml's %s matches no file (%v)", f.Src, err)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel("../..", m)
			copyFile(t, m, filepath.Join(stage, name, rel))
		}
	}
	archive := filepath.Join(stage, name+".tar.gz")
	if out, err := exec.Command("tar", "czf", archive, "-C", stage, name).CombinedOutput(); err != nil {
		t.Fatalf("tar czf: %v\n%s", err, out)
	}
	if r := a.exec(t, work, nil, "tar", "xzf", archive); r.code != 0 {
		t.Fatalf("tar xzf %s as the user: exit %d\n%s", archive, r.code, r.stderr)
	}
	a.dir = filepath.Join(work, name)
	a.bin = filepath.Join(a.dir, b.Binary)
	return a
}

// osUser is a user of the machine, by its IDs.
type osUser struct{ uid, gid int }

// mkdir makes a folder owned by the user.
func (a *release) mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, mode); err != nil {
		t.Fatal(err)
	}
	a.chown(t, dir)
}

// userFile writes a file the user brings (a token file, a CSV), owned by
// the user, its folders too.
func (a *release) userFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	for d := filepath.Dir(path); len(d) > len(a.root) && !exists(d); d = filepath.Dir(d) {
		defer a.chown(t, d)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	a.chown(t, path)
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

func (a *release) chown(t *testing.T, p string) {
	t.Helper()
	if a.user == nil {
		return
	}
	if err := os.Chown(p, a.user.uid, a.user.gid); err != nil {
		t.Fatal(err)
	}
}

// ran is what a command did.
type ran struct {
	code           int
	stdout, stderr string
}

// exec runs a program as the user, in dir, with the user's environment
// and extra variables, and standard input empty.
func (a *release) exec(t *testing.T, dir string, extra map[string]string, name string, args ...string) ran {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = a.environ(extra)
	cmd.SysProcAttr = a.user.procAttr(false)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return ran{code: code, stdout: out.String(), stderr: errb.String()}
}

func (a *release) environ(extra map[string]string) []string {
	env := append([]string(nil), a.env...)
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// session is one shell, run as the user, fed command lines one by one as
// a person types them into a terminal: the variables one line exports
// and the programs it starts in the background stay for the next.
type session struct {
	cmd      *exec.Cmd
	in       io.WriteCloser
	out, err *lockedBuffer
	// bgOut and bgErr get what the programs started in the background
	// print (the shell's descriptors 3 and 4), which in a terminal mixes
	// with what the next lines print whenever it comes: kept apart, it
	// cannot be taken for a later line's output.
	bgOut, bgErr *lockedBuffer
	n            int
}

// shell starts /bin/sh as the user in dir. The shell and what it starts
// in the background are one process group, ended when the test ends.
func (a *release) shell(t *testing.T, dir string, extra map[string]string) *session {
	t.Helper()
	cmd := exec.Command("/bin/sh")
	cmd.Dir = dir
	cmd.Env = a.environ(extra)
	cmd.SysProcAttr = a.user.procAttr(true)
	s := &session{cmd: cmd, out: &lockedBuffer{}, err: &lockedBuffer{}, bgOut: &lockedBuffer{}, bgErr: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = s.out, s.err
	var copies sync.WaitGroup
	for _, b := range []*lockedBuffer{s.bgOut, s.bgErr} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, w)
		copies.Go(func() {
			_, _ = io.Copy(b, r)
			_ = r.Close()
		})
	}
	var err error
	if s.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	err = cmd.Start()
	for _, w := range cmd.ExtraFiles {
		_ = w.Close() // the shell has them; the copies end when it and its background programs end
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		endGroup(cmd.Process)
		_ = s.in.Close()
		_ = cmd.Wait()
		copies.Wait()
	})
	return s
}

// TestSessionKeepsBackgroundOutputApart: what a program started with &
// prints while a later line runs is not that line's output (a sandbox's
// startup lines, printed once it listens, were taken for the next line's
// under load), and the session still gets it.
func TestSessionKeepsBackgroundOutputApart(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
	dir := t.TempDir()
	sh := (&release{env: os.Environ()}).shell(t, dir, nil)
	if r := sh.run(t, "(until [ -e go ]; do sleep 0.02; done; echo late; echo late-err >&2; touch said) &"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("the background line: %+v", r)
	}
	// The next line lets the background program print, then waits for it.
	r := sh.run(t, "touch go; until [ -e said ]; do sleep 0.02; done; echo mine")
	if r.code != 0 || r.stdout != "mine\n" || r.stderr != "" {
		t.Errorf("the next line printed %+v, want only its own mine", r)
	}
	if !sh.background(t, "late\n", 10*time.Second) || !strings.Contains(sh.bgErr.String(), "late-err\n") {
		t.Errorf("the background program's output is lost: %q, %q", sh.bgOut.String(), sh.bgErr.String())
	}
}

// background waits up to within for the programs started in the background
// to print want, and reports whether they did.
func (s *session) background(t *testing.T, want string, within time.Duration) bool {
	t.Helper()
	for deadline := time.Now().Add(within); !strings.Contains(s.bgOut.String(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// run types line into the shell (its standard input empty) and returns
// what it printed and its exit status. A line ending in & prints into
// bgOut and bgErr, it and the program it leaves running; the others do not
// get those descriptors.
func (s *session) run(t *testing.T, line string) ran {
	t.Helper()
	s.n++
	mark := fmt.Sprintf("@@crmbulk-test-%d", s.n)
	o0, e0 := len(s.out.String()), len(s.err.String())
	redirect := "3>&- 4>&-"
	if strings.HasSuffix(line, "&") && !strings.HasSuffix(line, "&&") {
		redirect = ">&3 2>&4 3>&- 4>&-"
	}
	script := fmt.Sprintf("{ %s\n} </dev/null %s\nprintf '\\n%s %%d\\n' $?; printf '\\n%s\\n' >&2\n", line, redirect, mark, mark)
	if _, err := io.WriteString(s.in, script); err != nil {
		t.Fatalf("the shell ended: %v\n%s", err, s.err.String())
	}
	re := regexp.MustCompile(`(?s)^(.*?)\n` + mark + ` (\d+)\n`)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		out, errOut := s.out.String()[o0:], s.err.String()[e0:]
		m := re.FindStringSubmatch(out)
		if i := strings.Index(errOut, "\n"+mark+"\n"); m != nil && i >= 0 {
			code, _ := strconv.Atoi(m[2])
			return ran{code: code, stdout: strings.TrimPrefix(m[1], "\n"), stderr: errOut[:i]}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: no end after 3 minutes\nstdout: %s\nstderr: %s", line, s.out.String()[o0:], s.err.String()[e0:])
	return ran{}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 200 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// treeListing lists the files under dir, one a line.
func treeListing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			b.WriteString(rel + "\n")
		}
		return nil
	})
	return b.String()
}

// newFiles names the lines of after that before lacks.
func newFiles(before, after string) string {
	had := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		had[l] = true
	}
	var added []string
	for _, l := range strings.Split(after, "\n") {
		if !had[l] {
			added = append(added, l)
		}
	}
	return strings.Join(added, ", ")
}

// splitArgs splits a shell line on spaces, honouring single quotes.
func splitArgs(line string) []string {
	var args []string
	for _, m := range regexp.MustCompile(`'[^']*'|\S+`).FindAllString(line, -1) {
		args = append(args, strings.Trim(m, "'"))
	}
	return args
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
