package sheet

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// encodingSpelling matches the spellings people type for the common
// encodings (cp1250, win-1250, windows1250, latin-2, iso8859-2, ISO88592,
// utf8, utf16le); spelledEncoding turns them into the names the indexes know.
var encodingSpelling = regexp.MustCompile(`^(?:(?:cp|win|windows)-?(\d{3,4})|latin-?(\d{1,2})|iso-?8859-?(\d{1,2})|utf-?(8)|utf-?16(le|be)?)$`)

func spelledEncoding(key string) string {
	sm := encodingSpelling.FindStringSubmatch(key)
	switch {
	case sm == nil:
		return key
	case sm[1] != "":
		return "windows-" + sm[1]
	case sm[2] != "":
		return "latin" + sm[2]
	case sm[3] != "":
		return "iso-8859-" + sm[3]
	case sm[4] != "":
		return "utf-8"
	}
	return "utf-16" + sm[5]
}

// CheckEncoding reports whether Options.Encoding would accept name: nil,
// or an error wrapping ErrEncoding that lists the common names. The mapping
// file's source.encoding is checked with it, so a mapping never names an
// encoding the reader then refuses.
func CheckEncoding(name string) error {
	_, err := lookupEncoding(name)
	return err
}

// lookupEncoding resolves an encoding name. A nil enc (and nil err) is
// UTF-8: no decoding, but validation.
func lookupEncoding(name string) (enc encoding.Encoding, err error) {
	key := strings.ToLower(strings.TrimSpace(name))
	// The name as given first (cp852 is IBM852, not windows-852), then as
	// spelled out.
	for _, k := range []string{key, spelledEncoding(key)} {
		switch k {
		case "", "utf-8":
			return nil, nil
		case "utf-16le":
			return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
		case "utf-16be", "utf-16":
			return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
		}
		if e, err := ianaindex.IANA.Encoding(k); err == nil && e != nil {
			return e, nil
		}
		if e, err := htmlindex.Get(k); err == nil && e != nil {
			return e, nil
		}
	}
	return nil, hint(ErrEncoding, fmt.Sprintf("unknown encoding %q", name),
		"use one of utf-8, windows-1250 (cp1250), iso-8859-2 (latin2), windows-1252, iso-8859-1, utf-16le")
}
