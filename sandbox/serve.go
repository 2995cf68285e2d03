package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Serve runs a sandbox on addr ("127.0.0.1:0" picks a free port), calls
// ready with the endpoint URL ("http://HOST:PORT/connector.php"), serves
// until ctx is done, then shuts down gracefully and saves the state.
func Serve(ctx context.Context, cfg Config, addr string, ready func(url string)) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return errors.Join(fmt.Errorf("sandbox: listening on %s: %w; pick another address", addr, err), s.Close())
	}
	mux := http.NewServeMux()
	mux.Handle("/connector.php", s)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String() + "/connector.php")
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if serveErr != nil {
		serveErr = fmt.Errorf("sandbox: serving on %s: %w", addr, serveErr)
	}
	if shutErr != nil {
		shutErr = fmt.Errorf("sandbox: shutting down: %w", shutErr)
	}
	return errors.Join(serveErr, shutErr, s.Close())
}
