// Command crmbulk moves CRM clients of a Base (BaseLinker) account in and
// out of spreadsheets, in bulk: export every client to XLSX or CSV, import
// rows through a mapping file with validation and a per-row report.
//
// This package is the shell only: subcommands, flags, environment, exit
// codes, terminal and progress. The work is done by the packages below it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/crmbulk/crmbulk/internal/iostreams"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runWith(ctx, os.Args[1:], iostreams.System(os.Getenv), os.Getenv, func(a *app) {
		// The real binary can serve as its own sandbox process (crmbulk
		// bench's export memory figure); a test binary calling run cannot.
		if exe, err := os.Executable(); err == nil {
			a.selfExe = exe
		}
	})
	stop()
	os.Exit(code)
}
