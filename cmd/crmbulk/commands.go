package main

import "github.com/spf13/cobra"

// subcommands lists every subcommand but version, in the order --help shows them.
func (a *app) subcommands() []*cobra.Command {
	return []*cobra.Command{
		a.fieldsCmd(),
		a.accountCmd(nil),
		a.exportCmd(nil),
		a.importCmd(nil),
		a.undoCmd(nil),
		a.mappingCmd(),
		a.demoCmd(nil),
		a.sandboxCmd(),
		a.uiCmd(),
	}
}
