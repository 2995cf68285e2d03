// Command crmbulk moves CRM clients of a Base (BaseLinker) account in and
// out of spreadsheets, in bulk: export every client to XLSX or CSV, import
// rows through a mapping file with validation and a per-row report.
//
// This package is the shell only: subcommands, flags, environment, exit
// codes, terminal and progress. The work is done by the packages below it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/crmbulk/crmbulk/internal/iostreams"
)

func main() {
	ios := iostreams.System(os.Getenv)
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first Ctrl-C (or SIGTERM) stops taking rows and cancels every
		// wait; the requests in flight may finish. A second one abandons
		// them at once: their journal entries stay open and --resume settles
		// them with a look-up, as after a crash.
		<-sigs
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, "\ncrmbulk: interrupted — finishing the requests in flight; press Ctrl-C again to quit at once")
		}
		cancel()
		<-sigs
		os.Exit(exitInterrupted)
	}()
	code := runWith(ctx, os.Args[1:], ios, os.Getenv, func(a *app) {
		// The real binary knows its own path (the demo prints commands
		// with it); a test binary calling run does not.
		if exe, err := os.Executable(); err == nil {
			a.selfExe = exe
		}
		a.args0 = os.Args[0]
	})
	signal.Stop(sigs)
	cancel()
	os.Exit(code)
}
