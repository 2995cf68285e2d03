package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/crmbulk/crmbulk/internal/suggest"
)

// flagError is cobra's error for a flag it cannot parse, as a usage error
// (exit 2); a mistyped flag gets the closest flag of the command:
// "unknown flag: --mappin; did you mean --mapping?".
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return usageError{err}
	}
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if best := suggest.Closest(name, names); best != "" {
		return usagef("%s; did you mean --%s?", msg, best)
	}
	return usagef("%s; crmbulk %s --help lists the flags", msg, c.Name())
}
