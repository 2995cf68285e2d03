package main

import "github.com/spf13/cobra"

// subcommands lists every subcommand but version, in the order --help shows them.
func (a *app) subcommands() []*cobra.Command {
	return []*cobra.Command{
		a.fieldsCmd(),
		a.accountCmd(),
		a.exportCmd(),
		a.importCmd(),
		a.undoCmd(),
		a.mappingCmd(),
		a.demoCmd(),
		a.sandboxCmd(),
		a.uiCmd(),
	}
}
