package baselinker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/internal/suggest"

	"golang.org/x/text/unicode/norm"
)

// StatusKey is a client status's name as it is compared: Unicode NFC, runs
// of white space as one space, trimmed, in lower case — so "stały  KLIENT"
// names the status "Stały klient". Filters (--filter status=NAME) and the
// importer (a status_id given by its name) find statuses by it.
func StatusKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(name)), " "))
}

// FindStatus returns the status of st called name (by StatusKey).
func FindStatus(st []Status, name string) (Status, bool) {
	k := StatusKey(name)
	if i := slices.IndexFunc(st, func(s Status) bool { return StatusKey(s.Name) == k }); i >= 0 {
		return st[i], true
	}
	return Status{}, false
}

// StatusNames are the names of st, in order (for a did-you-mean).
func StatusNames(st []Status) []string {
	names := make([]string, len(st))
	for i, s := range st {
		names[i] = s.Name
	}
	return names
}

// StatusByName says whether the filter name=value names a client status by
// its name: status=NAME, status_name=NAME, or status_id= something that is
// not a number. The command line's --filter and the web page's filters
// both read it so.
func StatusByName(name, value string) bool {
	if name == "status" || name == "status_name" {
		return true
	}
	_, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	return name == "status_id" && err != nil
}

// NoSuchStatus says that st has no status called name: the closest name,
// and every name the account has, quoted.
func NoSuchStatus(name string, st []Status) string {
	names := StatusNames(st)
	msg := fmt.Sprintf("the account has no client status %q", name)
	if best := suggest.Closest(name, names); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	} else {
		msg += "."
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return msg + " Its statuses: " + strings.Join(q, ", ")
}
