package mapping

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/crmbulk/crmbulk/internal/suggest"
)

// Error is one problem of a mapping file (or of binding it to a sheet
// header), located at File:Line:Column. Line and Column are 1-based; 0 means
// unknown (Column 0 is left out of the text, Line 0 leaves out the position).
type Error struct {
	File         string
	Line, Column int
	// Msg says what is wrong, Hint what to do (often a did-you-mean).
	Msg, Hint string
}

// Error formats e as `map.yaml:7:3: unknown API field "emial" — did you mean "email"?`.
func (e *Error) Error() string {
	s := e.Msg
	if at := e.where(); at != "" {
		s = at + ": " + s
	}
	if e.Hint != "" {
		s += " — " + e.Hint
	}
	return s
}

// where is e's position, file:line:column, as far as it is known.
func (e *Error) where() string {
	var at []string
	if e.File != "" {
		at = append(at, e.File)
	}
	if e.Line > 0 {
		at = append(at, strconv.Itoa(e.Line))
		if e.Column > 0 {
			at = append(at, strconv.Itoa(e.Column))
		}
	}
	return strings.Join(at, ":")
}

// Errors is every problem found in one mapping file or one Bind, in file
// order. It implements error (one problem per line) and unwraps to the
// individual *Error values, so errors.As(err, &e) with e *Error finds the
// first one.
type Errors struct {
	List []*Error
	file string // the file add places its problems in, while they are gathered
}

// Error joins the problems, one per line.
func (e *Errors) Error() string {
	if err := errors.Join(e.Unwrap()...); err != nil {
		return err.Error()
	}
	return ""
}

// Unwrap returns the individual problems.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, x := range e.List {
		out[i] = x
	}
	return out
}

// add gathers one problem of e's file.
func (e *Errors) add(line, col int, hint, format string, args ...any) {
	e.List = append(e.List, &Error{File: e.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// err returns nil when nothing was gathered, else e sorted by position.
func (e *Errors) err() error {
	if len(e.List) == 0 {
		return nil
	}
	slices.SortStableFunc(e.List, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return e
}

// checked returns v, or nil and the problems c gathered when there are any.
func checked[T any](v *T, c *Errors) (*T, error) {
	if err := c.err(); err != nil {
		return nil, err
	}
	return v, nil
}

// didYouMean returns `did you mean "x"?` for the candidate closest to s, or
// otherwise when none is close enough.
func didYouMean(s string, candidates []string, otherwise string) string {
	if best := suggest.Closest(s, candidates); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return otherwise
}

// quoteList renders the non-blank names as `"a", "b", "c"`, at most limit of them.
func quoteList(names []string, limit int) string {
	var q []string
	for _, s := range names {
		if strings.TrimSpace(s) != "" {
			q = append(q, strconv.Quote(s))
		}
	}
	if len(q) > limit {
		return strings.Join(q[:limit], ", ") + fmt.Sprintf(", … (%d more)", len(q)-limit)
	}
	return strings.Join(q, ", ")
}
