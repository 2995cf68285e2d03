package baselinker

import (
	"strings"

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
	for _, s := range st {
		if StatusKey(s.Name) == k {
			return s, true
		}
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
