package ui

import (
	"errors"

	"github.com/crmbulk/crmbulk/baselinker"
	"github.com/crmbulk/crmbulk/baselinker/pacer"
	"github.com/crmbulk/crmbulk/exporter"
	"github.com/crmbulk/crmbulk/run"
)

// errDetailsKept ends the error of an export that stopped with the details
// it read kept beside its file: its words are the page's (English) in the
// run's error, and the page says them in its language (pageError).
var errDetailsKept = errors.New("the details read so far are kept: export again with the same choices to go on from them")

// The keys of the page's texts for a run's end (pageError); the token's
// has one text per place the token came from (Config.TokenFrom:
// run.err.token.page …), which the page picks.
const (
	errKeyStateDir    = "run.err.stateDir"
	errKeyToken       = "run.err.token"
	errKeyWaited      = "run.err.waitedTooLong"
	errKeyStatusNames = "exp.err.statusNames"
)

// pageErrorKeys are the keys of every text pageError names, as the page
// looks them up (for the check that each has both languages).
func pageErrorKeys() []string {
	return []string{errKeyStateDir, errKeyToken + "." + TokenFromPage, errKeyToken + "." + TokenFromEnv,
		errKeyToken + "." + TokenFromFile, errKeyWaited, errKeyStatusNames, "exp.err.notSaved", "exp.err.kept"}
}

// pageError is the page's words for a run's error whose own (the command
// line's) tell the user to use a flag the page does not have — --token-file,
// --max-wait, --state-dir, --status-names — or nil: the page then shows
// the error as crmbulk said it. The error is told by its type or sentinel,
// never by its words; the first cause that has a text wins, in the order
// of what the user can do about it (the folder, the token, the wait, the
// statuses). An export's error says whether the details read are kept.
func pageError(err error) *pageNote {
	var n *pageNote
	var dir *run.StateDirError
	var names *exporter.StatusNamesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dir):
		n = &pageNote{Key: errKeyStateDir, Vars: map[string]string{"dir": dir.Dir}}
	case baselinker.IsAuth(err):
		n = &pageNote{Key: errKeyToken}
	case errors.Is(err, pacer.ErrWaitedTooLong):
		n = &pageNote{Key: errKeyWaited}
	case errors.As(err, &names):
		n = &pageNote{Key: errKeyStatusNames}
	default:
		return nil
	}
	if errors.Is(err, errDetailsKept) {
		if n.Vars == nil {
			n.Vars = map[string]string{}
		}
		n.Vars["kept"] = "yes"
	}
	return n
}
