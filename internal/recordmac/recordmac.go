// Package recordmac proves that a line of a crmbulk record (an import's or
// an undo's report) is as crmbulk wrote it: each line carries a short MAC
// of its cells, keyed by a random secret of the account kept in the state
// directory. The secret is a 0600 file named by a hash of the account (the
// account is itself a hash of the token): neither the token nor anything
// derived from it alone can make a line that passes.
package recordmac

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/crmbulk/crmbulk/internal/safefile"
)

// keyBytes is the size of a secret.
const keyBytes = 32

// macBytes is how much of the HMAC a line keeps (96 bits: 16 characters).
const macBytes = 12

// FileName is the name of the account's secret in the state directory:
// a hash of the account and of the user (the folder may be shared by every
// user of the machine, and a 0600 file is one user's).
func FileName(account string) string {
	sum := sha256.Sum256([]byte("crmbulk record key\x00" + account + "\x00" + strconv.Itoa(os.Getuid())))
	return "records-" + hex.EncodeToString(sum[:8]) + ".key"
}

// DirError is the state directory (Dir) that Key could not make or write
// in; its words are Err's, which name the command line's --state-dir.
type DirError struct {
	Dir string
	Err error
}

func (e *DirError) Error() string { return e.Err.Error() }

// Unwrap is Err.
func (e *DirError) Unwrap() error { return e.Err }

// Key returns the secret of account in dir, making it the first time. Two
// runs that make it at once agree: the file is created with O_EXCL, and the
// loser reads the winner's (waiting a moment for it to be written whole).
func Key(dir, account string) ([]byte, error) {
	if account == "" {
		return nil, errors.New("the record key needs an account")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &DirError{Dir: dir, Err: fmt.Errorf("the state directory %s: %w", dir, err)}
	}
	path := filepath.Join(dir, FileName(account))
	f, err := safefile.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err == nil {
		key := make([]byte, keyBytes)
		_, _ = rand.Read(key) // never fails (crypto/rand)
		_, err = f.Write([]byte(hex.EncodeToString(key) + "\n"))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
			return nil, fmt.Errorf("writing the record key %s: %w", path, err)
		}
		return key, nil
	}
	if errors.Is(err, safefile.ErrNotRegular) { // a link or a device at the key's path: the file, not the folder
		return nil, fmt.Errorf("creating the record key %s: %w", path, err)
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, &DirError{Dir: dir, Err: fmt.Errorf("creating the record key %s: %w (give a writable --state-dir)", path, err)}
	}
	return read(path)
}

// read reads a secret another run made, waiting up to a second for a file
// still being written.
func read(path string) ([]byte, error) {
	var last error
	for range 50 {
		b, err := readSmall(path)
		if errors.Is(err, errNotOwn) {
			return nil, fmt.Errorf("the record key %s is not this user's own: %w — a key someone else could know proves nothing; remove it (another is made) only if no report of this account must be resumed or undone", path, err)
		}
		if err != nil {
			return nil, fmt.Errorf("reading the record key %s: %w", path, err)
		}
		if len(b) >= 2*keyBytes {
			key, err := hex.DecodeString(string(b[:2*keyBytes]))
			if err == nil {
				return key, nil
			}
			last = err
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("the record key %s is not one crmbulk wrote (%v): the reports it proved cannot be proved any more; move it away only if no report of this account must be resumed or undone", path, last)
}

func readSmall(path string) ([]byte, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkOwn(fi); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotOwn, err)
	}
	return io.ReadAll(io.LimitReader(f, 4*keyBytes))
}

// errNotOwn is wrapped by the error of a secret file this user did not
// make alone (checkOwn).
var errNotOwn = errors.New("not this user's own file")

// Sum is the MAC of a line's cells: HMAC-SHA256 over the cells, each
// length-prefixed (so no two lists of cells share their bytes), cut to
// 96 bits, base64url without padding.
func Sum(key []byte, cells []string) string {
	m := hmac.New(sha256.New, key)
	var n [8]byte
	for _, c := range cells {
		binary.BigEndian.PutUint64(n[:], uint64(len(c)))
		m.Write(n[:])
		m.Write([]byte(c))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:macBytes])
}

// Verify reports whether mac is the MAC of cells.
func Verify(key []byte, cells []string, mac string) bool {
	return hmac.Equal([]byte(Sum(key, cells)), []byte(mac))
}
