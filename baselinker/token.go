package baselinker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
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

// MarshalJSON implements json.Marshaler.
func (t Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML, XML, …).
func (t Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (t Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// ErrNoToken is returned by LoadToken when no token is configured.
var ErrNoToken = errors.New("no API token")

// LoadToken returns the token from tokenFile (its content trimmed) when one
// is given — an explicit file wins — else from the BASELINKER_TOKEN
// environment variable (via getenv). The error says how to provide one; it
// never contains the token.
func LoadToken(getenv func(string) string, tokenFile string) (Token, error) {
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
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return "", fmt.Errorf("reading the token file %s: %w (check the path and its permissions, or set %s)", tokenFile, err, TokenEnv)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%w: the token file %s is empty; write the API token into it", ErrNoToken, tokenFile)
	}
	if err := checkToken(v); err != nil {
		return "", fmt.Errorf("token file %s: %w", tokenFile, err)
	}
	return Token(v), nil
}

// checkToken rejects values that cannot be a header value (a file holding
// more than the token, say). The error never quotes the value.
func checkToken(v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c == 0x7f {
			return fmt.Errorf("the token contains whitespace or a control character at byte %d; it must be the token alone, on one line", i+1)
		}
	}
	return nil
}
