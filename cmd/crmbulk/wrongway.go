package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crmbulk/crmbulk/internal/shellquote"
	"github.com/crmbulk/crmbulk/sheet"
)

// isSheetName says whether path is named like a file crmbulk imports.
func isSheetName(path string) bool {
	_, err := sheet.FormatOf(path, "")
	return err == nil || strings.EqualFold(filepath.Ext(path), ".epp")
}

// isYAMLName says whether path is named like a mapping file.
func isYAMLName(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// checkMappingName refuses, before the mapping is read, a --mapping that is
// named like a spreadsheet: given the wrong way round (crmbulk import
// mapping.yaml --mapping data.csv) it says so and prints the command the
// right way round; else it says how to write a mapping for it. (Read as
// YAML, a spreadsheet would only say "fix the YAML syntax".)
func (a *app) checkMappingName(cmd *cobra.Command, input, mapFile string) error {
	if mapFile == "" && isYAMLName(input) {
		return usagef("%s is named like a mapping, not a file to import: give the spreadsheet (CSV, XLSX or EDI++) as FILE, and this file with --mapping", input)
	}
	if mapFile == "" || !isSheetName(mapFile) {
		return nil
	}
	if isYAMLName(input) {
		args := shellquote.EditArgs(a.args, flagLookup(cmd), shellquote.Set("mapping", input))
		for i, w := range args { // the positional FILE, not the --mapping value now equal to it
			if w == input && (i == 0 || args[i-1] != "--mapping") {
				args[i] = mapFile
				break
			}
		}
		return usagef("the file and the mapping look swapped: %s (given to --mapping) is named like a spreadsheet, and %s (given as FILE) like a mapping; the right way round:\n  %s",
			mapFile, input, a.command(args...))
	}
	return usagef("--mapping %s is named like a spreadsheet, not a mapping (YAML); write a mapping for it with:\n  %s > mapping.yaml\nthen check it and give --mapping mapping.yaml",
		mapFile, a.command(append(a.globalArgs(cmd), "mapping", "init", mapFile)...))
}

// howToStop says how the user stops a command that runs until stopped
// (the sandbox, demo --keep): Ctrl-C when it runs in the foreground of the
// terminal it was started from, else the command that stops it by its
// process ID — a sandbox started with & never sees a Ctrl-C.
func (a *app) howToStop() string {
	if f, ok := a.ios.In.(*os.File); ok && inForeground(f) {
		return "Ctrl-C stops it"
	}
	return stopOther(os.Getpid())
}
