package ui

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crmbulk/crmbulk/sheet"
)

const (
	secretParam = "s"               // the first URL's query parameter holding the secret
	cookieName  = "crmbulk_session" // the cookie the secret becomes, by port: cookieNameFor
	// requestHeader is the header common.js's api() adds to every request;
	// a request that changes state without it is refused (a plain HTML
	// form of another site cannot add a header).
	requestHeader = "X-Crmbulk-Request"
)

// DefaultMaxUpload bounds an uploaded input file: the bound of the
// unpacked XLSX a reader accepts (sheet.DefaultMaxUnzipSize), as every
// other input.
const DefaultMaxUpload = sheet.DefaultMaxUnzipSize

// Listen listens on addr, which must be a loopback address (127.0.0.1,
// ::1 or localhost; port 0 picks a free port): the page serves one person
// on this machine and is never reachable from the network.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: want HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free one)", addr)
	}
	if !loopbackHost(host) {
		return nil, fmt.Errorf("address %q: crmbulk ui listens on loopback only (127.0.0.1, ::1 or localhost), never on the network", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w; choose another port with --addr, or 127.0.0.1:0 for any free one", addr, err)
	}
	return ln, nil
}

// loopbackHost reports whether host (no port) names this machine.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// secure wraps next in the page's rules, in this order:
//   - a Host that is not a loopback name is refused (421): a page of
//     another site whose name resolves to 127.0.0.1 (DNS rebinding) sends
//     its own name;
//   - GET /?s=SECRET trades the secret for an HttpOnly, SameSite=Strict
//     cookie and redirects to / (the secret leaves the address bar);
//   - every other request needs the cookie (403 without it);
//   - a request that changes state must be same-origin (Sec-Fetch-Site,
//     Origin: http.CrossOriginProtection) and carry requestHeader (403);
//   - every answer forbids framing, sniffing, referrers and any script,
//     style, font or connection that is not the page's own.
func (s *Server) secure(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")

		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if !loopbackHost(host) {
			refuse(w, r, http.StatusMisdirectedRequest, "this page answers only at 127.0.0.1, ::1 or localhost: open the address crmbulk ui printed")
			return
		}
		if r.URL.Path == "/" && r.URL.Query().Has(secretParam) {
			s.enter(w, r)
			return
		}
		if !s.hasCookie(r) {
			refuse(w, r, http.StatusForbidden, "this page needs the session key: open the whole address crmbulk ui printed in the terminal (it ends with ?s=…), or start crmbulk ui again")
			return
		}
		if !safeMethod(r.Method) {
			if err := cop.Check(r); err != nil {
				refuse(w, r, http.StatusForbidden, "a request from another site or page was refused: use the crmbulk page itself")
				return
			}
			if r.Header.Get(requestHeader) == "" {
				refuse(w, r, http.StatusForbidden, "a request without the page's header was refused: use the crmbulk page itself (reload it)")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// enter trades a right secret for the session cookie.
func (s *Server) enter(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || subtle.ConstantTimeCompare([]byte(r.URL.Query().Get(secretParam)), []byte(s.secret)) != 1 {
		refuse(w, r, http.StatusForbidden, "the session key in the address is not this server's: open the address the running crmbulk ui printed (each start makes a new one)")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieNameFor(r.Host), Value: s.secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) hasCookie(r *http.Request) bool {
	c, err := r.Cookie(cookieNameFor(r.Host))
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.secret)) == 1
}

// cookieNameFor is the session cookie's name for a server at host:port:
// a browser keeps cookies by host, not port, so two crmbulk ui servers on
// one machine (two ports) would otherwise take each other's cookie.
func cookieNameFor(host string) string {
	_, port, _ := net.SplitHostPort(host)
	return cookieName + "_" + port
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// refuse answers a refused request: JSON under /api/, plain words elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, status, apiError{Error: msg})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "crmbulk ui: "+msg+"\n")
}

// maxNameRunes bounds a saved file name (its extension kept).
const maxNameRunes = 100

// safeName reduces a file name the browser sent to a base name that is
// safe in the work folder on every system: no folder part (either slash),
// no control or reserved characters, no leading dots, no trailing dots or
// spaces, not a Windows device name, at most maxNameRunes characters with
// its extension kept; "upload" when nothing is left.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	var b strings.Builder
	for _, c := range name {
		switch {
		case c == utf8.RuneError, unicode.IsControl(c), strings.ContainsRune(`<>:"/\|?*`, c):
			b.WriteRune('_')
		default:
			b.WriteRune(c)
		}
	}
	name = strings.TrimRight(strings.TrimLeft(b.String(), ". "), ". ")
	if r := []rune(name); len(r) > maxNameRunes {
		ext := []rune(path.Ext(name))
		if len(ext) > 10 {
			ext = nil
		}
		name = string(r[:maxNameRunes-len(ext)]) + string(ext)
	}
	// Windows takes a device's name whatever follows its first dot
	// (NUL.tar.gz is NUL), and spaces before that dot too.
	stem, _, _ := strings.Cut(name, ".")
	if windowsDevice(strings.TrimRight(stem, " ")) {
		name = "_" + name
	}
	if name == "" || name == "_" {
		return "upload"
	}
	return name
}

// windowsDevice reports whether stem names a Windows device (CON, NUL,
// COM1, LPT¹, CONIN$ …), which a file of that name would reach instead of
// a file.
func windowsDevice(stem string) bool {
	switch s := strings.ToUpper(stem); s {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	default:
		if len(s) < 4 || (s[:3] != "COM" && s[:3] != "LPT") {
			return false
		}
		n := s[3:]
		return len(n) == 1 && n[0] >= '0' && n[0] <= '9' || n == "¹" || n == "²" || n == "³"
	}
}

// errTooLarge is an upload over its bound.
var errTooLarge = errors.New("file too large")

// receiveFile saves the multipart part named field of r (at most max
// bytes) as a new upload under its safe name, and lists it in the
// session. Its error is in words; errors.Is(err, errTooLarge) for an
// upload over the bound (answer 413).
func (s *Server) receiveFile(w http.ResponseWriter, r *http.Request, field string, max int64) (*Upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10) // the part's own headers and the boundary
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("the upload is not a file form (%w); choose the file again", err)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, uploadErr(err, max, fmt.Errorf("the upload holds no file %q; choose the file again", field))
		}
		if part.FormName() != field || part.FileName() == "" {
			_ = part.Close()
			continue
		}
		return s.saveUpload(part, max)
	}
}

// saveUpload writes part (at most max bytes) into a new upload folder.
func (s *Server) saveUpload(part *multipart.Part, max int64) (*Upload, error) {
	defer part.Close()
	u, err := s.sess.addUpload(safeName(part.FileName()))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(u.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("saving the upload in the work folder: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = errTooLarge
	}
	if err != nil {
		_ = os.RemoveAll(filepath.Dir(u.Path))
		return nil, uploadErr(err, max, fmt.Errorf("saving the upload in the work folder: %w", err))
	}
	u.Size = n
	s.sess.keepUpload(u)
	return u, nil
}

// uploadErr words an upload's failure: over the bound, or other.
func uploadErr(err error, max int64, other error) error {
	var mbe *http.MaxBytesError
	if errors.Is(err, errTooLarge) || errors.As(err, &mbe) {
		return fmt.Errorf("%w: the file is larger than %d MB, the most crmbulk reads; split it into smaller files", errTooLarge, max>>20)
	}
	return other
}
