// Package proof holds end-to-end tests that prove crmbulk's safety claims
// against the sandbox: a fault campaign (no duplicate client, one report
// line per row, never over the request limit), crash-and-resume of the real
// binary under SIGINT and SIGKILL, and bad input refused with exit 2 before
// any request, and the import rule between packages (TestLayers). It has no
// code of its own; run it with
//
//	go test ./proof/             (short form, about a minute on 2 cores)
//	CRMBULK_LONG=1 go test ./proof/   (long form: more rows, more interruptions)
package proof
