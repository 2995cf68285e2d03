package baselinker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/internal/safefile"
	"github.com/crmbulk/crmbulk/internal/shellquote"
)

// TokenEnv is the environment variable LoadToken reads first.
const TokenEnv = "BASELINKER_TOKEN"

const redacted = "[redacted]"

// Token is the API token. It is a secret: every way of printing it (fmt
// verbs, %#v, JSON, text, slog) yields "[redacted]". Only Reveal returns the
// value, for the request header.
type Token string

// Reveal returns the token itself. Use it only to set the X-BLToken header.
func (t Token) Reveal() string { return string(t) }

// String implements fmt.Stringer.
func (t Token) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (t Token) GoString() string { return redacted }

// Format implements fmt.Formatter so that no verb (%s, %v, %q, %x, %d…)
// prints the value.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML, XML, …).
func (t Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (t Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// ErrNoToken is returned by LoadToken when no token is configured.
var ErrNoToken = errors.New("no API token")

// LoadToken returns the token from tokenFile (its content trimmed) when one
// is given — an explicit file wins — else from the BASELINKER_TOKEN
// environment variable (via getenv). The error says how to provide one; it
// never contains the token. warn (may be nil) hears of a token file that
// other users may read.
func LoadToken(getenv func(string) string, tokenFile string, warn func(string)) (Token, error) {
	if tokenFile == "" && getenv != nil {
		if v := strings.TrimSpace(getenv(TokenEnv)); v != "" {
			if err := checkToken(v); err != nil {
				return "", fmt.Errorf("environment variable %s: %w", TokenEnv, err)
			}
			return Token(v), nil
		}
	}
	if tokenFile == "" {
		return "", fmt.Errorf("%w: set the environment variable %s to your API token "+
			"(from your Base account's API settings), or put the token alone in a file and pass that file",
			ErrNoToken, TokenEnv)
	}
	v, err := readTokenFile(tokenFile, warn)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("%w: the token file %s is empty; write the API token into it", ErrNoToken, tokenFile)
	}
	if err := checkToken(v); err != nil {
		return "", fmt.Errorf("token file %s: %w", tokenFile, err)
	}
	return Token(v), nil
}

// maxTokenFile bounds a token file: a token is well under 100 bytes, and
// a file of more is not a token file (say, a path to /dev/zero).
const maxTokenFile = 4 << 10

// readTokenFile reads a token file: a regular file of at most a few KB
// (never a FIFO or a device, which could block or never end), its BOM and
// surrounding white space dropped (Notepad writes a BOM; "Unicode" is
// UTF-16).
func readTokenFile(path string, warn func(string)) (string, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the token file %s: %w (check the path and its permissions, or set %s)", path, err, TokenEnv)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 && warn != nil {
		warn(fmt.Sprintf("the token file %s may be read by other users (mode %04o): run:\n  chmod 600 %s", path, fi.Mode().Perm(), shellquote.POSIX.Quote(path)))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("reading the token file %s: %w", path, err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("the token file %s is larger than %d KB: it must hold the API token alone", path, maxTokenFile>>10)
	}
	return strings.TrimSpace(decodeTokenText(b)), nil
}

// decodeTokenText drops a UTF-8 BOM, and decodes UTF-16 with its BOM.
func decodeTokenText(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return string(b[3:])
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		order := binary.ByteOrder(binary.LittleEndian)
		if b[0] == 0xFE {
			order = binary.BigEndian
		}
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, order.Uint16(b[i:]))
		}
		return string(utf16.Decode(u))
	}
	return string(b)
}

// MinTokenLen is the shortest token accepted. Base's tokens are far longer
// (two number groups and a long random part); a short value is a mistake,
// and the token is scrubbed from every text that could show it, which
// must never mangle ordinary words.
const MinTokenLen = 24

// checkToken rejects values that cannot be a header value (a file holding
// more than the token, say) or are too short to be a token. The error never
// quotes the value.
func checkToken(v string) error {
	if i := strings.IndexFunc(v, func(r rune) bool { return r < 0x21 || r == 0x7f }); i >= 0 {
		return fmt.Errorf("the token contains whitespace or a control character at byte %d; it must be the token alone, on one line", i+1)
	}
	if n := utf8.RuneCountInString(v); n < MinTokenLen {
		return fmt.Errorf("the token is %d characters long, and a Base API token is much longer (at least %d); copy the whole token from the account's API settings", n, MinTokenLen)
	}
	return nil
}
