package shellquote

import (
	"iter"
	"strings"
)

// Edit changes one flag of a command line: Set gives it a value (or, with
// Value "", sets a flag that takes none, such as --yes); Drop removes it.
// Flag is the long name without dashes ("resume").
type Edit struct {
	Flag  string
	Value string
	Drop  bool
}

// Set is the edit that gives --flag the value (a flag without a value when
// value is "").
func Set(flag, value string) Edit { return Edit{Flag: flag, Value: value} }

// Drop is the edit that removes --flag (and its value).
func Drop(flag string) Edit { return Edit{Flag: flag, Drop: true} }

// EditArgs applies edits to args (the arguments as the user gave them,
// without the program): a flag already given is changed where it stands
// (--name value, --name=value), one not given is added at the end, before
// a "--" that ends the flags. lookup gives the long name of the flag
// called name (long, or a one-letter shorthand) and whether it reads the
// next argument as its value.
func EditArgs(args []string, lookup func(name string) (long string, takesValue bool), edits ...Edit) []string {
	out := make([]string, 0, len(args)+2*len(edits))
	done := map[string]bool{}
	want := map[string]Edit{}
	for _, e := range edits {
		want[e.Flag] = e
	}
	n := 0 // the arguments before a "--"
	for w := range words(args, lookup) {
		n += len(w.args)
		e, ok := want[w.long]
		switch {
		case !ok || w.long == "":
			out = append(out, w.args...)
		case e.Drop || done[w.long]:
		case e.Value == "":
			out = append(out, "--"+w.long)
		case w.inline || len(w.args) == 1:
			out = append(out, "--"+w.long+"="+e.Value)
		default:
			out = append(out, "--"+w.long, e.Value)
		}
		done[w.long] = ok
	}
	for _, e := range edits {
		if done[e.Flag] || e.Drop {
			continue
		}
		done[e.Flag] = true
		out = append(out, "--"+e.Flag)
		if e.Value != "" {
			out = append(out, e.Value)
		}
	}
	return append(out, args[n:]...)
}

// flagOf names the flag of an argument: "--name=value" → name, true;
// "--name" or "-n" → name, false; anything else (a positional argument,
// "-", "--") → "".
func flagOf(a string) (name string, hasValue bool) {
	switch {
	case strings.HasPrefix(a, "--") && len(a) > 2:
		name, _, hasValue = strings.Cut(a[2:], "=")
		return name, hasValue
	case strings.HasPrefix(a, "-") && len(a) == 2:
		return a[1:], false
	}
	return "", false
}

// word is one flag with the value it reads, or one positional argument.
type word struct {
	args   []string // the flag and its value (one or two arguments), or the positional argument
	long   string   // the flag's long name ("" for a positional argument)
	inline bool     // the value is in the flag's own argument (--name=value)
}

// words splits args, up to a "--" that ends the flags, into words; lookup
// is as for EditArgs.
func words(args []string, lookup func(name string) (long string, takesValue bool)) iter.Seq[word] {
	return func(yield func(word) bool) {
		for i := 0; i < len(args) && args[i] != "--"; {
			w := word{args: args[i : i+1]}
			if name, inline := flagOf(args[i]); name != "" {
				long, takes := lookup(name)
				w.long, w.inline = long, inline
				if !inline && takes && i+1 < len(args) {
					w.args = args[i : i+2]
				}
			}
			if !yield(w) {
				return
			}
			i += len(w.args)
		}
	}
}

// OnlyFlags returns the flags of args (with their values) whose long name
// keep accepts, in their order; positional arguments and other flags are
// left out. lookup is as for EditArgs.
func OnlyFlags(args []string, lookup func(name string) (long string, takesValue bool), keep func(long string) bool) []string {
	var out []string
	for w := range words(args, lookup) {
		if w.long != "" && keep(w.long) {
			out = append(out, w.args...)
		}
	}
	return out
}

// Rerun returns the command line that runs a command again as the user
// typed it, with edits, ready to paste. The command layer makes it (it
// knows the program and the arguments); the packages below print it.
type Rerun func(edits ...Edit) string

// With is r's command line with edits, after a line break and two spaces
// (on a line of its own, so that it is copied whole); without a Rerun (a
// caller that is not a command line: tests, the demo), a space and the
// flags to change, in words. Messages write "…, run:%s".
func (r Rerun) With(edits ...Edit) string {
	if r != nil {
		return "\n  " + r(edits...)
	}
	var sets, drops []string
	for _, e := range edits {
		switch {
		case e.Drop:
			drops = append(drops, "--"+e.Flag)
		case e.Value == "":
			sets = append(sets, "--"+e.Flag)
		default:
			sets = append(sets, "--"+e.Flag+" "+POSIX.Quote(e.Value))
		}
	}
	s := " the same command"
	if len(sets) > 0 {
		s += " with " + strings.Join(sets, " ")
	}
	if len(drops) > 0 {
		s += " without " + strings.Join(drops, ", ")
	}
	return s
}
