package sheet

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// encodingAliases maps names people type to names the indexes know.
var encodingAliases = map[string]string{
	"cp1250": "windows-1250", "cp-1250": "windows-1250", "win1250": "windows-1250", "windows1250": "windows-1250",
	"cp1252": "windows-1252", "cp-1252": "windows-1252", "win1252": "windows-1252", "windows1252": "windows-1252",
	"latin2": "iso-8859-2", "latin-2": "iso-8859-2", "iso8859-2": "iso-8859-2", "iso88592": "iso-8859-2",
	"latin1": "iso-8859-1", "latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1", "iso88591": "iso-8859-1",
	"utf8": "utf-8", "utf16le": "utf-16le", "utf16be": "utf-16be", "utf16": "utf-16",
}

// lookupEncoding resolves an encoding name. isUTF8 is true for UTF-8 (no
// decoding, but validation); enc is nil then.
func lookupEncoding(name string) (enc encoding.Encoding, isUTF8 bool, err error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if a, ok := encodingAliases[key]; ok {
		key = a
	}
	switch key {
	case "", "utf-8":
		return nil, true, nil
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), false, nil
	case "utf-16be", "utf-16":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), false, nil
	}
	if e, err := ianaindex.IANA.Encoding(key); err == nil && e != nil {
		return e, false, nil
	}
	if e, err := htmlindex.Get(key); err == nil && e != nil {
		return e, false, nil
	}
	return nil, false, hint(ErrEncoding, fmt.Sprintf("unknown encoding %q", name),
		"use one of utf-8, windows-1250 (cp1250), iso-8859-2 (latin2), windows-1252, iso-8859-1, utf-16le")
}
