//go:build unix

package recordmac

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwn refuses a secret this user did not make alone: a file another
// user owns (anyone may create files in the shared state folder, and one
// who knows the account from a report could plant a key of their choosing
// under its name, then forge lines that pass) or one others may read or
// write.
func checkOwn(fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("it belongs to another user (uid %d), not to this one (uid %d)", st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("other users may read or write it (mode %v; crmbulk makes it 0600)", fi.Mode().Perm())
	}
	return nil
}
