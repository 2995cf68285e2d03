// Package ui is the local web page of `crmbulk ui`: the import, run and
// export flows in a browser, on top of the same importer, undo and
// exporter calls the command line makes (another printer of the run
// events, not another pipeline).
//
// The server listens on loopback only and trusts nothing it did not hand
// out: a random session secret in the first URL becomes an HttpOnly,
// SameSite=Strict cookie that every request needs; a Host that is not a
// loopback name (DNS rebinding) and a cross-site request that changes
// state are refused; uploads are bounded and land under a safe base name
// in the session's work folder. The API token stays in memory: it comes
// from the usual places or is pasted once in the page, and is never
// written or sent back.
//
// The page (static/) is plain HTML, CSS and JavaScript embedded in the
// binary: no build step, no external fonts, scripts or calls. Each area
// keeps its routes in its own file (import.go, runs.go, export.go) and its
// strings in its own script.
package ui
