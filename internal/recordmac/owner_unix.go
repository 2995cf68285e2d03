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
// under its name, then forge lines that pass) or one every user may read
// or write. Group bits are let be: a Kubernetes volume's fsGroup adds them
// to every file of the volume, for the pod's own group.
func checkOwn(fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("it belongs to another user (uid %d), not to this one (uid %d)", st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return fmt.Errorf("every user may read or write it (mode %v; crmbulk makes it 0600)", fi.Mode().Perm())
	}
	return nil
}
