package shellquote

import "strings"

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
	end := len(args)
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			end = i
			break
		}
		name, hasValue := flagOf(a)
		if name == "" {
			out = append(out, a)
			continue
		}
		name, takes := lookup(name)
		n := 1 // the words this flag takes
		if !hasValue && takes && i+1 < len(args) {
			n = 2
		}
		e, ok := want[name]
		switch {
		case !ok:
			out = append(out, args[i:i+n]...)
		case e.Drop || done[name]:
		case e.Value == "":
			out = append(out, "--"+name)
		case hasValue || n == 1:
			out = append(out, "--"+name+"="+e.Value)
		default:
			out = append(out, "--"+name, e.Value)
		}
		if ok {
			done[name] = true
		}
		i += n - 1
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
	return append(out, args[end:]...)
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

// OnlyFlags returns the flags of args (with their values) whose long name
// keep accepts, in their order; positional arguments and other flags are
// left out. lookup is as for EditArgs.
func OnlyFlags(args []string, lookup func(name string) (long string, takesValue bool), keep func(long string) bool) []string {
	var out []string
	for i := 0; i < len(args) && args[i] != "--"; i++ {
		name, hasValue := flagOf(args[i])
		if name == "" {
			continue
		}
		long, takes := lookup(name)
		n := 1
		if !hasValue && takes && i+1 < len(args) {
			n = 2
		}
		if keep(long) {
			out = append(out, args[i:i+n]...)
		}
		i += n - 1
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
