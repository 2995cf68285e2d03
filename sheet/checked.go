package sheet

import (
	"os"
	"sync"
	"time"
)

// Checked remembers the XLSX files that were read whole and found sound
// (the archive's checksums, every worksheet's XML to its end: scanXLSX),
// so that opening the same unchanged file again — a header search, the
// mapping's guess, a preview of the first rows — does not read it all
// again; on a 100,000-row sheet that read is most of a second and more.
// Its caller owns one (Options.Checked) for as long as the file is its
// own to read; a file whose size or modification time changed is read
// whole again. Safe for concurrent use.
type Checked struct {
	files sync.Map // checkedFile → map[string]*sheetFacts; a key is written once, then read
}

// checkedFile is a file as it was when it was checked.
type checkedFile struct {
	path string
	size int64
	mod  time.Time
}

// lookup returns path's key as it is now and, when it was checked as it
// is now, what checking it found. The key is taken before a check, so that
// a file that changes while it is checked is checked again next time.
func (c *Checked) lookup(path string) (k checkedFile, facts map[string]*sheetFacts, ok bool) {
	if c == nil {
		return k, nil, false
	}
	fi, err := os.Stat(path)
	if err != nil {
		return k, nil, false
	}
	k = checkedFile{path, fi.Size(), fi.ModTime()}
	v, ok := c.files.Load(k)
	facts, _ = v.(map[string]*sheetFacts)
	return k, facts, ok
}

// remember keeps what checking the file k found. The facts are only read after.
func (c *Checked) remember(k checkedFile, facts map[string]*sheetFacts) {
	if c == nil || k.path == "" {
		return
	}
	c.files.Store(k, facts)
}
