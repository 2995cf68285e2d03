package main

import (
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/internal/shellquote"
)

// prog is how the commands crmbulk prints name crmbulk: as the user ran it
// (os.Args[0]). A bare name was found on PATH and is printed as typed
// (crmbulk, crmbulk.exe); a path (./crmbulk, .\crmbulk.exe, /opt/x/crmbulk)
// is printed as typed — the printed file names are relative to the same
// folder — unless crmbulk on PATH is this very binary, then plain crmbulk.
// Under go run it is "go run ./cmd/crmbulk"; under tests, "crmbulk".
func (a *app) prog() string {
	switch {
	case a.args0 == "":
		return "crmbulk"
	case strings.Contains(a.args0, "go-build"):
		return "go run ./cmd/crmbulk"
	case !strings.ContainsAny(a.args0, `/\`):
		return a.shell.Program(a.args0)
	}
	base := strings.TrimSuffix(filepath.Base(a.args0), ".exe")
	if p, err := exec.LookPath(base); err == nil && a.selfExe != "" {
		ps, err1 := filepath.EvalSymlinks(p)
		self, err2 := filepath.EvalSymlinks(a.selfExe)
		if err1 == nil && err2 == nil && ps == self {
			return a.shell.Program(base)
		}
	}
	return a.shell.Program(a.args0)
}

// command is the line that runs crmbulk with args (each one word, quoted
// here for the user's shell), ready to paste.
func (a *app) command(args ...string) string { return a.shell.Join(a.prog(), args...) }

// rerun returns what runs cmd again as the user typed it, with edits (its
// flags changed, added or dropped), ready to paste — nil when cmd is not
// the command the user ran (the demo runs an import inside). The
// importer's, the undo's and the export's messages print it.
func (a *app) rerun(cmd *cobra.Command, name string) shellquote.Rerun {
	if cmd.Name() != name || len(a.args) == 0 {
		return nil
	}
	lookup := flagLookup(cmd)
	return func(edits ...shellquote.Edit) string {
		return a.command(shellquote.EditArgs(a.args, lookup, edits...)...)
	}
}

// globalArgs are the global flags the user gave (--api-url, --token-file,
// --state-dir, --rate …) with their values: a command printed for another
// subcommand (the undo after an import) talks to the same account the
// same way.
func (a *app) globalArgs(cmd *cobra.Command) []string {
	global := func(name string) bool { return cmd.Root().PersistentFlags().Lookup(name) != nil }
	return shellquote.OnlyFlags(a.args, flagLookup(cmd), global)
}

// runOptions is the RunE of a command with an options struct: fill (if
// set) completes opts from the arguments, then runF (a test's) gets them,
// or run when runF is nil.
func runOptions[O any](opts *O, fill func(args []string), runF, run func(*cobra.Command, *O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if fill != nil {
			fill(args)
		}
		if runF != nil {
			return runF(cmd, opts)
		}
		return run(cmd, opts)
	}
}

// flagLookup gives the long name of a flag of cmd (long or shorthand) and
// whether it takes a value.
func flagLookup(cmd *cobra.Command) func(string) (string, bool) {
	return func(name string) (string, bool) {
		f := cmd.Flags().Lookup(name)
		if f == nil && len(name) == 1 {
			f = cmd.Flags().ShorthandLookup(name)
		}
		if f == nil {
			return name, false
		}
		return f.Name, f.NoOptDefVal == ""
	}
}
