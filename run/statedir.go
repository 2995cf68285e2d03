package run

// StateDirError is a folder a run keeps its state in (the state directory:
// the input's lock, the record key; an export's details spool) that it
// could not make or write in. Its words are Err's, which name the command
// line's flag (--state-dir): a page says the folder (Dir) in its own words
// instead (errors.As).
type StateDirError struct {
	Dir string // the folder
	Err error  // the refusal in the command line's words
}

func (e *StateDirError) Error() string { return e.Err.Error() }

// Unwrap is Err (ErrBadInput, the os error).
func (e *StateDirError) Unwrap() error { return e.Err }
