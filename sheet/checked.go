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
	mu    sync.Mutex
	files map[checkedFile]map[string]*sheetFacts
}

// checkedFile is a file as it was when it was checked.
type checkedFile struct {
	path string
	size int64
	mod  time.Time
}

func fileKey(path string) (checkedFile, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return checkedFile{}, false
	}
	return checkedFile{path, fi.Size(), fi.ModTime()}, true
}

// facts are what checking path found, if it was checked as it is now.
func (c *Checked) facts(path string) (map[string]*sheetFacts, bool) {
	if c == nil {
		return nil, false
	}
	k, ok := fileKey(path)
	if !ok {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.files[k]
	return f, ok
}

// remember keeps what checking path found. The facts are only read after.
func (c *Checked) remember(path string, facts map[string]*sheetFacts) {
	if c == nil {
		return
	}
	k, ok := fileKey(path)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = map[checkedFile]map[string]*sheetFacts{}
	}
	c.files[k] = facts
}
