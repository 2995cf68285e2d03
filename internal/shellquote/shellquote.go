// Package shellquote writes command lines that run when pasted: every
// command crmbulk prints (to resume, to undo, to try the demo) is built
// here from its arguments, quoted for the shell it is printed for — POSIX
// sh (Linux, macOS, BSD) or PowerShell (Windows).
//
// POSIX: an argument that is not all safe characters goes in single
// quotes, where nothing is special; a ' inside ends the quotes, is
// escaped and opens them again:
//
//	O'Brien.csv  →  'O'\''Brien.csv'
//
// PowerShell: the same, single quotes, where nothing is special but the
// single quote itself, written twice (PowerShell also takes the typographic
// quotes ‘ ’ ‚ ‛ for it, so those are doubled too). A command whose program
// had to be quoted is run with the call operator: & 'C:\my tools\crmbulk.exe' ….
// Windows file names cannot hold ", so the double quote's troubles with
// native programs on older PowerShell do not arise for paths.
package shellquote

import "strings"

// Shell is the shell a command line is written for.
type Shell int

const (
	// POSIX is sh, bash, zsh, dash: Linux, macOS and the BSDs.
	POSIX Shell = iota
	// PowerShell is Windows' shell (Windows PowerShell 5.1 and PowerShell 7).
	PowerShell
)

// ForGOOS is the shell a user of goos pastes into: PowerShell on
// windows, POSIX sh elsewhere. Callers pass runtime.GOOS; tests ask for
// both.
func ForGOOS(goos string) Shell {
	if goos == "windows" {
		return PowerShell
	}
	return POSIX
}

// safe reports whether r needs no quoting anywhere in an argument of s.
func (s Shell) safe(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	case strings.ContainsRune("-_./:=+%", r):
		return true
	case r == '\\':
		return s == PowerShell // the path separator there; an escape in sh
	case r == ',' || r == '@':
		return s == POSIX // an array and a splat in PowerShell
	}
	return false
}

// Quote returns arg as one word of s: unchanged when every character is
// safe, else single-quoted (in PowerShell also -- and --%, which its parser
// would take as its own markers; in sh also a word that starts with =,
// which zsh, macOS's shell, expands to the path of a command). Non-ASCII letters are quoted too: a terminal or
// a code page that mangles them then cannot split the word.
func (s Shell) Quote(arg string) string {
	if arg != "" && !(s == PowerShell && (arg == "--%" || arg == "--")) && !(s == POSIX && arg[0] == '=') && strings.IndexFunc(arg, func(r rune) bool { return !s.safe(r) }) < 0 {
		return arg
	}
	if s == PowerShell {
		return "'" + psQuotes.Replace(arg) + "'" // a byte that is not UTF-8 stays as it is
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// Join returns the command line that runs prog with args in s. prog is the
// program's words as the user types them (already shell words: "crmbulk",
// "./crmbulk", "go run ./cmd/crmbulk"), see Program; args are quoted.
func (s Shell) Join(prog string, args ...string) string {
	var b strings.Builder
	b.WriteString(prog)
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(s.Quote(a))
	}
	return b.String()
}

// Program returns how a command line of s names the program at path (as
// the user typed it: a bare name found on PATH, or a path): the path as one
// word; in PowerShell, a quoted path gets the call operator (&), and a bare
// name in the current folder cannot be meant (PowerShell never runs one
// from there without .\).
func (s Shell) Program(path string) string {
	q := s.Quote(path)
	if s == PowerShell && strings.HasPrefix(q, "'") {
		return "& " + q
	}
	return q
}

// psQuotes doubles what PowerShell reads as a single quote: the ASCII one
// and the typographic ones a word processor puts in its place.
var psQuotes = strings.NewReplacer("'", "''", "‘", "‘‘", "’", "’’", "‚", "‚‚", "‛", "‛‛")

// SetEnv is the line that sets the environment variable name to value for
// the commands that follow in the same shell: export NAME='…' in sh,
// $env:NAME = '…' in PowerShell (always quoted: it is an expression).
func (s Shell) SetEnv(name, value string) string {
	if s == PowerShell { // quoted even when safe: a bare word there would run as a command
		return "$env:" + name + " = '" + psQuotes.Replace(value) + "'"
	}
	return "export " + name + "=" + s.Quote(value)
}
